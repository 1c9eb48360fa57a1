// Package modelfile reads and writes the project's model file: a fixed
// 64-byte header, a JSON description of the network, then tensors aligned to
// 64 bytes so that int8 weights are used in place, straight from the file's
// bytes. FORMAT.md beside this file is the specification; Write and Parse
// mirror each other.
package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// Magic starts every model file.
const Magic = "RESNETGO"

// Version is the newest format version this reader understands; it reads
// every version from MinVersion on. Version 2 added i16 tensors (wide
// weights, FORMAT.md); a file without them is written as version 1, which
// readers of version 1 still read.
const (
	Version    = 2
	MinVersion = 1
)

// HeaderSize is the size of the fixed header; Align the alignment of the
// JSON section and of every tensor.
const (
	HeaderSize = 64
	Align      = 64
)

// MaxMetaSize bounds the JSON section so that a tampered length cannot make
// the reader allocate without limit.
const MaxMetaSize = 16 << 20

// Errors a caller can test for with errors.Is. Every error Parse returns
// wraps exactly one of them.
var (
	ErrMagic     = errors.New("not a model file (bad magic)")
	ErrVersion   = errors.New("unsupported model file version")
	ErrTruncated = errors.New("model file is truncated")
	ErrChecksum  = errors.New("model file checksum mismatch (corrupted or tampered)")
	ErrMalformed = errors.New("malformed model file")
)

type header struct {
	version  uint32
	metaLen  uint32
	fileLen  uint64
	checksum [32]byte
}

func readHeader(b []byte) (header, error) {
	h, err := decodeHeader(b)
	if err != nil {
		return h, err
	}
	if uint64(len(b)) < h.fileLen {
		return h, fmt.Errorf("%w: %d of %d bytes", ErrTruncated, len(b), h.fileLen)
	}
	if uint64(len(b)) > h.fileLen {
		return h, fmt.Errorf("%w: %d bytes after the end the header declares (%d)", ErrMalformed, uint64(len(b))-h.fileLen, h.fileLen)
	}
	return h, nil
}

// decodeHeader checks the fixed header on its own, without the length of
// what follows it (readHeader checks that too).
func decodeHeader(b []byte) (header, error) {
	var h header
	if len(b) < len(Magic) || string(b[:len(Magic)]) != Magic {
		return h, ErrMagic
	}
	if len(b) < HeaderSize {
		return h, fmt.Errorf("%w: %d bytes, header alone is %d", ErrTruncated, len(b), HeaderSize)
	}
	h = headerFields(b)
	le := binary.LittleEndian
	if h.version < MinVersion || h.version > Version {
		return h, fmt.Errorf("%w: file is version %d, this reader reads versions %d to %d (a newer file needs a newer engine)", ErrVersion, h.version, MinVersion, Version)
	}
	if le.Uint64(b[56:]) != 0 {
		return h, fmt.Errorf("%w: reserved header bytes are not zero", ErrMalformed)
	}
	if h.fileLen > MaxFileLen {
		return h, fmt.Errorf("%w: the header declares %d bytes, more than the %d a model file may have", ErrMalformed, h.fileLen, MaxFileLen)
	}
	if h.metaLen == 0 || h.metaLen > MaxMetaSize || HeaderSize+uint64(h.metaLen) > h.fileLen {
		return h, fmt.Errorf("%w: JSON section length %d in a file of %d bytes", ErrMalformed, h.metaLen, h.fileLen)
	}
	return h, nil
}

// MaxFileLen bounds the length a header may declare, so that a reader that
// allocates for the whole file from its head alone (ReadHead) cannot be
// made to allocate without limit. It is four times the largest model this
// project makes (ResNet-152 in f32, 241 MB); hosts set tighter budgets of
// their own (engine.FileBudget, engine.LoadWithin).
const MaxFileLen = 1 << 30

// Head is the start of a model file — its header and JSON section — read
// before the rest has arrived (ReadHead). A host that downloads a model can
// decode the JSON, and allocate for the whole file, while the weights are
// still on their way; ParseHead then does not decode it again.
type Head struct {
	Len  int   // the whole file's length, as its header declares it
	Meta *Meta // the JSON section, decoded and validated
	raw  []byte
}

