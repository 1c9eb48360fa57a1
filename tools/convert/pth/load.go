package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"path"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// gopickle's pytorch package opens files by name only, reads storages with
// unchecked short reads and panics on some legacy inputs, so the container
// is read here and only its unpickler is used: classes and persistent ids are
// resolved by the functions below, and every size the file claims is checked
// against the bytes actually present before anything is allocated for it.

// maxElems bounds one tensor: far above any ResNet layer (ResNet-152's
// largest is 2.4 M), far below what would exhaust memory.
const maxElems = 1 << 26

// maxPickle bounds data.pkl, which for a state dict is a few hundred kB.
const maxPickle = 64 << 20

// dtype is a torch storage element type.
type dtype struct {
	name string
	size int
}

var storageTypes = map[string]dtype{
	"FloatStorage":    {"float32", 4},
	"DoubleStorage":   {"float64", 8},
	"HalfStorage":     {"float16", 2},
	"BFloat16Storage": {"bfloat16", 2},
	"LongStorage":     {"int64", 8},
	"IntStorage":      {"int32", 4},
	"ShortStorage":    {"int16", 2},
	"CharStorage":     {"int8", 1},
	"ByteStorage":     {"uint8", 1},
	"BoolStorage":     {"bool", 1},
}

// storageClass is what the pickle's GLOBAL torch.FloatStorage (etc.) becomes.
type storageClass struct{ dtype }

// storage is one torch storage: n elements of dtype, raw little-endian bytes
// (nil until the legacy format's trailing data section fills it).
type storage struct {
	dtype
	n   int
	raw []byte
}

// tensor is a view into a storage, as torch._utils._rebuild_tensor_v2 makes.
type tensor struct {
	st     *storage
	offset int
	shape  []int
	stride []int
}

// opaque stands for any class the file names that is not a torch tensor
// piece: it loads (so that a checkpoint's side objects do not stop the
// reader) but is never mistaken for data.
type opaque struct{ module, name string }

type opaqueObject struct{ class *opaque }

func (c *opaque) Call(args ...interface{}) (interface{}, error)  { return &opaqueObject{c}, nil }
func (c *opaque) PyNew(args ...interface{}) (interface{}, error) { return &opaqueObject{c}, nil }
func (o *opaqueObject) PySetState(state interface{}) error       { return nil }

type rebuildTensor struct{}

// Call mirrors torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
// stride, requires_grad, backward_hooks[, metadata]).
func (rebuildTensor) Call(args ...interface{}) (interface{}, error) {
	if len(args) != 6 && len(args) != 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage is %T", args[0])
	}
	off, ok := args[1].(int)
	if !ok || off < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset %v", args[1])
	}
	shape, err := ints(args[2])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2 size: %w", err)
	}
	stride, err := ints(args[3])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2 stride: %w", err)
	}
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %d sizes but %d strides", len(shape), len(stride))
	}
	return &tensor{st: st, offset: off, shape: shape, stride: stride}, nil
}

type rebuildParameter struct{}

// Call mirrors torch._utils._rebuild_parameter(data, requires_grad,
// backward_hooks): an nn.Parameter saved directly is just its tensor here.
func (rebuildParameter) Call(args ...interface{}) (interface{}, error) {
	if len(args) < 1 {
		return nil, errors.New("_rebuild_parameter without data")
	}
	if t, ok := args[0].(*tensor); ok {
		return t, nil
	}
	return nil, fmt.Errorf("_rebuild_parameter of %T", args[0])
}

func ints(v interface{}) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("want a tuple, got %T", v)
	}
	out := make([]int, t.Len())
	for i := range out {
		n, ok := t.Get(i).(int)
		if !ok || n < 0 || n > maxElems {
			return nil, fmt.Errorf("bad dimension %v", t.Get(i))
		}
		out[i] = n
	}
	return out, nil
}

func findClass(module, name string) (interface{}, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor{}, nil
	case "torch._utils._rebuild_parameter":
		return rebuildParameter{}, nil
	}
	if module == "torch" {
		if dt, ok := storageTypes[name]; ok {
			return &storageClass{dt}, nil
		}
	}
	return &opaque{module, name}, nil
}

