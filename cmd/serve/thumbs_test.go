package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// thumbSite serves the committed photos as samples.
func thumbSite(t *testing.T) *site {
	t.Helper()
	s, err := newSite(siteConfig{Web: t.TempDir(), Samples: filepath.Join("..", "..", "testdata", "photos")})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestThumbnailsAreSmallUprightSquares(t *testing.T) {
	s := thumbSite(t)
	for _, name := range []string{"coffee.jpg", "chelsea.png", "grace_hopper_exif6.jpg"} {
		full, err := os.ReadFile(filepath.Join("..", "..", "testdata", "photos", name))
		if err != nil {
			t.Fatal(err)
		}
		r := get(t, s, thumbURL(name))
		b := body(t, r)
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("%s: %d %s", name, r.StatusCode, r.Header.Get("Content-Type"))
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img.Bounds() != image.Rect(0, 0, thumbSize, thumbSize) {
			t.Errorf("%s: thumbnail is %v, want %d×%d", name, img.Bounds(), thumbSize, thumbSize)
		}
		if len(b) > len(full)/3 || len(b) > 24<<10 {
			t.Errorf("%s: thumbnail is %d bytes, the photo %d", name, len(b), len(full))
		}
	}
	// The EXIF-6 photo's thumbnail is the upright one's, not turned.
	a := decodeThumb(t, s, "grace_hopper.jpg")
	b := decodeThumb(t, s, "grace_hopper_exif6.jpg")
	if d := meanDiff(a, b); d > 8 {
		t.Errorf("EXIF-6 thumbnail differs from the upright one by %.1f per channel", d)
	}
}

func TestThumbnailsOnlyOfSamples(t *testing.T) {
	s := thumbSite(t)
	for _, url := range []string{"/thumbs/LICENSES.md.jpg", "/thumbs/coffee.jpg", "/thumbs/../index.html.jpg", "/thumbs/nope.jpg.jpg", "/thumbs/orient/x.jpg.jpg"} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", url, nil))
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", url, w.Code)
		}
	}
}

func decodeThumb(t *testing.T, s *site, name string) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(body(t, get(t, s, thumbURL(name)))))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func meanDiff(a, b image.Image) float64 {
	var sum, n float64
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range []int{int(r1) - int(r2), int(g1) - int(g2), int(b1) - int(b2)} {
				sum += float64(max(d, -d)) / 257
				n++
			}
		}
	}
	return sum / n
}
