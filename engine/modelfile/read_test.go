package modelfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
)

// onlyReader hides bytes.Reader's other methods: a pipe, with no size.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestReadFrom(t *testing.T) {
	good := testFile(t)
	n := int64(len(good))
	for _, size := range []int64{n, -1} {
		b, err := ReadFrom(onlyReader{bytes.NewReader(good)}, size, MaxFileLen)
		if err != nil || !bytes.Equal(b, good) {
			t.Fatalf("size %d: %d bytes, %v", size, len(b), err)
		}
		if _, err := Parse(b, Verify); err != nil {
			t.Fatal(err)
		}
	}
	le := binary.LittleEndian
	huge := bytes.Clone(good)
	le.PutUint64(huge[16:], 900<<20)
	for _, tc := range []struct {
		name   string
		r      io.Reader
		size   int64
		maxLen int64
		want   error
	}{
		{"empty", bytes.NewReader(nil), -1, MaxFileLen, ErrMagic},
		{"magic only", bytes.NewReader(good[:8]), -1, MaxFileLen, ErrTruncated},
		{"truncated stream", bytes.NewReader(good[:n-1]), -1, MaxFileLen, ErrTruncated},
		{"stream goes on", io.MultiReader(bytes.NewReader(good), bytes.NewReader([]byte{0})), -1, MaxFileLen, ErrMalformed},
		{"stat says shorter", bytes.NewReader(good), n - 1, MaxFileLen, ErrTruncated},
		{"stat says longer", bytes.NewReader(good), n + 1, MaxFileLen, ErrMalformed},
		{"file grew after stat", io.MultiReader(bytes.NewReader(good), bytes.NewReader([]byte{0})), n, MaxFileLen, ErrMalformed},
		{"stat over the limit", bytes.NewReader(good), 6 << 30, MaxFileLen, ErrTooLarge},
		{"header over the limit", bytes.NewReader(good), -1, n - 1, ErrTooLarge},
		{"header claims 900 MB, stream has 5 KB", bytes.NewReader(huge), -1, MaxFileLen, ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ReadFrom(tc.r, tc.size, tc.maxLen)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
				t.Errorf("allocated %d bytes to refuse a %d-byte input", a, n)
			}
		})
	}
}

// Devices have no size and no end: the magic stops them after 64 bytes.
func TestReadFromDevices(t *testing.T) {
	for _, dev := range []string{"/dev/zero", "/dev/urandom"} {
		f, err := os.Open(dev)
		if err != nil {
			t.Skipf("%s: %v", dev, err)
		}
		_, err = ReadFrom(f, -1, MaxFileLen)
		f.Close()
		if !errors.Is(err, ErrMagic) {
			t.Errorf("%s: got %v, want ErrMagic", dev, err)
		}
	}
}

// FuzzReadFrom: whatever the bytes, ReadFrom returns them unchanged or an
// error, with or without a size, and never refuses a file Parse accepts.
func FuzzReadFrom(f *testing.F) {
	good := testFile(f)
	f.Add(good, true)
	f.Add(good[:100], false)
	f.Add(append(bytes.Clone(good), 1, 2, 3), false)
	f.Fuzz(func(t *testing.T, b []byte, sized bool) {
		size := int64(-1)
		if sized {
			size = int64(len(b))
		}
		got, err := ReadFrom(onlyReader{bytes.NewReader(b)}, size, MaxFileLen)
		if err == nil && !bytes.Equal(got, b) {
			t.Fatalf("ReadFrom returned %d bytes of a %d-byte input", len(got), len(b))
		}
		if _, perr := Parse(b, Trusted); perr == nil && err != nil {
			t.Fatalf("Parse accepts the file, ReadFrom says %v", err)
		}
	})
}
