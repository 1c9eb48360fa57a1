package modelfile

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// headWith is the start of a model file whose JSON section is the test
// file's with one field's value replaced by raw JSON.
func headWith(t *testing.T, field, raw string) []byte {
	t.Helper()
	good := testFile(t)
	var m map[string]json.RawMessage
	if err := json.Unmarshal(good[HeaderSize:HeaderSize+int(binary.LittleEndian.Uint32(good[12:]))], &m); err != nil {
		t.Fatal(err)
	}
	m[field] = json.RawMessage(raw)
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, HeaderSize, HeaderSize+len(js))
	copy(b, good[:HeaderSize])
	binary.LittleEndian.PutUint32(b[12:], uint32(len(js)))
	binary.LittleEndian.PutUint64(b[16:], uint64(alignUp(HeaderSize+len(js))+4096))
	return append(b, js...)
}

func repeatList(item string, n int) string {
	return "[" + strings.Repeat(item+",", n-1) + item + "]"
}

// A JSON section of up to 16 MiB cannot make the reader allocate much
// more than its own size: lists are counted before they are decoded.
func TestJSONListsBounded(t *testing.T) {
	for _, tc := range []struct {
		name, field, raw, want string
	}{
		{"8M-entry shape", "tensors", `[{"name":"a","dtype":"i8","layout":"rows","shape":` + repeatList("1", 8<<20-2000) + `,"offset":0,"size":0}]`, "more than 8 entries"},
		{"1M empty tensors", "tensors", repeatList("{}", 1<<20), `"tensors" has more than 4096`},
		{"1M empty convs", "convs", repeatList("{}", 1<<20), `"convs" has more than 1024`},
		{"1M empty labels", "labels", repeatList(`""`, 1<<20), `"labels" has more than 100000`},
		{"deep nesting", "source", strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := headWith(t, tc.field, tc.raw)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ReadHead(b)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrMalformed saying %q", err, tc.want)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 2*uint64(len(b))+1<<20 {
				t.Errorf("allocated %d MiB to refuse %d MiB of JSON", a>>20, len(b)>>20)
			}
		})
	}
	// The most a JSON section within the limits can cost: 100,000 labels
	// filling 16 MiB.
	b := headWith(t, "labels", repeatList(`"`+strings.Repeat("x", 160)+`"`, 100000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadHead(b)
	runtime.ReadMemStats(&after)
	t.Logf("%d MiB of labels: %v; allocated %d MiB", len(b)>>20, err, (after.TotalAlloc-before.TotalAlloc)>>20)
	if a := after.TotalAlloc - before.TotalAlloc; a > 4*uint64(len(b)) {
		t.Errorf("allocated %d MiB for %d MiB of JSON", a>>20, len(b)>>20)
	}
}

// FuzzCheckLists holds the scanner to encoding/json's reading of the same
// text: whatever valid JSON it lets through has no list longer than its
// limit, and no nesting deeper than maxNesting.
func FuzzCheckLists(f *testing.F) {
	f.Add([]byte(`{"labels":["a","b"],"convs":[{}],"tensors":[{"shape":[1,2,3]}],"stages":[2,2,2,2]}`))
	f.Add([]byte(`{"name":"a,b[c","labels":["[,,]","\"",","]}`))
	f.Add([]byte(`[[[[1,2,3,4,5,6,7,8,9]]]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkLists(b) != nil || !json.Valid(b) {
			return
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return
		}
		var walk func(v any, depth int, limit int, name string)
		walk = func(v any, depth int, limit int, name string) {
			if depth > maxNesting {
				t.Fatalf("nesting %d accepted: %s", depth, b)
			}
			switch x := v.(type) {
			case []any:
				if len(x) > limit {
					t.Fatalf("%s of %d entries accepted (limit %d): %s", name, len(x), limit, b)
				}
				for _, e := range x {
					walk(e, depth+1, maxInner, "a list")
				}
			case map[string]any:
				for k, e := range x {
					lim := maxInner
					if depth == 1 {
						switch k {
						case "labels":
							lim = maxClasses
						case "convs":
							lim = maxConvs
						case "tensors":
							lim = maxTensors
						}
					}
					walk(e, depth+1, lim, k)
				}
			}
		}
		walk(v, 1, maxInner, "the text")
	})
}
