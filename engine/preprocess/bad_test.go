package preprocess

import (
	"errors"
	"image"
	"runtime"
	"testing"
	"time"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// testdata/bad (made by testdata/bad/make_bad.py): each file gives the named
// error, and the bombs are refused fast and without allocating the pixels
// they claim.
func TestDecodeBad(t *testing.T) {
	for _, tc := range []struct {
		file string
		want error
		fast bool // refused from the header: < 1 MB allocated (the time is logged, not asserted: a shared machine's timings are noise)
	}{
		{"empty.jpg", ErrEmpty, true},
		{"text.jpg", ErrFormat, true},
		{"heic.heic", ErrFormat, true},
		{"truncated.jpg", ErrCorrupt, false},
		{"truncated.png", ErrCorrupt, false},
		{"header_only.jpg", ErrCorrupt, false},
		{"corrupt_header.jpg", ErrCorrupt, true},
		{"bomb.png", ErrTooLarge, true},
		{"bomb.jpg", ErrTooLarge, true},
		{"bomb_7000.png", ErrCorrupt, true}, // under the limit, but too few bytes
		{"bomb.bmp", ErrCorrupt, true},
	} {
		data := readFile(t, "bad/"+tc.file)
		var err error
		start := time.Now()
		alloc := allocated(func() { _, err = Decode(data, 0) })
		took := time.Since(start)
		t.Logf("%-18s %v, %d bytes allocated: %v", tc.file, took.Round(time.Microsecond), alloc, err)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.file, err, tc.want)
		}
		if tc.fast && alloc > 1<<20 {
			t.Errorf("%s: allocated %d bytes (in %v); a header check should allocate next to nothing", tc.file, alloc, took)
		}
	}
	if _, err := Decode(readFile(t, "bad/heic.heic"), 0); err == nil || !containsAll(err.Error(), "HEIC") {
		t.Errorf("HEIC error %v should name the format", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		found := false
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Flipped bytes inside the entropy-coded data may decode to garbage without
// an error (JPEG has no checksum); either outcome is fine, a panic is not.
func TestDecodeCorruptScan(t *testing.T) {
	img, err := Decode(readFile(t, "bad/corrupt.jpg"), 0)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt", err)
		}
		return
	}
	if img.Rect.Size() != image.Pt(512, 600) {
		t.Errorf("size %v, want 512x600", img.Rect.Size())
	}
	assertOpaque(t, "corrupt.jpg", img)
}

// The pixel limit is the caller's: a photo over a small limit is refused.
func TestDecodeLimit(t *testing.T) {
	data := readFile(t, "photos/chelsea.png")
	if _, err := Decode(data, 451*300-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit one below the size: %v, want ErrTooLarge", err)
	}
	if _, err := Decode(data, 451*300); err != nil {
		t.Errorf("limit equal to the size: %v", err)
	}
}

func TestDecodeBadExif(t *testing.T) {
	img := mustDecode(t, "bad/bad_exif.jpg")
	if img.Rect.Size() != image.Pt(48, 32) {
		t.Errorf("size %v, want 48x32 (broken EXIF means upright)", img.Rect.Size())
	}
}

// Tiny and extreme shapes decode and resize to a sane square without a
// huge intermediate: torchvision's rule would make 3×10000 into 256×853333.
func TestExtremeShapes(t *testing.T) {
	for _, tc := range []struct {
		file string
		w, h int
	}{
		{"bad/one.png", 1, 1},
		{"bad/strip.png", 3, 10000},
		{"bad/wide.png", 10000, 3},
	} {
		img := mustDecode(t, tc.file)
		if img.Rect.Size() != image.Pt(tc.w, tc.h) {
			t.Fatalf("%s: size %v, want %dx%d", tc.file, img.Rect.Size(), tc.w, tc.h)
		}
		var out *image.RGBA
		var err error
		alloc := allocated(func() { out, err = ResizeCrop(img, 256, 224) })
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if out.Rect != image.Rect(0, 0, 224, 224) {
			t.Errorf("%s: result %v", tc.file, out.Rect)
		}
		assertOpaque(t, tc.file, out)
		t.Logf("%s: ResizeCrop allocated %d bytes", tc.file, alloc)
		// 256×1024 RGBA intermediate at most, plus the horizontal pass.
		if alloc > 8<<20 {
			t.Errorf("%s: ResizeCrop allocated %d bytes", tc.file, alloc)
		}
	}
	one, _ := ResizeCrop(mustDecode(t, "bad/one.png"), 256, 224)
	if p := one.Pix[:4]; p[0] != 200 || p[1] != 100 || p[2] != 50 {
		t.Errorf("1×1 upsampled to %v, want its colour (200,100,50)", p)
	}
}
