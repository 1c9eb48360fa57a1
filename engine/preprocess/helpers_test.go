package preprocess

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

const testdata = "../../testdata"

func readFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t testing.TB, rel string) *image.RGBA {
	t.Helper()
	img, err := Decode(readFile(t, rel), 0)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return img
}

// readPNG reads a PNG with the standard decoder only, so a reference does
// not depend on the code under test.
func readPNG(t testing.TB, rel string) *image.RGBA {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(image.Rect(0, 0, m.Bounds().Dx(), m.Bounds().Dy()))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			out.Set(x, y, m.At(m.Bounds().Min.X+x, m.Bounds().Min.Y+y))
		}
	}
	return out
}

// diffStats compares the RGB channels of two same-sized images: the largest
// absolute difference and the mean absolute difference per channel value.
func diffStats(t testing.TB, a, b *image.RGBA) (maxAbs int, meanAbs float64) {
	t.Helper()
	if a.Rect.Size() != b.Rect.Size() {
		t.Fatalf("sizes differ: %v vs %v", a.Rect.Size(), b.Rect.Size())
	}
	w, h := a.Rect.Dx(), a.Rect.Dy()
	var sum int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			pa := a.Pix[a.PixOffset(a.Rect.Min.X+x, a.Rect.Min.Y+y):]
			pb := b.Pix[b.PixOffset(b.Rect.Min.X+x, b.Rect.Min.Y+y):]
			for c := 0; c < 3; c++ {
				d := int(pa[c]) - int(pb[c])
				if d < 0 {
					d = -d
				}
				sum += d
				maxAbs = max(maxAbs, d)
			}
		}
	}
	return maxAbs, float64(sum) / float64(w*h*3)
}

func assertOpaque(t testing.TB, name string, img *image.RGBA) {
	t.Helper()
	if img.Rect.Min != (image.Point{}) {
		t.Errorf("%s: image origin %v, want (0,0)", name, img.Rect.Min)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0xff {
			t.Fatalf("%s: alpha %d at byte %d, want 255", name, img.Pix[i], i)
		}
	}
}
