package preprocess

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// photoJPEG encodes a w×h 4:2:0 JPEG of smooth gradients in Go, so a
// large test image needs no file.
func photoJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Y[y*m.YStride+x] = uint8((x*7 + y*3) >> 4)
		}
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(i>>9), uint8(255-i>>10)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Which path a JPEG takes: full up to ScaleAbovePixels when it fits the
// budget, else the largest scale that leaves the shorter side at twice the
// resize, or a smaller one when the budget needs it; refused only when 1/8
// does not fit.
func TestScaledPathChoice(t *testing.T) {
	small := readFile(t, "photos/dog.jpg")
	if c, err := Check(small, Limits{}); err != nil || c.Path() != "full" {
		t.Fatalf("dog.jpg: %v %v, want the full decode", c.Path(), err)
	}
	big := photoJPEG(t, 4000, 3000) // 12 MP: over ScaleAbovePixels
	c, err := Check(big, Limits{})
	if err != nil || c.Path() != "scaled 1/4" {
		t.Fatalf("12 MP: %q %v, want scaled 1/4 (750 px ≥ 2×256)", c.Path(), err)
	}
	// A budget that 1/4 does not fit but 1/8 does.
	eighth := jpegScaledCost(big, 4000, 3000, 3, 256)
	if c, err := Check(big, Limits{Budget: eighth.Bytes}); err != nil || c.Path() != "scaled 1/8" {
		t.Fatalf("budget %d: %q %v, want scaled 1/8", eighth.Bytes, c.Path(), err)
	}
	_, err = Check(big, Limits{Budget: eighth.Bytes - 1})
	if !errors.Is(err, ErrOverBudget) || !containsAll(err.Error(), "decoded at 1/8 scale", "needs ~") {
		t.Fatalf("under 1/8's cost: %v, want an over-budget error naming the scale", err)
	}
	// A full decode that fits the budget but is over ScaleAbovePixels
	// scales anyway; one under it does not, even when scaled would be cheaper.
	if c, _ := Check(photoJPEG(t, 3264, 2448), Limits{}); c.Path() != "full" {
		t.Errorf("8.0 MP: %q, want full", c.Path())
	}
}

// The scaled path allocates what its estimate says, far less than the full
// decode would, and decodes to the scaled size.
func TestScaledDecodeAllocations(t *testing.T) {
	big := photoJPEG(t, 4000, 3000)
	c, err := Check(big, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	full := costOf(big, "jpeg", 4000, 3000, 256)
	var img *image.RGBA
	alloc := allocated(func() {
		img, _, err = DecodeWithin(big, Limits{})
		if err == nil {
			_, err = ResizeCrop(img, 256, 224)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("12 MP 4:2:0: %s, estimate %d, allocated %d; a full decode would be %d", c.Path(), c.Bytes, alloc, full.Bytes)
	if img.Rect != image.Rect(0, 0, 1000, 750) {
		t.Errorf("decoded %v, want 1000×750", img.Rect)
	}
	if uint64(c.Bytes) < alloc {
		t.Errorf("estimate %d below the %d allocated", c.Bytes, alloc)
	}
	if float64(c.Bytes-decoderSlack) > 1.25*float64(alloc) {
		t.Errorf("estimate %d loose for %d allocated", c.Bytes, alloc)
	}
	if 8*c.Bytes > full.Bytes {
		t.Errorf("scaled %d is not an eighth of the full decode's %d", c.Bytes, full.Bytes)
	}
}

// Up to ScaleAbovePixels a JPEG keeps the decode it always had: the same
// bits as image/jpeg followed by the RGBA conversion and orientation.
func TestFullPathUnchanged(t *testing.T) {
	for _, name := range []string{"photos/dog.jpg", "photos/grace_hopper_exif6.jpg", "budget/progressive_444.jpg", "budget/progressive_cmyk.jpg", "photos/formats/cmyk.jpg"} {
		data := readFile(t, name)
		got, c, err := DecodeWithin(data, Limits{})
		if err != nil || c.Path() != "full" {
			t.Fatalf("%s: %q %v", name, c.Path(), err)
		}
		src, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := orient(toRGBA(src), orientation("jpeg", data))
		if !bytes.Equal(got.Pix, want.Pix) || got.Rect != want.Rect {
			t.Errorf("%s: the full path's pixels changed", name)
		}
	}
}

// Other formats keep a pixel cap, and say why and what to send instead.
func TestWholeFormatsSuggestJPEG(t *testing.T) {
	_, err := Check(readFile(t, "bad/bomb.png"), Limits{})
	if !errors.Is(err, ErrTooLarge) || !containsAll(err.Error(), "PNG is decoded whole", "JPEG") {
		t.Errorf("bomb.png: %v", err)
	}
	_, err = Check(readFile(t, "budget/rgb16_interlaced.png"), Limits{Budget: 1 << 20})
	if !errors.Is(err, ErrOverBudget) || !containsAll(err.Error(), "decoded whole", "or a JPEG") {
		t.Errorf("over budget PNG: %v", err)
	}
}

// The scaled estimate covers what a scaled decode allocates, for every
// JPEG kind and scale (the path is forced here; Check would take the full
// decode for these small files).
func TestScaledEstimateCoversAllocations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata, "budget/*.jpg"))
	files = append(files, filepath.Join(testdata, "photos/grace_hopper_exif6.jpg"), filepath.Join(testdata, "photos/formats/cmyk.jpg"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for shift := 1; shift <= 3; shift++ {
			c := jpegScaledCost(data, cfg.Width, cfg.Height, shift, 64)
			alloc := allocated(func() {
				img, err := decode(data, c, 0)
				if err == nil {
					_, err = ResizeCrop(img, 64, 56)
				}
				if err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("%-28s 1/%d %-26s estimate %7d allocated %7d", filepath.Base(f), 1<<shift, c.Kind, c.Bytes-decoderSlack, alloc)
			if uint64(c.Bytes) < alloc {
				t.Errorf("%s 1/%d: estimate %d below the %d allocated", f, 1<<shift, c.Bytes, alloc)
			}
		}
	}
}