// persistentID unpacks ('storage', class, key, location, numel, ...).
func persistentID(id interface{}) (cls *storageClass, key string, n int, err error) {
	t, ok := id.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return nil, "", 0, fmt.Errorf("persistent id %T is not a storage tuple", id)
	}
	if s, _ := t.Get(0).(string); s != "storage" {
		return nil, "", 0, fmt.Errorf("persistent id of kind %v, want storage", t.Get(0))
	}
	cls, ok1 := t.Get(1).(*storageClass)
	key, ok2 := t.Get(2).(string)
	n, ok3 := t.Get(4).(int)
	if !ok1 || !ok2 || !ok3 || n < 0 || n > maxElems {
		return nil, "", 0, fmt.Errorf("malformed storage persistent id %v", *t)
	}
	return cls, key, n, nil
}

// load returns the unpickled top-level object of a torch.save file, in the
// zip format (torch ≥ 1.6) or the legacy one.
func load(b []byte) (interface{}, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err == nil {
		return loadZip(zr)
	}
	if len(b) >= 4 && string(b[:4]) == "PK\x03\x04" {
		return nil, fmt.Errorf("damaged zip archive: %w", err)
	}
	return loadLegacy(b)
}

func loadZip(zr *zip.Reader) (interface{}, error) {
	var prefix string
	records := map[string]*zip.File{}
	for _, f := range zr.File {
		records[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && prefix == "" {
			prefix = strings.TrimSuffix(f.Name, "data.pkl")
		}
		if path.Base(f.Name) == "constants.pkl" {
			return nil, errors.New("this is a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead")
		}
	}
	pkl, ok := records[prefix+"data.pkl"]
	if !ok {
		return nil, errors.New("zip archive has no data.pkl: not a torch.save file")
	}
	data, err := readRecord(pkl, -1)
	if err != nil {
		return nil, err
	}
	if _, err := scanPickle(data); err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	storages := map[string]*storage{}
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = findClass
	u.PersistentLoad = func(id interface{}) (interface{}, error) {
		cls, key, n, err := persistentID(id)
		if err != nil {
			return nil, err
		}
		if st, ok := storages[key]; ok {
			return st, nil
		}
		f, ok := records[prefix+"data/"+key]
		if !ok {
			return nil, fmt.Errorf("storage %q is missing from the archive", key)
		}
		raw, err := readRecord(f, int64(n)*int64(cls.size))
		if err != nil {
			return nil, fmt.Errorf("storage %q: %w", key, err)
		}
		st := &storage{dtype: cls.dtype, n: n, raw: raw}
		storages[key] = st
		return st, nil
	}
	return u.Load()
}

// readRecord reads a zip entry, at least want bytes of it when want ≥ 0.
// Memory grows with the bytes really read, not with sizes the header claims.
func readRecord(f *zip.File, want int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	limit := int64(maxPickle)
	if want >= 0 {
		limit = want
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if want >= 0 && int64(len(b)) < want {
		return nil, fmt.Errorf("%s: %d bytes, want %d", f.Name, len(b), want)
	}
	return b, nil
}

// Legacy format (torch.save before 1.6, e.g. torchvision's resnet18-5c106cde.pth):
// pickled magic number, protocol version and system info, then the object
// pickle, then the list of storage keys, then each storage as an int64
// element count followed by its bytes.
const legacyMagic = "1950a86a20f9469cfc6c"

func loadLegacy(b []byte) (interface{}, error) {
	r := bytes.NewReader(b)
	// The file is a run of pickles; each is scanned before it is unpickled.
	scan := func() error {
		_, err := scanPickle(b[len(b)-r.Len():])
		return err
	}
	next := func() (interface{}, error) {
		if err := scan(); err != nil {
			return nil, err
		}
		u := pickle.NewUnpickler(r)
		u.FindClass = findClass
		return u.Load()
	}
	magic, err := next()
	if err != nil {
		return nil, fmt.Errorf("neither a zip archive nor a legacy torch file: %w", err)
	}
	if m, ok := magic.(*big.Int); !ok || m.Text(16) != legacyMagic {
		return nil, errors.New("neither a zip archive nor a legacy torch file (bad magic number)")
	}
	if v, err := next(); err != nil || v != 1001 {
		return nil, fmt.Errorf("legacy torch file: unsupported protocol version %v (%v)", v, err)
	}
	if _, err := next(); err != nil {
		return nil, fmt.Errorf("legacy torch file: system info: %w", err)
	}
	storages := map[string]*storage{}
	if err := scan(); err != nil {
		return nil, fmt.Errorf("legacy torch file: %w", err)
	}
	u := pickle.NewUnpickler(r)
	u.FindClass = findClass
	u.PersistentLoad = func(id interface{}) (interface{}, error) {
		cls, key, n, err := persistentID(id)
		if err != nil {
			return nil, err
		}
		if t := id.(*types.Tuple); t.Len() > 5 && t.Get(5) != nil {
			return nil, errors.New("legacy torch file: storage views are not supported")
		}
		if st, ok := storages[key]; ok {
			return st, nil
		}
		st := &storage{dtype: cls.dtype, n: n}
		storages[key] = st
		return st, nil
	}
	obj, err := u.Load()
	if err != nil {
		return nil, err
	}
	keys, err := next()
	if err != nil {
		return nil, fmt.Errorf("legacy torch file: storage keys: %w", err)
	}
	list, ok := keys.(*types.List)
	if !ok {
		return nil, fmt.Errorf("legacy torch file: storage keys are %T", keys)
	}
	for _, k := range *list {
		key, _ := k.(string)
		st, ok := storages[key]
		if !ok {
			return nil, fmt.Errorf("legacy torch file: unknown storage key %v", k)
		}
		var n uint64
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("legacy torch file: storage %s: %w", key, err)
		}
		if n != uint64(st.n) {
			return nil, fmt.Errorf("legacy torch file: storage %s has %d elements, pickle said %d", key, n, st.n)
		}
		size := st.n * st.size
		if r.Len() < size {
			return nil, fmt.Errorf("legacy torch file: storage %s truncated", key)
		}
		st.raw = make([]byte, size)
		if _, err := io.ReadFull(r, st.raw); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// float32s materialises t as a dense row-major float32 slice.
func (t *tensor) float32s() ([]float32, error) {
	n := 1
	for _, d := range t.shape {
		n *= d
		if n > maxElems {
			return nil, fmt.Errorf("tensor of shape %v is too large", t.shape)
		}
	}
	// A state dict tensor owns its elements; a view with more elements than
	// its storage overlaps itself (stride 0), which only a crafted file does,
	// and would let a few bytes demand a huge allocation.
	if n > t.st.n {
		return nil, fmt.Errorf("tensor of shape %v has more elements than its storage (%d)", t.shape, t.st.n)
	}
	if t.st.raw == nil {
		return nil, errors.New("tensor storage has no data")
	}
	// The highest element the view touches must lie inside the storage.
	last := t.offset
	for i, d := range t.shape {
		if d > 0 {
			if t.stride[i] < 0 {
				return nil, fmt.Errorf("negative stride %v", t.stride)
			}
			last += (d - 1) * t.stride[i]
		}
	}
	if n > 0 && (last >= t.st.n || last < 0) {
		return nil, fmt.Errorf("tensor view (offset %d, shape %v, stride %v) overruns its storage of %d", t.offset, t.shape, t.stride, t.st.n)
	}
	at, err := elemReader(t.st)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	idx := make([]int, len(t.shape))
	for i := range out {
		p := t.offset
		for d, x := range idx {
			p += x * t.stride[d]
		}
		out[i] = at(p)
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < t.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

func elemReader(st *storage) (func(int) float32, error) {
	raw := st.raw
	le := binary.LittleEndian
	switch st.name {
	case "float32":
		return func(i int) float32 { return math.Float32frombits(le.Uint32(raw[4*i:])) }, nil
	case "float64":
		return func(i int) float32 { return float32(math.Float64frombits(le.Uint64(raw[8*i:]))) }, nil
	case "bfloat16":
		return func(i int) float32 { return math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16) }, nil
	case "float16":
		return func(i int) float32 { return halfToFloat(le.Uint16(raw[2*i:])) }, nil
	}
	return nil, fmt.Errorf("%s tensor where floating point was expected", st.name)
}

// halfToFloat widens an IEEE 754 binary16 value exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac × 2^-24
		f := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}
