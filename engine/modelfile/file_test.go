package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func testFile(t testing.TB) []byte {
	t.Helper()
	meta := Meta{
		Name: "tiny", Depth: 18, Block: Basic, Stride: StrideOn3x3, Width: 8, Stages: [4]int{2, 2, 2, 2},
		Classes: 2, Quant: Int8, Pre: TorchvisionPreprocess, Labels: []string{"a", "b"},
	}
	b, err := Write(meta, []TensorData{
		{Name: "x.w", DType: "i8", Layout: "o8k2", Shape: []int{2, 1, 1, 3}, Data: make([]byte, 8*4)},
		{Name: "x.bias", DType: "f32", Layout: "rows", Shape: []int{2}, Data: []byte{0, 0, 128, 63, 0, 0, 0, 64}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := testFile(t)
	f, err := Parse(b, Verify)
	if err != nil {
		t.Fatal(err)
	}
	if f.Meta.Name != "tiny" || len(f.Meta.Tensors) != 2 {
		t.Fatalf("meta %+v", f.Meta)
	}
	bias, _, err := f.Float32("x.bias")
	if err != nil || len(bias) != 2 || bias[0] != 1 || bias[1] != 2 {
		t.Fatalf("bias %v, %v", bias, err)
	}
	w, tt, err := f.Int8("x.w")
	if err != nil || len(w) != 32 || tt.Offset%Align != 0 {
		t.Fatalf("w %d bytes at %d, %v", len(w), tt.Offset, err)
	}
	if _, _, err := f.Int8("x.bias"); err == nil {
		t.Error("reading an f32 tensor as i8 succeeded")
	}
	if _, err := f.Tensor("missing"); err == nil {
		t.Error("missing tensor found")
	}
}

// TestVersions: a file with wide (i16) weights is version 2, one without is
// version 1 as before; a version 1 file may not hold i16 tensors.
func TestVersions(t *testing.T) {
	if v := binary.LittleEndian.Uint32(testFile(t)[8:]); v != 1 {
		t.Errorf("file without i16 tensors is version %d, want 1", v)
	}
	meta := Meta{
		Name: "tiny", Depth: 18, Block: Basic, Stride: StrideOn3x3, Width: 8, Stages: [4]int{2, 2, 2, 2},
		Classes: 2, Quant: Int8, Pre: TorchvisionPreprocess, Labels: []string{"a", "b"},
	}
	w := make([]byte, 8*4*2)
	binary.LittleEndian.PutUint16(w[2:], uint16(0xfff1)) // -15
	b, err := Write(meta, []TensorData{{Name: "x.w", DType: "i16", Layout: "o8k2", Shape: []int{2, 1, 1, 3}, Data: w}})
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != 2 {
		t.Fatalf("file with an i16 tensor is version %d, want 2", v)
	}
	f, err := Parse(b, Verify)
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := f.Int16("x.w")
	if err != nil || len(q) != 32 || q[1] != -15 {
		t.Fatalf("i16 tensor %v, %v", q, err)
	}
	if _, _, err := f.Int8("x.w"); err == nil {
		t.Error("reading an i16 tensor as i8 succeeded")
	}
	binary.LittleEndian.PutUint32(b[8:], 1)
	if _, err := Parse(b, Trusted); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("version 1 file with an i16 tensor: %v", err)
	}
}

// Every way a file can be damaged is refused with an error that says which.
func TestDamagedFiles(t *testing.T) {
	good := testFile(t)
	le := binary.LittleEndian
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
		check  Checksum
	}{
		{"empty", func(b []byte) []byte { return nil }, ErrMagic, Verify},
		{"not a model", func(b []byte) []byte { return []byte("GIF89a not a model at all") }, ErrMagic, Verify},
		{"magic only", func(b []byte) []byte { return b[:8] }, ErrTruncated, Verify},
		{"truncated header", func(b []byte) []byte { return b[:40] }, ErrTruncated, Verify},
		{"truncated body", func(b []byte) []byte { return b[:len(b)-1] }, ErrTruncated, Verify},
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }, ErrTruncated, Trusted},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0) }, ErrMalformed, Verify},
		{"newer version", func(b []byte) []byte { le.PutUint32(b[8:], Version+1); return b }, ErrVersion, Verify},
		{"version zero", func(b []byte) []byte { le.PutUint32(b[8:], 0); return b }, ErrVersion, Verify},
		{"flipped weight byte", func(b []byte) []byte { b[len(b)-12] ^= 0x10; return b }, ErrChecksum, Verify},
		{"flipped JSON byte", func(b []byte) []byte { b[HeaderSize+3] ^= 1; return b }, ErrChecksum, Verify},
		{"flipped checksum", func(b []byte) []byte { b[30] ^= 0x80; return b }, ErrChecksum, Verify},
		{"huge JSON length", func(b []byte) []byte { le.PutUint32(b[12:], 1<<31); return b }, ErrMalformed, Verify},
		{"reserved bits", func(b []byte) []byte { b[60] = 1; return b }, ErrMalformed, Verify},
		{"bad JSON, trusted", func(b []byte) []byte { b[HeaderSize] = '['; return b }, ErrMalformed, Trusted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(append([]byte(nil), good...))
			_, err := Parse(b, tc.check)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err.Error() == "" || !strings.Contains(err.Error(), tc.want.Error()) {
				t.Fatalf("message %q does not say %q", err, tc.want)
			}
		})
	}
}