// ReadHead decodes and validates the header and JSON section at the start
// of a model file. prefix needs to hold only those (the first HeaderSize
// bytes say how many); the checksum, which covers the rest, is not checked.
func ReadHead(prefix []byte) (*Head, error) {
	h, err := decodeHeader(prefix)
	if err != nil {
		return nil, err
	}
	end := HeaderSize + int(h.metaLen)
	if len(prefix) < end {
		return nil, fmt.Errorf("%w: %d bytes, the header and JSON section are %d", ErrTruncated, len(prefix), end)
	}
	meta, err := metaOf(prefix[HeaderSize:end])
	if err != nil {
		return nil, err
	}
	if err := meta.checkExtent(int64(alignUp(end)), int64(h.fileLen)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &Head{Len: int(h.fileLen), Meta: meta, raw: bytes.Clone(prefix[:end])}, nil
}

func metaOf(b []byte) (*Meta, error) {
	meta, err := decodeMeta(b)
	if err != nil {
		return nil, fmt.Errorf("%w: JSON section: %v", ErrMalformed, err)
	}
	if err := meta.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return meta, nil
}

// File is a parsed model file. Tensor accessors return views of the bytes
// it was parsed from; they are not copied.
type File struct {
	Meta  *Meta
	data  []byte
	index map[string]*Tensor
}

// Checksum controls whether Parse verifies the SHA-256 of the body.
type Checksum bool

const (
	Verify Checksum = true
	// Trusted skips the SHA-256: for hosts that have already verified the
	// same bytes (the browser does it with WebCrypto, which is much faster
	// than Go's SHA-256 compiled to WebAssembly), or that embed them.
	Trusted Checksum = false
)

// Parse checks and indexes a model file held in b. The returned File
// aliases b, which must not be modified afterwards.
func Parse(b []byte, check Checksum) (*File, error) {
	return ParseHead(b, check, nil)
}

// ParseHead is Parse for a file whose start was read already (ReadHead):
// when b starts with the very same header and JSON section, their decoded
// Meta is used, not decoded again. head may be nil, or another file's.
func ParseHead(b []byte, check Checksum, head *Head) (*File, error) {
	h, err := readHeader(b)
	if err != nil {
		return nil, err
	}
	if check == Verify {
		if sum := sha256.Sum256(b[HeaderSize:]); sum != h.checksum {
			return nil, ErrChecksum
		}
	}
	end := HeaderSize + int(h.metaLen)
	var meta *Meta
	if head != nil && bytes.Equal(head.raw, b[:end]) {
		m := *head.Meta // a File of its own; the slices are only read
		meta = &m
	} else if meta, err = metaOf(b[HeaderSize:end]); err != nil {
		return nil, err
	}
	f := &File{Meta: meta, data: b, index: make(map[string]*Tensor, len(meta.Tensors))}
	dataStart := int64(alignUp(HeaderSize + int(h.metaLen)))
	for i := range meta.Tensors {
		t := &meta.Tensors[i]
		if _, dup := f.index[t.Name]; dup {
			return nil, fmt.Errorf("%w: tensor %q listed twice", ErrMalformed, t.Name)
		}
		if err := t.check(dataStart, int64(len(b))); err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrMalformed, t.Name, err)
		}
		if t.DType == "i16" && h.version < 2 {
			return nil, fmt.Errorf("%w: tensor %q is i16, which version %d files cannot hold", ErrMalformed, t.Name, h.version)
		}
		f.index[t.Name] = t
	}
	if err := meta.checkExtent(dataStart, int64(len(b))); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return f, nil
}

func (t *Tensor) check(start, end int64) error {
	var elem int64
	switch t.DType {
	case "i8":
		elem = 1
	case "i16":
		elem = 2
	case "f32":
		elem = 4
	default:
		return fmt.Errorf("unknown dtype %q", t.DType)
	}
	want, err := LayoutSize(t.Layout, t.Shape)
	if err != nil {
		return err
	}
	if t.Size != want*elem {
		return fmt.Errorf("size %d, layout %s of shape %v needs %d", t.Size, t.Layout, t.Shape, want*elem)
	}
	if t.Offset%Align != 0 || t.Offset < start || t.Size < 0 || t.Offset > end || t.Size > end-t.Offset {
		return fmt.Errorf("bytes [%d,+%d) outside the data section [%d,%d) or misaligned", t.Offset, t.Size, start, end)
	}
	return nil
}

// LayoutSize is the number of elements a tensor of the given logical shape
// occupies in a layout (FORMAT.md describes each).
func LayoutSize(layout string, shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 1 || d > 1<<20 {
			return 0, fmt.Errorf("dimension %d out of range in shape %v", d, shape)
		}
		n *= int64(d)
		if n > 1<<34 {
			return 0, fmt.Errorf("shape %v too large", shape)
		}
	}
	switch layout {
	case "rows":
		return n, nil
	case "o8k1", "o8k2":
		if len(shape) != 4 {
			return 0, fmt.Errorf("layout %s needs a 4-D conv shape, got %v", layout, shape)
		}
		out, k := int64(shape[0]), n/int64(shape[0])
		if layout == "o8k2" {
			k += k & 1
		}
		return (out + 7) / 8 * 8 * k, nil
	}
	return 0, fmt.Errorf("unknown layout %q", layout)
}

