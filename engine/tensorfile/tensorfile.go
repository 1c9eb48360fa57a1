// Package tensorfile reads and writes raw float32 tensors: little-endian,
// no header. It is the format of `classify -tensor IN.f32 -logits OUT.f32`
// and of the PyTorch parity fixtures, so that any framework can produce and
// check them with one line (numpy's tofile/fromfile with '<f4').
package tensorfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// Decode reads b as float32 values.
func Decode(b []byte) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("tensorfile: %d bytes is not a whole number of float32", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// Encode returns v as little-endian bytes.
func Encode(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// Read reads a tensor file.
func Read(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Write writes a tensor file.
func Write(path string, v []float32) error { return os.WriteFile(path, Encode(v), 0o644) }
