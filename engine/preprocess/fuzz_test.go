package preprocess

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode and, when it succeeds,
// ResizeCrop. The only acceptable outcomes are one of the package's errors
// or an opaque image; panics and other errors fail.
//
//	go test ./engine/preprocess -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for _, glob := range []string{"bad/*", "photos/orient/*", "photos/formats/*"} {
		files, _ := filepath.Glob(filepath.Join(testdata, glob))
		for _, name := range files {
			if filepath.Ext(name) == ".py" {
				continue
			}
			if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A small limit keeps each run fast; the logic is the same.
		img, err := Decode(data, 1<<20)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrFormat) &&
				!errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error outside the package's kinds: %v", err)
			}
			return
		}
		if img.Rect.Empty() || img.Rect.Dx()*img.Rect.Dy() > 1<<20 {
			t.Fatalf("decoded %v", img.Rect)
		}
		for i := 3; i < len(img.Pix); i += 4 {
			if img.Pix[i] != 0xff {
				t.Fatal("alpha not 255")
			}
		}
		out, err := ResizeCrop(img, 32, 24)
		if err != nil {
			t.Fatalf("ResizeCrop of a decoded image: %v", err)
		}
		if out.Rect.Dx() != 24 || out.Rect.Dy() != 24 {
			t.Fatalf("ResizeCrop gave %v", out.Rect)
		}
	})
}
