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

// storage is one torch storage: n elements of dtype, raw little-endian bytes.
// raw stays nil until the network's shapes have been checked: a zip
// checkpoint's storages are read (rec) only then, a legacy one's are sliced
// from its trailing data section.
type storage struct {
	dtype
	key string
	n   int
	raw []byte
	rec *zip.File
}

// bytes is the storage's size as its pickle declares it.
func (st *storage) bytes() int64 { return int64(st.n) * int64(st.size) }

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
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset %s", describe(args[1]))
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
			return nil, fmt.Errorf("bad dimension %s", describe(t.Get(i)))
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

// persistentID unpacks ('storage', class, key, location, numel, ...) into a
// storage with no data yet, refusing one larger than lim allows.
func persistentID(id interface{}, lim limits) (*storage, error) {
	t, ok := id.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return nil, fmt.Errorf("persistent id %T is not a storage tuple", id)
	}
	if s, _ := t.Get(0).(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of kind %s, want storage", describe(t.Get(0)))
	}
	cls, ok1 := t.Get(1).(*storageClass)
	key, ok2 := t.Get(2).(string)
	n, ok3 := t.Get(4).(int)
	if !ok1 || !ok2 || !ok3 || n < 0 {
		return nil, fmt.Errorf("malformed storage persistent id (%s, %s, %s, %s, %s)",
			describe(t.Get(0)), describe(t.Get(1)), describe(t.Get(2)), describe(t.Get(3)), describe(t.Get(4)))
	}
	st := &storage{dtype: cls.dtype, key: key, n: n}
	if n > maxElems || st.bytes() > lim.storageBytes {
		return nil, fmt.Errorf("storage %s declares %d %s elements (%d bytes), over the limit of %s for one storage",
			describe(key), n, cls.name, st.bytes(), mib(lim.storageBytes))
	}
	return st, nil
}

// checkpoint is an unpickled torch.save file. Its storages hold no data
// until fetch: the caller checks first that the network needs them.
type checkpoint struct {
	obj interface{}
	lim limits
}

