package preprocess

import (
	"errors"
	"testing"
)

func TestFromRGBA(t *testing.T) {
	// 3×2 frame, stride 16 (4 bytes of padding per row, filled with junk).
	pix := []byte{
		10, 20, 30, 255, 0, 0, 0, 0, 0, 0, 0, 128, 9, 9, 9, 9,
		255, 255, 255, 128, 100, 150, 200, 51, 1, 2, 3, 255, 9, 9, 9, 9,
	}
	img, err := FromRGBA(pix, 3, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]uint8{
		{10, 20, 30},    // opaque: unchanged
		{255, 255, 255}, // fully transparent: white
		{127, 127, 127}, // black at 128/255 over white: 255·127/255
		{255, 255, 255}, // white over white
		// 51/255 = 0.2: 0.2·c + 0.8·255
		{224, 234, 244},
		{1, 2, 3},
	}
	for i, w := range want {
		p := img.Pix[img.PixOffset(i%3, i/3):]
		if p[0] != w[0] || p[1] != w[1] || p[2] != w[2] || p[3] != 255 {
			t.Errorf("pixel %d = %v, want %v,255", i, p[:4], w)
		}
	}
	pix[0] = 99
	if img.Pix[0] != 10 {
		t.Error("result aliases the caller's buffer")
	}
	// The last row needs no padding after it.
	if _, err := FromRGBA(pix[:16+12], 3, 2, 16); err != nil {
		t.Errorf("tight last row: %v", err)
	}
}

func TestFromRGBAErrors(t *testing.T) {
	pix := make([]byte, 64)
	for _, tc := range []struct {
		name         string
		w, h, stride int
		pix          []byte
		wantTooLarge bool
	}{
		{"zero width", 0, 4, 16, pix, false},
		{"negative height", 4, -1, 16, pix, false},
		{"stride short", 4, 4, 12, pix, false},
		{"buffer short", 4, 5, 16, pix, false},
		{"nil buffer", 1, 1, 4, nil, false},
		{"huge", 1 << 30, 1 << 30, 1 << 32, pix, true},
		{"stride overflow", 2, 1 << 20, 1 << 62, pix, false},
	} {
		_, err := FromRGBA(tc.pix, tc.w, tc.h, tc.stride)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.wantTooLarge != errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
