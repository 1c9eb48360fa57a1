package tfjs

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
)

// weightGroup is one entry of weightsManifest: the weights, in order, laid
// end to end over the concatenation of the shard files.
type weightGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string        `json:"name"`
	Shape        []int         `json:"shape"`
	DType        string        `json:"dtype"`
	Quantization *quantization `json:"quantization"`
}

// quantization is TF.js's weight quantisation (tensorflowjs_converter
// --quantize_uint8/uint16/float16): stored integers map back to floats as
// q*Scale + Min; float16 stores half floats and has no scale.
type quantization struct {
	DType string  `json:"dtype"`
	Scale float64 `json:"scale"`
	Min   float64 `json:"min"`
}

// maxWeightBytes bounds what a manifest may ask us to read: ResNet-152 in
// float32 is about 240 MB, so 2 GiB only stops nonsense.
const maxWeightBytes = 2 << 30

// elemSize is the stored size of one element of w.
func (w *weightSpec) elemSize() (int, error) {
	if q := w.Quantization; q != nil {
		switch q.DType {
		case "uint8":
			return 1, nil
		case "uint16", "float16":
			return 2, nil
		}
		return 0, fmt.Errorf("weight %q: unsupported quantisation dtype %q", w.Name, q.DType)
	}
	switch w.DType {
	case "float32", "int32":
		return 4, nil
	case "bool":
		return 1, nil
	}
	// Strings are variable-length; nothing in a ResNet is one.
	return 0, fmt.Errorf("weight %q: unsupported dtype %q", w.Name, w.DType)
}

// byteSize is w's size in its group's buffer, refusing shapes that are
// negative or too large to be real.
func (w *weightSpec) byteSize() (int64, error) {
	es, err := w.elemSize()
	if err != nil {
		return 0, err
	}
	n := int64(es)
	for _, d := range w.Shape {
		if d < 0 {
			return 0, fmt.Errorf("weight %q: negative dimension in shape %v", w.Name, w.Shape)
		}
		if d > 0 && n > maxWeightBytes/int64(d) {
			return 0, fmt.Errorf("weight %q: shape %v is implausibly large", w.Name, w.Shape)
		}
		n *= int64(d)
	}
	return n, nil
}

type tensor struct {
	spec *weightSpec
	data []byte
}

// store holds every weight of the manifest by name, as stored bytes; take
// decodes one to float32 and remembers it was used, so that weights no
// layer claims can be reported rather than silently dropped.
type store struct {
	byName map[string]*tensor
	order  []string
	used   map[string]bool
}

// loadWeights reads every group's shards from fsys (paths are relative to
// the directory of model.json) and slices them into tensors.
func loadWeights(fsys fs.FS, groups []weightGroup) (*store, error) {
	s := &store{byName: map[string]*tensor{}, used: map[string]bool{}}
	var total int64
	for gi := range groups {
		g := &groups[gi]
		sizes := make([]int64, len(g.Weights))
		var need int64
		for i := range g.Weights {
			n, err := g.Weights[i].byteSize()
			if err != nil {
				return nil, fmt.Errorf("weight group %d: %w", gi+1, err)
			}
			sizes[i] = n
			need += n
			if total+need > maxWeightBytes {
				return nil, fmt.Errorf("weight group %d: manifest asks for more than %d bytes", gi+1, int64(maxWeightBytes))
			}
		}
		total += need
		buf, err := readShards(fsys, gi, g.Paths, need)
		if err != nil {
			return nil, err
		}
		var off int64
		for i := range g.Weights {
			w := &g.Weights[i]
			if _, dup := s.byName[w.Name]; dup {
				return nil, fmt.Errorf("weight %q appears twice in the manifest", w.Name)
			}
			s.byName[w.Name] = &tensor{spec: w, data: buf[off : off+sizes[i]]}
			s.order = append(s.order, w.Name)
			off += sizes[i]
		}
	}
	return s, nil
}

