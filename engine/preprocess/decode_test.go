package preprocess

import (
	"fmt"
	"image"
	"testing"
)

func TestDecodePhotos(t *testing.T) {
	for _, tc := range []struct {
		file string
		w, h int
	}{
		{"photos/chelsea.png", 451, 300},
		{"photos/camera.png", 512, 512}, // 8-bit grey PNG
		{"photos/pekinese.png", 320, 320},
		{"photos/coffee.jpg", 600, 400},
		{"photos/orange.jpg", 512, 512},
		{"photos/grace_hopper.jpg", 512, 600},
		{"photos/eagle.jpg", 773, 512}, // carries EXIF orientation 1
		{"photos/dog.jpg", 768, 576},
		{"photos/squirrel.jpg", 535, 426},
		{"photos/motorcycle.jpg", 741, 500},
		{"photos/grace_hopper_exif6.jpg", 512, 600}, // stored 600×512
	} {
		img := mustDecode(t, tc.file)
		if got := img.Rect.Size(); got != image.Pt(tc.w, tc.h) {
			t.Errorf("%s: size %v, want %dx%d", tc.file, got, tc.w, tc.h)
		}
		assertOpaque(t, tc.file, img)
	}
}

// Every pixel layout a decoder can hand back ends as the same opaque RGB.
// Bounds are what the lossy encodings measured (+~50 % margin); the
// lossless ones must be exact.
func TestDecodeFormats(t *testing.T) {
	ref := readPNG(t, "photos/formats/reference.png")
	for _, tc := range []struct {
		file    string
		maxAbs  int
		meanAbs float64
	}{
		{"bmp24.bmp", 0, 0},
		{"lossless.webp", 0, 0},
		{"rgb16.png", 0, 0}, // 16 → 8 bits keeps the high byte
		{"exif6.png", 0, 0}, // eXIf orientation 6 on rotated pixels
		{"exif6.webp", 0, 0},
		{"palette.gif", 36, 2.9}, // measured 24 / 1.90 (256-colour quantisation)
		{"lossy.webp", 48, 3.0},  // measured 32 / 2.01 (libwebp itself: 24 / 1.81)
		{"cmyk.jpg", 12, 1.8},    // measured 7 / 1.15; Adobe CMYK JPEG
	} {
		img := mustDecode(t, "photos/formats/"+tc.file)
		assertOpaque(t, tc.file, img)
		maxAbs, meanAbs := diffStats(t, img, ref)
		t.Logf("%-14s max %3d mean %.3f", tc.file, maxAbs, meanAbs)
		if maxAbs > tc.maxAbs || meanAbs > tc.meanAbs {
			t.Errorf("%s: max %d mean %.3f, want ≤ %d, ≤ %.3f", tc.file, maxAbs, meanAbs, tc.maxAbs, tc.meanAbs)
		}
	}
}

// Grey + alpha: the opaque half is the grey of the reference, the
// transparent half must be white, not black (Pillow's convert("RGB") would
// give black there; white is what a browser shows).
func TestDecodeAlphaOverWhite(t *testing.T) {
	img := mustDecode(t, "photos/formats/gray_alpha.png")
	ref := readPNG(t, "photos/formats/reference.png")
	assertOpaque(t, "gray_alpha.png", img)
	for y := 0; y < 64; y++ {
		for x := 0; x < 96; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			if p[0] != p[1] || p[1] != p[2] {
				t.Fatalf("(%d,%d) = %v, not grey", x, y, p[:3])
			}
			if x >= 48 {
				if p[0] != 0xff {
					t.Fatalf("transparent (%d,%d) = %d, want white", x, y, p[0])
				}
				continue
			}
			r := ref.Pix[ref.PixOffset(x, y):]
			// Pillow's L = (299 R + 587 G + 114 B) / 1000, rounded.
			want := (299*int(r[0]) + 587*int(r[1]) + 114*int(r[2]) + 500) / 1000
			if d := int(p[0]) - want; d < -1 || d > 1 {
				t.Fatalf("(%d,%d) = %d, want %d±1", x, y, p[0], want)
			}
		}
	}
}

// The fixtures were made, and checked with ImageMagick's -auto-orient, by
// testdata/photos/make_photos.py: each stores a 48×32 pattern (red, green /
// blue, yellow quadrants) so that its orientation tag displays it upright.
func TestOrientationAll8(t *testing.T) {
	quad := [4][3]int{{220, 30, 30}, {30, 200, 30}, {30, 30, 220}, {240, 220, 40}}
	for o := 1; o <= 8; o++ {
		name := fmt.Sprintf("photos/orient/orient_%d.jpg", o)
		data := readFile(t, name)
		if got := orientation("jpeg", data); got != o {
			t.Errorf("%s: orientation tag %d, want %d", name, got, o)
		}
		img := mustDecode(t, name)
		if got := img.Rect.Size(); got != image.Pt(48, 32) {
			t.Errorf("%s: size %v, want 48x32", name, got)
			continue
		}
		for i, pt := range []image.Point{{12, 8}, {36, 8}, {12, 24}, {36, 24}} {
			p := img.Pix[img.PixOffset(pt.X, pt.Y):]
			for c := 0; c < 3; c++ {
				if d := int(p[c]) - quad[i][c]; d < -24 || d > 24 {
					t.Errorf("%s: quadrant %d is %v, want %v", name, i, p[:3], quad[i])
					break
				}
			}
		}
	}
}

