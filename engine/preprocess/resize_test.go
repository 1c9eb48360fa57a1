package preprocess

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/anthonynsimon/bild/transform"
)

// Expected values computed with Python: torchvision 0.14's
// _compute_resized_output_size and int(round((n - crop) / 2.0)).
func TestResizedSize(t *testing.T) {
	for _, tc := range []struct{ w, h, size, ww, wh int }{
		{451, 300, 256, 384, 256}, // int(256*451/300) = int(384.85)
		{512, 600, 256, 256, 300},
		{600, 400, 256, 384, 256},
		{512, 512, 256, 256, 256},
		{1, 1, 256, 256, 256},
		{3, 10000, 256, 256, 853333},
		{4032, 3024, 256, 341, 256},
	} {
		if w, h := resizedSize(tc.w, tc.h, tc.size); w != tc.ww || h != tc.wh {
			t.Errorf("resizedSize(%d, %d, %d) = %d, %d, want %d, %d", tc.w, tc.h, tc.size, w, h, tc.ww, tc.wh)
		}
	}
	for _, tc := range []struct{ n, crop, want int }{
		{256, 224, 16}, {300, 224, 38}, {384, 224, 80},
		{385, 224, 80}, // round(80.5) = 80 (half to even)
		{387, 224, 82}, // round(81.5) = 82
		{225, 224, 0},  // round(0.5) = 0
		{227, 224, 2},  // round(1.5) = 2
	} {
		if got := centreOffset(tc.n, tc.crop); got != tc.want {
			t.Errorf("centreOffset(%d, %d) = %d, want %d", tc.n, tc.crop, got, tc.want)
		}
	}
}

// ResizeCrop against Pillow + torchvision (testdata/golden/gen_golden.py:
// Resize(256) with PIL's antialiased bilinear, then CenterCrop(224)).
//
// bild's Linear and Pillow's bilinear are the same filter: a triangle whose
// support is scaled by the reduction factor, sampled at the same source
// coordinates ((x+0.5)·scale − 0.5), horizontal pass first, each pass
// rounded to 8 bits. What differs is arithmetic: Pillow normalises the
// weights and rounds them to 22-bit fixed point, bild keeps float64, so a
// value near .5 after a pass can round either way and a ±1 in the first pass
// can become ±1 in the second. On the PNG inputs (identical decoded pixels)
// that is all there is. The JPEG inputs add the decoders' difference: Go's
// image/jpeg (own IDCT, nearest-neighbour chroma upsampling) against
// libjpeg-turbo (fancy upsampling), a few levels at colour edges.
//
// Measured (max abs / mean abs per channel value):
//
//	chelsea.png       1 / 0.0003 (the float vs fixed-point rounding alone)
//	camera.png        0 / 0      (grey)
//	grace_hopper.jpg 12 / 0.45   (plus the JPEG decoders)
//	coffee.jpg       21 / 0.52
func TestResizeCropGolden(t *testing.T) {
	for _, tc := range []struct {
		photo, golden string
		maxAbs        int
		meanAbs       float64
	}{
		{"photos/chelsea.png", "golden/chelsea.png", 1, 0.01},
		{"photos/camera.png", "golden/camera.png", 1, 0.01},
		{"photos/grace_hopper.jpg", "golden/grace_hopper.png", 20, 0.7},
		{"photos/coffee.jpg", "golden/coffee.png", 30, 0.8},
	} {
		got, err := ResizeCrop(mustDecode(t, tc.photo), 256, 224)
		if err != nil {
			t.Fatal(err)
		}
		want := readPNG(t, tc.golden)
		maxAbs, meanAbs := diffStats(t, got, want)
		t.Logf("%-24s max %2d mean %.4f", tc.photo, maxAbs, meanAbs)
		if maxAbs > tc.maxAbs || meanAbs > tc.meanAbs {
			t.Errorf("%s: max %d mean %.4f, want ≤ %d, ≤ %.4f", tc.photo, maxAbs, meanAbs, tc.maxAbs, tc.meanAbs)
		}
	}
}

