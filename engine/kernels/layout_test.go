package kernels

import (
	"fmt"
	"math"
	"testing"
)

// The layout family: Im2col and the stem's MaxPool3x3s2.

type im2colFunc[T uint16 | float32] = func([]T, int, []T, int, int, int, int, int, int, T)

var im2colCases = []struct {
	name                     string
	h, w, c, k, s, p, ldaGap int
}{
	{"resnet_stem_7x7_s2", 7, 7, 3, 7, 2, 3, 0},
	{"k3_s1_pad1", 8, 5, 4, 3, 1, 1, 0},
	{"k3_s2_lda_gap", 9, 9, 2, 3, 2, 1, 3},
	{"k1_s2_no_pad", 4, 6, 8, 1, 2, 0, 0},
	{"one_pixel_all_padding", 1, 1, 3, 3, 1, 1, 0},
	{"k_gt_side", 5, 3, 1, 7, 2, 3, 0},
	{"resnet_3x3x64", 14, 14, 64, 3, 1, 1, 0},
	{"odd_edge_no_pad_lda_gap", 3, 8, 5, 3, 2, 0, 2},
}

func TestIm2col(t *testing.T) {
	for _, impl := range implsOf[im2colFunc[uint16]](kIm2col, im2colGeneric[uint16], Im2col[uint16]) {
		// A fill with distinct bytes: a kernel filling bytes would show.
		t.Run("u16/"+impl.name, func(t *testing.T) { testIm2col(t, impl, 0x1234, true) })
	}
	for _, impl := range implsOf[im2colFunc[float32]](kIm2col, im2colGeneric[float32], Im2col[float32]) {
		t.Run("f32/"+impl.name, func(t *testing.T) { testIm2col(t, impl, 0, true) })
		// A fill the SIMD kernel cannot express (it fills bytes): the
		// twin's.
		t.Run("f32_fill_not_zero/"+impl.name, func(t *testing.T) { testIm2col(t, impl, 0.5, false) })
	}
}

func testIm2col[T uint16 | float32](t *testing.T, impl impl[im2colFunc[T]], fill T, takes bool) {
	for _, g := range im2colCases {
		t.Run(g.name, func(t *testing.T) {
			src := make([]T, g.h*g.w*g.c)
			for i := range src {
				src[i] = T(i*37%8000 + 1) // past 8 bits
			}
			oh, ow := (g.h+2*g.p-g.k)/g.s+1, (g.w+2*g.p-g.k)/g.s+1
			kdim := g.k * g.k * g.c
			lda := PaddedK2(kdim) + g.ldaGap // row columns past K must be zeroed
			dst := newGuarded(oh*ow*lda, T(77))
			checkDispatch(t, impl.id, takes, func() { impl.f(dst.out(), lda, src, g.h, g.w, g.c, g.k, g.s, g.p, fill) })
			dst.check(t)
			out := dst.out()
			for oy := range oh {
				for ox := range ow {
					for ky := range g.k {
						for kx := range g.k {
							for ch := range g.c {
								iy, ix := oy*g.s-g.p+ky, ox*g.s-g.p+kx
								want := fill
								if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
									want = src[(iy*g.w+ix)*g.c+ch]
								}
								if got := out[(oy*ow+ox)*lda+(ky*g.k+kx)*g.c+ch]; got != want {
									t.Fatalf("out (%d,%d) tap (%d,%d,%d) = %v, want %v", oy, ox, ky, kx, ch, got, want)
								}
							}
						}
					}
					for i := kdim; i < lda; i++ {
						if out[(oy*ow+ox)*lda+i] != 0 {
							t.Fatalf("K padding column %d not zero", i)
						}
					}
				}
			}
		})
	}
}

func TestMaxPool3x3s2(t *testing.T) {
	for _, impl := range implsOf(kMaxPool3x3s2, maxPool3x3s2Generic,
		func(dst, src []float32, h, w, c int) { MaxPool3x3s2(dst, src, h, w, c) }) {
		t.Run(impl.name, func(t *testing.T) {
			// c = 2, 6: channels the SIMD kernel leaves to the twin; odd and
			// even sides.
			for _, g := range [][3]int{{5, 4, 2}, {1, 1, 4}, {2, 3, 8}, {7, 6, 4}, {8, 9, 64}, {4, 5, 6}} {
				h, w, c := g[0], g[1], g[2]
				t.Run(fmt.Sprintf("%s_%dx%dx%d", vs("c", c, 4), h, w, c), func(t *testing.T) {
					oh, ow := (h-1)/2+1, (w-1)/2+1
					src := randF32(rng(h, w, c), h*w*c, -3, 5)
					dst := newGuarded(oh*ow*c, float32(markF32))
					checkDispatch(t, impl.id, c%4 == 0, func() { impl.f(dst.out(), src, h, w, c) })
					dst.check(t)
					for oy := range oh {
						for ox := range ow {
							for ch := range c {
								m := float32(math.Inf(-1))
								for y := max(0, 2*oy-1); y < min(h, 2*oy+2); y++ {
									for x := max(0, 2*ox-1); x < min(w, 2*ox+2); x++ {
										m = max(m, src[(y*w+x)*c+ch])
									}
								}
								if got := dst.out()[(oy*ow+ox)*c+ch]; got != m {
									t.Fatalf("(%d,%d,%d) = %v, want %v", oy, ox, ch, got, m)
								}
							}
						}
					}
				})
			}
		})
	}
}