// A tensor table that points outside the file, or claims the wrong size,
// is refused even when the checksum is not checked.
func TestTensorBounds(t *testing.T) {
	meta := Meta{Name: "t", Depth: 18, Block: Basic, Stride: StrideOn3x3, Width: 8, Stages: [4]int{2, 2, 2, 2},
		Classes: 1, Quant: F32, Pre: CaffePreprocess, Labels: []string{"x"}}
	for _, tc := range []struct {
		name string
		td   TensorData
	}{
		{"size mismatch", TensorData{Name: "a", DType: "f32", Layout: "rows", Shape: []int{3}, Data: make([]byte, 8)}},
		{"unknown dtype", TensorData{Name: "a", DType: "f16", Layout: "rows", Shape: []int{2}, Data: make([]byte, 4)}},
		{"unknown layout", TensorData{Name: "a", DType: "f32", Layout: "nchw", Shape: []int{1}, Data: make([]byte, 4)}},
		{"zero dim", TensorData{Name: "a", DType: "f32", Layout: "rows", Shape: []int{0}, Data: nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Write(meta, []TensorData{tc.td}); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	good := testFile(f)
	f.Add(good)
	f.Add(good[:100])
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		// A head read from any prefix must neither panic nor change what
		// Parse makes of the whole.
		if head, err := ReadHead(b); err == nil {
			file, err := ParseHead(b, Trusted, head)
			if _, plainErr := Parse(b, Trusted); (err == nil) != (plainErr == nil) {
				t.Fatalf("ParseHead: %v, Parse: %v", err, plainErr)
			}
			if err == nil && file.Meta.Name != head.Meta.Name {
				t.Fatalf("ParseHead name %q, head %q", file.Meta.Name, head.Meta.Name)
			}
		}
		for _, c := range []Checksum{Verify, Trusted} {
			file, err := Parse(b, c)
			if err != nil {
				continue
			}
			for _, tn := range file.Meta.Tensors {
				switch tn.DType {
				case "i8":
					if _, _, err := file.Int8(tn.Name); err != nil {
						t.Fatal(err)
					}
				case "f32":
					if _, _, err := file.Float32(tn.Name); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}

// ReadHead decodes the header and JSON from the first bytes alone, and
// ParseHead reuses them only for a file that starts with the same bytes.
func TestReadHead(t *testing.T) {
	good := testFile(t)
	le := binary.LittleEndian
	end := HeaderSize + int(le.Uint32(good[12:]))
	head, err := ReadHead(good[:end])
	if err != nil {
		t.Fatal(err)
	}
	if head.Len != len(good) || head.Meta.Name != "tiny" || len(head.Meta.Tensors) != 2 {
		t.Fatalf("head: %d bytes, meta %+v", head.Len, head.Meta)
	}
	for _, tc := range []struct {
		name   string
		prefix []byte
		want   error
	}{
		{"no JSON yet", good[:end-1], ErrTruncated},
		{"header only", good[:HeaderSize], ErrTruncated},
		{"not a model", []byte("GIF89a, not a model file at all, and long enough to have a header"), ErrMagic},
		{"bad JSON", func() []byte { b := bytes.Clone(good[:end]); b[HeaderSize] = '['; return b }(), ErrMalformed},
		{"huge file", func() []byte { b := bytes.Clone(good[:end]); le.PutUint64(b[16:], 1<<40); return b }(), ErrMalformed},
	} {
		if _, err := ReadHead(tc.prefix); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}

	f, err := ParseHead(good, Verify, head)
	if err != nil {
		t.Fatal(err)
	}
	if f.Meta == head.Meta || f.Meta.Name != "tiny" {
		t.Errorf("ParseHead: meta %p (head's %p), name %q; want its own copy", f.Meta, head.Meta, f.Meta.Name)
	}
	if bias, _, err := f.Float32("x.bias"); err != nil || bias[1] != 2 {
		t.Errorf("bias %v, %v", bias, err)
	}
	// A head never vouches for the rest: the checksum still covers it.
	bad := bytes.Clone(good)
	bad[len(bad)-12] ^= 0x10
	if _, err := ParseHead(bad, Verify, head); !errors.Is(err, ErrChecksum) {
		t.Errorf("flipped weight with a head: got %v, want ErrChecksum", err)
	}
	// Another file's JSON is decoded, not taken from the head.
	other := bytes.Clone(good)
	copy(other[bytes.Index(other, []byte(`"tiny"`)):], `"tinY"`)
	f, err = ParseHead(other, Trusted, head)
	if err != nil || f.Meta.Name != "tinY" {
		t.Errorf("a different JSON section: name %q, %v; want its own", f.Meta.Name, err)
	}
}