// The same photo stored turned, with orientation 6, must come out like the
// upright file (both are JPEG, so only close).
func TestOrientationPhoto(t *testing.T) {
	upright := mustDecode(t, "photos/grace_hopper.jpg")
	turned := mustDecode(t, "photos/grace_hopper_exif6.jpg")
	maxAbs, meanAbs := diffStats(t, turned, upright)
	t.Logf("exif6 vs upright: max %d mean %.3f", maxAbs, meanAbs)
	if meanAbs > 2 {
		t.Errorf("mean abs diff %.3f to the upright photo, want ≤ 2", meanAbs)
	}
}

func TestTiffOrientation(t *testing.T) {
	le := func(tag, typ uint16, count, value uint32) []byte {
		b := []byte("II*\x00\x08\x00\x00\x00\x01\x00")
		b = append(b, byte(tag), byte(tag>>8), byte(typ), byte(typ>>8),
			byte(count), byte(count>>8), byte(count>>16), byte(count>>24),
			byte(value), byte(value>>8), byte(value>>16), byte(value>>24))
		return append(b, 0, 0, 0, 0)
	}
	be := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x08\x00\x00\x00\x00\x00\x00")
	for _, tc := range []struct {
		name string
		b    []byte
		want int
	}{
		{"little-endian short", le(0x0112, 3, 1, 6), 6},
		{"big-endian short", be, 8},
		{"long type", le(0x0112, 4, 1, 3), 3},
		{"other tag", le(0x0100, 3, 1, 6), 1},
		{"value 0", le(0x0112, 3, 1, 0), 1},
		{"value 9", le(0x0112, 3, 1, 9), 1},
		{"count 0", le(0x0112, 3, 0, 6), 1},
		{"ascii type", le(0x0112, 2, 1, 6), 1},
		{"nil", nil, 1},
		{"bad byte order", []byte("XX*\x00\x08\x00\x00\x00"), 1},
		{"bad magic", []byte("II+\x00\x08\x00\x00\x00"), 1},
		{"IFD past end", []byte("II*\x00\xff\xff\xff\xff"), 1},
		{"IFD at end", []byte("II*\x00\x08\x00\x00\x00"), 1},
		{"entry count too large", []byte("II*\x00\x08\x00\x00\x00\xff\xff\x12\x01"), 1},
		{"truncated entry", le(0x0112, 3, 1, 6)[:16], 1},
	} {
		if got := tiffOrientation(tc.b); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestContainerExif(t *testing.T) {
	if got := orientation("png", readFile(t, "photos/formats/exif6.png")); got != 6 {
		t.Errorf("PNG eXIf orientation %d, want 6", got)
	}
	if got := orientation("webp", readFile(t, "photos/formats/exif6.webp")); got != 6 {
		t.Errorf("WebP EXIF orientation %d, want 6", got)
	}
	if got := orientation("jpeg", readFile(t, "photos/eagle.jpg")); got != 1 {
		t.Errorf("eagle.jpg orientation %d, want 1", got)
	}
	// Truncated containers end the walk quietly.
	data := readFile(t, "photos/grace_hopper_exif6.jpg")
	for n := 0; n < 64; n++ {
		orientation("jpeg", data[:n])
	}
	webp := readFile(t, "photos/formats/exif6.webp")
	for n := 0; n < 40; n++ {
		orientation("webp", webp[:n])
	}
}

// Lossy WebP against libwebp's own decode of the same file: the colour
// conversion must be libwebp's limited-range BT.601, not Go's full-range
// YCbCr (golang/go#40173). Measured: mean 0.88, max 17 (what remains is
// nearest-neighbour vs libwebp's bilinear chroma upsampling); with the
// standard conversion the mean is 4.4 with a bias of −4.4 on red.
func TestDecodeWebPColour(t *testing.T) {
	img := mustDecode(t, "photos/formats/lossy.webp")
	ref := readPNG(t, "photos/formats/lossy_libwebp.png")
	maxAbs, meanAbs := diffStats(t, img, ref)
	t.Logf("lossy.webp vs libwebp: max %d mean %.3f", maxAbs, meanAbs)
	if meanAbs > 1.2 || maxAbs > 24 {
		t.Errorf("max %d mean %.3f, want ≤ 24, ≤ 1.2", maxAbs, meanAbs)
	}
}
