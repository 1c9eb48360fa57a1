package preprocess

import (
	"bytes"
	"image"
	"image/color"
	"math/rand"
	"testing"
)

// Each pixel layout composites over white as straight-alpha arithmetic
// says: c·a + 255·(1−a), to within rounding.
func TestToRGBA(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 3, 1), color.Palette{
		color.RGBA{10, 20, 30, 255},
		color.NRGBA{0, 0, 0, 0}, // GIF transparent index
	})
	pal.Pix = []uint8{0, 1, 7} // 7: outside the palette
	nrgba := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	nrgba.Pix = []uint8{0, 100, 200, 128}
	rgba := image.NewRGBA(image.Rect(0, 0, 1, 1))
	rgba.Pix = []uint8{0, 50, 100, 128} // premultiplied (0,100,200)·128/255 rounded down
	n64 := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
	n64.SetNRGBA64(0, 0, color.NRGBA64{0, 0x6464, 0xc8c8, 0x8080})
	g16 := image.NewGray16(image.Rect(2, 3, 3, 4)) // non-zero origin
	g16.SetGray16(2, 3, color.Gray16{0x7fff})
	for _, tc := range []struct {
		name string
		src  image.Image
		want [][3]int
	}{
		{"paletted", pal, [][3]int{{10, 20, 30}, {255, 255, 255}, {255, 255, 255}}},
		{"nrgba", nrgba, [][3]int{{127, 177, 227}}},
		{"rgba", rgba, [][3]int{{127, 177, 227}}},
		{"nrgba64", n64, [][3]int{{127, 177, 227}}},
		{"gray16", g16, [][3]int{{127, 127, 127}}},
	} {
		got := toRGBA(tc.src)
		assertOpaque(t, tc.name, got)
		for i, w := range tc.want {
			p := got.Pix[4*i:]
			for c := 0; c < 3; c++ {
				if d := int(p[c]) - w[c]; d < -1 || d > 1 {
					t.Errorf("%s pixel %d = %v, want %v±1", tc.name, i, p[:3], w)
					break
				}
			}
		}
	}
}

// Orientation algebra, independent of the table in orient: a turn and its
// inverse cancel, mirrors and transposes are involutions, two quarter turns
// make a half turn, and a mirror after a quarter turn is a transpose.
func TestOrientAlgebra(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	base := image.NewRGBA(image.Rect(0, 0, 5, 3))
	rng.Read(base.Pix)
	clone := func(m *image.RGBA) *image.RGBA {
		c := *m
		c.Pix = bytes.Clone(m.Pix)
		return &c
	}
	apply := func(os ...int) *image.RGBA {
		m := clone(base)
		for _, o := range os {
			m = orient(m, o)
		}
		return m
	}
	same := func(a, b *image.RGBA) bool { return a.Rect == b.Rect && bytes.Equal(a.Pix, b.Pix) }
	for _, tc := range []struct {
		name string
		a, b []int
	}{
		{"6 then 8", []int{6, 8}, []int{1}},
		{"8 then 6", []int{8, 6}, []int{1}},
		{"2 twice", []int{2, 2}, []int{1}},
		{"4 twice", []int{4, 4}, []int{1}},
		{"3 twice", []int{3, 3}, []int{1}},
		{"5 twice", []int{5, 5}, []int{1}},
		{"7 twice", []int{7, 7}, []int{1}},
		{"6 twice", []int{6, 6}, []int{3}},
		{"2 then 4", []int{2, 4}, []int{3}},
		{"6 then 2", []int{6, 2}, []int{5}},
		{"6 then 4", []int{6, 4}, []int{7}},
	} {
		if !same(apply(tc.a...), apply(tc.b...)) {
			t.Errorf("%s: orientations %v and %v differ", tc.name, tc.a, tc.b)
		}
	}
	if r := orient(clone(base), 6).Rect; r != image.Rect(0, 0, 3, 5) {
		t.Errorf("orientation 6 of 5×3 gave %v", r)
	}
	// Orientation 6 turns clockwise: the stored bottom-left pixel ends top-left.
	got := orient(clone(base), 6)
	if !bytes.Equal(got.Pix[:4], base.Pix[base.PixOffset(0, 2):][:4]) {
		t.Error("orientation 6 is not a clockwise quarter turn")
	}
}