// Tensor returns a tensor's description, or an error naming it if absent.
func (f *File) Tensor(name string) (*Tensor, error) {
	t, ok := f.index[name]
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %q", ErrMalformed, name)
	}
	return t, nil
}

// Int8 returns the named i8 tensor as a view of the file's bytes.
func (f *File) Int8(name string) ([]int8, *Tensor, error) {
	t, err := f.typed(name, "i8")
	if err != nil {
		return nil, nil, err
	}
	b := f.data[t.Offset : t.Offset+t.Size]
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b)), t, nil
}

// Int16 returns the named i16 tensor (wide weights). It is a view of the
// file's bytes when they are 2-byte aligned, and a copy otherwise.
func (f *File) Int16(name string) ([]int16, *Tensor, error) {
	t, err := f.typed(name, "i16")
	if err != nil {
		return nil, nil, err
	}
	b := f.data[t.Offset : t.Offset+t.Size]
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%2 == 0 {
		return unsafe.Slice((*int16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2), t, nil
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out, t, nil
}

// Float32 returns the named f32 tensor. It is a view of the file's bytes
// when they are 4-byte aligned (they are whenever the file was read into a
// fresh allocation), and a copy otherwise. Model files are little-endian, as
// are every host this project runs on (amd64, arm64, wasm).
func (f *File) Float32(name string) ([]float32, *Tensor, error) {
	t, err := f.typed(name, "f32")
	if err != nil {
		return nil, nil, err
	}
	b := f.data[t.Offset : t.Offset+t.Size]
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4), t, nil
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, t, nil
}

func (f *File) typed(name, dtype string) (*Tensor, error) {
	t, err := f.Tensor(name)
	if err != nil {
		return nil, err
	}
	if t.DType != dtype {
		return nil, fmt.Errorf("%w: tensor %q is %s, want %s", ErrMalformed, name, t.DType, dtype)
	}
	return t, nil
}

// Size is the length of the file in bytes.
func (f *File) Size() int { return len(f.data) }

// TensorData is one tensor to be written.
type TensorData struct {
	Name   string
	DType  string
	Layout string
	Shape  []int
	Data   []byte // little-endian
}

// Write encodes a model file. meta.Tensors is filled in from tensors, in
// their order; the output depends only on the arguments.
func Write(meta Meta, tensors []TensorData) ([]byte, error) {
	if err := meta.validate(); err != nil {
		return nil, fmt.Errorf("modelfile: %v", err)
	}
	// Offsets depend on the JSON's length, which depends on the offsets'
	// digits: lay out until the length stops changing (twice at most in
	// practice).
	meta.Tensors = make([]Tensor, len(tensors))
	var metaJSON []byte
	for prevLen := -1; ; {
		off := int64(alignUp(HeaderSize + max(prevLen, 0)))
		for i, t := range tensors {
			meta.Tensors[i] = Tensor{Name: t.Name, DType: t.DType, Layout: t.Layout, Shape: t.Shape, Offset: off, Size: int64(len(t.Data))}
			off = int64(alignUp(int(off) + len(t.Data)))
		}
		var err error
		metaJSON, err = json.Marshal(&meta)
		if err != nil {
			return nil, err
		}
		if len(metaJSON) == prevLen {
			break
		}
		prevLen = len(metaJSON)
	}
	last := alignUp(HeaderSize + len(metaJSON))
	if n := len(meta.Tensors); n > 0 {
		t := meta.Tensors[n-1]
		last = int(t.Offset + t.Size)
	}
	out := make([]byte, last)
	copy(out[HeaderSize:], metaJSON)
	for i, t := range tensors {
		copy(out[meta.Tensors[i].Offset:], t.Data)
	}
	version := uint32(MinVersion)
	for _, t := range tensors {
		if t.DType == "i16" {
			version = 2
		}
	}
	putHeader(out, header{version: version, metaLen: uint32(len(metaJSON)), fileLen: uint64(len(out)),
		checksum: sha256.Sum256(out[HeaderSize:])})
	// Round-trip through the reader so that a writer bug cannot produce a
	// file the engine refuses.
	if _, err := Parse(out, Verify); err != nil {
		return nil, fmt.Errorf("modelfile: written file does not parse: %w", err)
	}
	return out, nil
}

func alignUp(n int) int { return (n + Align - 1) / Align * Align }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