// load unpickles a torch.save file of size bytes read through r, in the
// zip format (torch ≥ 1.6) or the legacy one.
func load(r io.ReaderAt, size int64, lim limits) (*checkpoint, error) {
	if err := checkZipDirectory(r, size); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err == nil {
		return loadZip(zr, lim)
	}
	var magic [4]byte
	if _, rerr := r.ReadAt(magic[:], 0); rerr == nil && string(magic[:]) == "PK\x03\x04" {
		return nil, fmt.Errorf("damaged zip archive: %w", err)
	}
	// A legacy file holds its storages inline: four pickles and the data.
	if max := lim.totalBytes + 4*lim.pickleBytes; size > max {
		return nil, fmt.Errorf("neither a zip archive nor, at %d bytes, a legacy torch file within the limit of %s", size, mib(max))
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !(errors.Is(err, io.EOF) && size == 0) {
		return nil, err
	}
	return loadLegacy(b, lim)
}

func loadZip(zr *zip.Reader, lim limits) (*checkpoint, error) {
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
	data, err := readPickle(pkl, lim)
	if err != nil {
		return nil, err
	}
	if _, err := scanPickle(data, lim); err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	storages := map[string]*storage{}
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = findClass
	u.PersistentLoad = func(id interface{}) (interface{}, error) {
		st, err := persistentID(id, lim)
		if err != nil {
			return nil, err
		}
		if seen, ok := storages[st.key]; ok {
			return seen, nil
		}
		f, ok := records[prefix+"data/"+st.key]
		if !ok {
			return nil, fmt.Errorf("storage %s is missing from the archive", describe(st.key))
		}
		// The directory's sizes are only claims; reads below stop at
		// st.bytes() whatever the record inflates to.
		if f.UncompressedSize64 < uint64(st.bytes()) {
			return nil, fmt.Errorf("storage %s: the archive holds %d bytes, the pickle declares %d", describe(st.key), f.UncompressedSize64, st.bytes())
		}
		st.rec = f
		storages[st.key] = st
		return st, nil
	}
	obj, err := u.Load()
	if err != nil {
		return nil, err
	}
	return &checkpoint{obj: obj, lim: lim}, nil
}

// readPickle reads data.pkl, refusing one over the limit by its declared
// size and by the bytes it really inflates to.
func readPickle(f *zip.File, lim limits) ([]byte, error) {
	if f.UncompressedSize64 > uint64(lim.pickleBytes) {
		return nil, fmt.Errorf("%s declares %d bytes, over the limit of %s for a pickle", f.Name, f.UncompressedSize64, mib(lim.pickleBytes))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, lim.pickleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(len(b)) > lim.pickleBytes {
		return nil, fmt.Errorf("%s inflates past the limit of %s for a pickle", f.Name, mib(lim.pickleBytes))
	}
	return b, nil
}

// fetch reads the storages of ts, each once, after checking that together
// they fit in the limit. A zip record is inflated up to the size the pickle
// declares and no further.
func (c *checkpoint) fetch(ts []*tensor) error {
	var todo []*storage
	seen := map[*storage]bool{}
	var total int64
	for _, t := range ts {
		if st := t.st; !seen[st] {
			seen[st] = true
			todo = append(todo, st)
			total += st.bytes()
		}
	}
	if total > c.lim.totalBytes {
		return fmt.Errorf("the network's tensors take %d bytes, over the limit of %s for a checkpoint", total, mib(c.lim.totalBytes))
	}
	for _, st := range todo {
		if st.raw != nil || st.rec == nil {
			continue // legacy: in place, or missing (refused when used)
		}
		raw, err := readStorage(st.rec, st.bytes())
		if err != nil {
			return fmt.Errorf("storage %s: %w", describe(st.key), err)
		}
		st.raw = raw
	}
	return nil
}

func readStorage(f *zip.File, n int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	b := make([]byte, n)
	if k, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%s: %d bytes, want %d (%v)", f.Name, k, n, err)
	}
	return b, nil
}

// Legacy format (torch.save before 1.6, e.g. torchvision's resnet18-5c106cde.pth):
// pickled magic number, protocol version and system info, then the object
// pickle, then the list of storage keys, then each storage as an int64
// element count followed by its bytes.
const legacyMagic = "1950a86a20f9469cfc6c"

func loadLegacy(b []byte, lim limits) (*checkpoint, error) {
	r := bytes.NewReader(b)
	// The file is a run of pickles; each is scanned before it is unpickled.
	scan := func() error {
		_, err := scanPickle(b[len(b)-r.Len():], lim)
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
	if m, ok := magic.(*big.Int); !ok || m.BitLen() > 128 || m.Text(16) != legacyMagic {
		return nil, errors.New("neither a zip archive nor a legacy torch file (bad magic number)")
	}
	if v, err := next(); err != nil || v != 1001 {
		return nil, fmt.Errorf("legacy torch file: unsupported protocol version %s (%v)", describe(v), err)
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
		st, err := persistentID(id, lim)
		if err != nil {
			return nil, err
		}
		if t := id.(*types.Tuple); t.Len() > 5 && t.Get(5) != nil {
			return nil, errors.New("legacy torch file: storage views are not supported")
		}
		if seen, ok := storages[st.key]; ok {
			return seen, nil
		}
		storages[st.key] = st
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
		return nil, fmt.Errorf("legacy torch file: storage keys are %s", describe(keys))
	}
	// The data section is already in memory: storages are slices of it.
	for _, k := range *list {
		key, _ := k.(string)
		st, ok := storages[key]
		if !ok {
			return nil, fmt.Errorf("legacy torch file: unknown storage key %s", describe(k))
		}
		var n uint64
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("legacy torch file: storage %s: %w", describe(key), err)
		}
		if n != uint64(st.n) {
			return nil, fmt.Errorf("legacy torch file: storage %s has %d elements, pickle said %d", describe(key), n, st.n)
		}
		size := st.n * st.size
		if r.Len() < size {
			return nil, fmt.Errorf("legacy torch file: storage %s truncated", describe(key))
		}
		off := len(b) - r.Len()
		st.raw = b[off : off+size : off+size]
		r.Seek(int64(size), io.SeekCurrent)
	}
	return &checkpoint{obj: obj, lim: lim}, nil
}

// check refuses a view that is not a dense floating-point tensor inside
// its storage, before any of the storage is read.
func (t *tensor) check() error {
	n := 1
	for _, d := range t.shape {
		n *= d
		if n > maxElems {
			return fmt.Errorf("tensor of shape %v is over the limit of %d elements", t.shape, maxElems)
		}
	}
	// A state dict tensor owns its elements; a view with more elements than
	// its storage overlaps itself (stride 0), which only a crafted file does,
	// and would let a few bytes demand a huge allocation.
	if n > t.st.n {
		return fmt.Errorf("tensor of shape %v has more elements than its storage (%d)", t.shape, t.st.n)
	}
	// The highest element the view touches must lie inside the storage.
	if t.offset > t.st.n {
		return fmt.Errorf("tensor offset %d is past its storage of %d", t.offset, t.st.n)
	}
	last := t.offset
	for i, d := range t.shape {
		if d > 0 {
			if t.stride[i] < 0 || t.stride[i] > t.st.n {
				return fmt.Errorf("bad stride %v for a storage of %d", t.stride, t.st.n)
			}
			last += (d - 1) * t.stride[i]
		}
	}
	if n > 0 && (last >= t.st.n || last < 0) {
		return fmt.Errorf("tensor view (offset %d, shape %v, stride %v) overruns its storage of %d", t.offset, t.shape, t.stride, t.st.n)
	}
	_, err := elemReader(t.st)
	return err
}

// float32s materialises t as a dense row-major float32 slice; its storage
// must have been fetched.
func (t *tensor) float32s() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if t.st.raw == nil {
		return nil, errors.New("tensor storage has no data")
	}
	at, err := elemReader(t.st)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range t.shape {
		n *= d
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