// With nothing to resize or crop, the pixels must come back unchanged:
// this pins the sample coordinates (an off-by-half would blur).
func TestResizeCropIdentity(t *testing.T) {
	src := mustDecode(t, "photos/formats/reference.png")
	sq := transform.Crop(src, image.Rect(16, 0, 80, 64))
	sq.Rect = image.Rect(0, 0, 64, 64)
	got, err := ResizeCrop(sq, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	if maxAbs, _ := diffStats(t, got, sq); maxAbs != 0 {
		t.Errorf("identity resize changed pixels by up to %d", maxAbs)
	}
	// Crop only: the centre of a 96×64 image is columns 16..79.
	got, err = ResizeCrop(src, 64, 32)
	if err != nil {
		t.Fatal(err)
	}
	want := transform.Crop(src, image.Rect(32, 16, 64, 48))
	want.Rect = image.Rect(0, 0, 32, 32)
	if maxAbs, _ := diffStats(t, got, want); maxAbs != 0 {
		t.Errorf("crop-only result differs by up to %d", maxAbs)
	}
}

// An image already at the resized size skips bild's resize: the result must
// be what the resize would have made, bit for bit, wherever the image's
// rectangle starts, and must not alias it.
func TestResizeCropSameSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{256, 256}, {341, 256}, {256, 384}} {
		big := image.NewRGBA(image.Rect(0, 0, sz[0]+5, sz[1]+3))
		for i := range big.Pix {
			big.Pix[i] = uint8(rng.Uint32())
		}
		for _, img := range []*image.RGBA{
			big.SubImage(image.Rect(0, 0, sz[0], sz[1])).(*image.RGBA),
			big.SubImage(image.Rect(5, 3, sz[0]+5, sz[1]+3)).(*image.RGBA),
		} {
			got, err := ResizeCrop(img, 256, 224)
			if err != nil {
				t.Fatal(err)
			}
			origin := transform.Crop(img, img.Rect) // a copy at (0, 0)
			origin.Rect = image.Rect(0, 0, sz[0], sz[1])
			resized := transform.Resize(origin, sz[0], sz[1], transform.Linear)
			top, left := centreOffset(sz[1], 224), centreOffset(sz[0], 224)
			want := transform.Crop(resized, image.Rect(left, top, left+224, top+224))
			want.Rect = image.Rect(0, 0, 224, 224)
			if maxAbs, _ := diffStats(t, got, want); maxAbs != 0 {
				t.Errorf("%v at %v: differs from bild's resize by up to %d", sz, img.Rect.Min, maxAbs)
			}
			got.Pix[0] ^= 0xff
			if img.Pix[img.PixOffset(img.Rect.Min.X+left, img.Rect.Min.Y+top)] == got.Pix[0] {
				t.Errorf("%v at %v: the result aliases the image", sz, img.Rect.Min)
			}
		}
	}
}

func TestResizeCropUniform(t *testing.T) {
	c := color.RGBA{200, 100, 50, 255}
	for _, size := range []image.Point{{1, 1}, {2, 3}, {7, 500}, {300, 301}, {1000, 20}} {
		img := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		got, err := ResizeCrop(img, 256, 224)
		if err != nil {
			t.Fatalf("%v: %v", size, err)
		}
		if got.Rect != image.Rect(0, 0, 224, 224) {
			t.Fatalf("%v: result %v", size, got.Rect)
		}
		for i := 0; i < len(got.Pix); i += 4 {
			if p := got.Pix[i : i+4]; p[0] != c.R || p[1] != c.G || p[2] != c.B || p[3] != 255 {
				t.Fatalf("%v: pixel %d = %v, want %v", size, i/4, p, c)
			}
		}
	}
}

// Trimming an extreme aspect before resizing (MaxAspect) costs only the
// sub-pixel placement of samples on the long axis. Strips of a real photo,
// 57×299 and 299×57 (sizes chosen so the two sample grids do not line up),
// through the untrimmed torchvision rule and through ResizeCrop: measured
// max 1, mean 0.02 for each. (Before the trim kept equal margins, a half
// source-pixel shift gave max 23, mean 2.95.)
func TestResizeCropTrimMatchesUntrimmed(t *testing.T) {
	photo := mustDecode(t, "photos/chelsea.png")
	for _, r := range []image.Rectangle{image.Rect(200, 0, 257, 299), image.Rect(0, 100, 299, 157)} {
		strip := transform.Crop(photo, r)
		strip.Rect = image.Rect(0, 0, r.Dx(), r.Dy())
		if trimAspect(strip, MaxAspect) == strip {
			t.Fatalf("%v: the strip should be trimmed", r.Size())
		}

		w, h := resizedSize(r.Dx(), r.Dy(), 256)
		full := transform.Resize(strip, w, h, transform.Linear)
		top, left := centreOffset(h, 224), centreOffset(w, 224)
		want := transform.Crop(full, image.Rect(left, top, left+224, top+224))
		want.Rect = image.Rect(0, 0, 224, 224)

		got, err := ResizeCrop(strip, 256, 224)
		if err != nil {
			t.Fatal(err)
		}
		maxAbs, meanAbs := diffStats(t, got, want)
		t.Logf("%v trimmed vs untrimmed: max %d mean %.3f", r.Size(), maxAbs, meanAbs)
		if maxAbs > 3 || meanAbs > 0.1 {
			t.Errorf("%v: max %d mean %.3f, want ≤ 3, ≤ 0.1", r.Size(), maxAbs, meanAbs)
		}
	}
}

func TestResizeCropErrors(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for _, tc := range []struct {
		name         string
		img          *image.RGBA
		resize, crop int
	}{
		{"nil", nil, 256, 224},
		{"empty", image.NewRGBA(image.Rect(0, 0, 0, 5)), 256, 224},
		{"resize 0", img, 0, 0},
		{"crop 0", img, 256, 0},
		{"crop > resize", img, 224, 256},
		{"resize too large", img, 1 << 20, 224},
		{"pix shorter than rect", &image.RGBA{Pix: make([]uint8, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}, 256, 224},
		{"stride shorter than row", &image.RGBA{Pix: make([]uint8, 400), Stride: 4, Rect: image.Rect(0, 0, 10, 10)}, 256, 224},
	} {
		if _, err := ResizeCrop(tc.img, tc.resize, tc.crop); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