// readShards concatenates one group's shard files, which must hold exactly
// need bytes. Sizes are checked before anything is allocated, so a manifest
// that claims gigabytes costs nothing. A short group names the shard that
// looks truncated: the converter writes every shard but the last at the
// same size.
func readShards(fsys fs.FS, gi int, paths []string, need int64) ([]byte, error) {
	if need > 0 && len(paths) == 0 {
		return nil, fmt.Errorf("weight group %d lists weights but no shard files", gi+1)
	}
	files := make([]fs.File, len(paths))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	sizes := make([]int64, len(paths))
	var have int64
	for i, p := range paths {
		name := path.Clean(p)
		if !fs.ValidPath(name) || strings.Contains(p, `\`) {
			return nil, fmt.Errorf("weight group %d: shard path %q is not a relative path below model.json", gi+1, p)
		}
		f, st, err := regularfile.Open(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("weight group %d: shard %w", gi+1, err)
		}
		files[i] = f
		sizes[i] = st.Size()
		have += sizes[i]
		if have > need {
			return nil, fmt.Errorf("weight group %d: shard %q ends at byte %d but the manifest's weights need only %d (shards from another model?)", gi+1, p, have, need)
		}
	}
	if have < need {
		culprit := len(paths) - 1
		if full := slices.Max(sizes); full > 0 {
			for i, sz := range sizes[:len(sizes)-1] {
				if sz < full {
					culprit = i
					break
				}
			}
		}
		return nil, fmt.Errorf("weight group %d: shards hold %d bytes, the manifest needs %d (%d short); shard %q (%d bytes) looks truncated",
			gi+1, have, need, need-have, paths[culprit], sizes[culprit])
	}
	buf := make([]byte, need)
	var off int64
	for i, f := range files {
		if _, err := io.ReadFull(f, buf[off:off+sizes[i]]); err != nil {
			return nil, fmt.Errorf("weight group %d: shard %q: %w", gi+1, paths[i], err)
		}
		off += sizes[i]
	}
	return buf, nil
}

// lookup finds a weight by its Keras name ("layer/param"). Some exporters
// prefix the model's name ("resnet50/conv1/kernel"); accept that only when
// exactly one weight matches.
func (s *store) lookup(name string) (*tensor, error) {
	if t, ok := s.byName[name]; ok {
		return t, nil
	}
	var found *tensor
	for _, n := range s.order {
		if strings.HasSuffix(n, "/"+name) {
			if found != nil {
				return nil, fmt.Errorf("weight %q: several manifest entries end in it", name)
			}
			found = s.byName[n]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("weight %q is not in the manifest", name)
	}
	return found, nil
}

// take decodes weight name, whose shape must be want, to float32.
func (s *store) take(name string, want ...int) ([]float32, error) {
	t, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(t.spec.Shape, want) {
		return nil, fmt.Errorf("weight %q has shape %v, the layer's config implies %v", t.spec.Name, t.spec.Shape, want)
	}
	out, err := decode(t)
	if err != nil {
		return nil, err
	}
	if err := finite(t.spec.Name, out); err != nil {
		return nil, err
	}
	s.used[t.spec.Name] = true
	return out, nil
}

// unused names the first weight no layer took.
func (s *store) unused() error {
	for _, n := range s.order {
		if !s.used[n] {
			return fmt.Errorf("weight %q belongs to no layer of the ResNet (a layer this reader does not know?)", n)
		}
	}
	return nil
}

func decode(t *tensor) ([]float32, error) {
	b, w := t.data, t.spec
	if w.DType != "float32" {
		return nil, fmt.Errorf("weight %q has dtype %q, want float32", w.Name, w.DType)
	}
	q := w.Quantization
	if q == nil {
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out, nil
	}
	switch q.DType {
	case "uint8":
		out := make([]float32, len(b))
		for i, v := range b {
			// TF.js dequantises in float64 then stores float32; do the same.
			out[i] = float32(float64(v)*q.Scale + q.Min)
		}
		return out, nil
	case "uint16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = float32(float64(binary.LittleEndian.Uint16(b[2*i:]))*q.Scale + q.Min)
		}
		return out, nil
	case "float16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("weight %q: unsupported quantisation dtype %q", w.Name, q.DType)
}

// finite refuses NaN and infinities, which would poison every output they
// reach and make the int8 scales meaningless.
func finite(name string, v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("weight %q element %d is %v", name, i, x)
		}
	}
	return nil
}

// halfToFloat widens an IEEE 754 binary16 value exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal: frac × 2^-24, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
