package modelfile

import "fmt"

// Limits on the lists of the JSON section, checked before it is decoded:
// a 16 MiB section of "{}," would otherwise decode to 500 MB of Tensor
// structs, and one of "1," to a 64 MB shape, on the word of a header (the
// page decodes it before the weights arrive). They are far above any
// ResNet's (ResNet-152: 155 convolutions, 467 tensors, 4-D shapes).
const (
	maxClasses = 100000
	maxConvs   = 1024
	maxTensors = 4096
	maxInner   = 8 // any other array: shapes, stages, mean, std
	maxNesting = 8
)

// checkLists scans a JSON text once, without allocating per element, and
// refuses a list longer than its limit. It does not validate the JSON
// (the decoder does, after it); whatever the bytes, it is linear and
// cannot fail otherwise than with an error.
func checkLists(b []byte) error {
	type frame struct {
		array     bool
		n, limit  int
		name      string
		expectKey bool
	}
	var stack []frame
	var key string // the last key read in the top-level object
	for i := 0; i < len(b); i++ {
		c := b[i]
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch c {
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if len(stack) == 1 && !top.array && top.expectKey {
				key = string(b[i+1 : min(j, len(b), i+1+16)])
				top.expectKey = false
			}
			i = j
		case ':':
		case ',':
			if top == nil {
				continue
			}
			if top.array {
				top.n++
				if top.n >= top.limit {
					return fmt.Errorf("%s has more than %d entries", top.name, top.limit)
				}
			} else {
				top.expectKey = true
			}
		case '[', '{':
			if len(stack) == maxNesting {
				return fmt.Errorf("JSON nested deeper than %d", maxNesting)
			}
			f := frame{array: c == '[', limit: maxInner, name: "a list", expectKey: c == '{'}
			if f.array && len(stack) == 1 && !top.array {
				f.name = fmt.Sprintf("%q", key)
				switch key {
				case "labels":
					f.limit = maxClasses
				case "convs":
					f.limit = maxConvs
				case "tensors":
					f.limit = maxTensors
				}
			}
			stack = append(stack, f)
		case ']', '}':
			if top != nil {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return nil
}
