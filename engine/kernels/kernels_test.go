package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shapes a GEMM must get right: every M remainder of the 4-row tile, every
// N remainder of the 8-channel panel, K below, at and above a pair and the
// SIMD kernel's 8-byte step (k_lt_8, k_eq_8, k_gt_8 with 1 and 3 pairs
// left), the real ResNet shapes (stem K=147, 3×3×64 = 576, 1×1×2048), and M
// past the SIMD kernel's row block (16384/(Kp+1) rows) with a remainder.
var gemmShapes = func() [][3]int {
	var s [][3]int
	for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 13} {
		for _, n := range []int{1, 3, 7, 8, 9, 16, 17} {
			for _, k := range []int{1, 2, 3, 8, 9, 14, 147} {
				s = append(s, [3]int{m, n, k})
			}
		}
	}
	return append(s, [3]int{49, 64, 576}, [3]int{12, 10, 2048}, [3]int{30, 64, 147}, [3]int{331, 24, 147}, [3]int{9, 72, 4608})
}()

const guard = 12345.678 // planted just past every output row, must survive

// Every implementation of a kernel runs the same suite: the pure-Go twin, and
// the public entry point, which is the SIMD kernel where one is linked
// (TestSIMDLinked checks that it is when it should be).
var gemmU8S8Impls = []struct {
	name string
	f    func([]float32, int, []uint8, int, int, int, []int8, int, *Epilogue, []int64)
}{{"generic", gemmU8S8Generic}, {"dispatch", GemmU8S8}}

var gemmF32Impls = []struct {
	name string
	f    func([]float32, int, []float32, int, int, int, []float32, int, *Epilogue)
}{{"generic", gemmF32Generic}, {"dispatch", GemmF32}}

func TestGemmU8S8(t *testing.T) {
	for _, impl := range gemmU8S8Impls {
		t.Run(impl.name, func(t *testing.T) { testGemmU8S8(t, impl.f) })
	}
}

func testGemmU8S8(t *testing.T, gemm func([]float32, int, []uint8, int, int, int, []int8, int, *Epilogue, []int64)) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		for _, zp := range []int32{0, 128} {
			for _, e := range []struct{ res, relu bool }{{false, false}, {false, true}, {true, true}} {
				withRes := e.res
				name := fmt.Sprintf("m%d_n%d_k%d_zp%d_res%v_relu%v", m, n, k, zp, e.res, e.relu)
				kp := PaddedK2(k)
				lda := kp + 2 // strided A: rows are not adjacent
				a := make([]uint8, m*lda)
				for i := range a {
					a[i] = uint8(r.IntN(256))
				}
				w := make([]int8, n*k)
				for i := range w {
					w[i] = int8(r.IntN(255) - 127)
				}
				scale, bias := randF32(r, n, 0.001, 0.01), randF32(r, n, -1, 1)
				ldo := n + 3
				out := make([]float32, m*ldo)
				for i := range out {
					out[i] = guard
				}
				packed := PackO8K2(w, n, k)
				ep := Epilogue{ZeroPoint: zp, WSum: RowSumsO8K2(packed, n, kp), Scale: scale, Bias: bias, ReLU: e.relu}
				if withRes {
					ep.Residual = randF32(r, m*ldo, -2, 2)
				}
				// The running maximum starts above nothing written when
				// there is no ReLU, and must then stay where it was.
				start := float32(math.Inf(-1))
				if !e.relu {
					start = -0.5
				}
				gotMax, wantMax := start, start
				ep.Max = &gotMax
				// Each row of a holds garbage in its K padding column (when
				// k is odd) and in its stride gap: the packed zero weights
				// must cancel the first, the stride must skip the second.
				gemm(out, ldo, a, lda, m, kp, packed, n, &ep, make([]int64, WorkspaceU8S8(kp)))
				for i := range m {
					for j := range ldo {
						got := out[i*ldo+j]
						if j >= n {
							if got != guard {
								t.Fatalf("%s: wrote outside the output at [%d][%d]", name, i, j)
							}
							continue
						}
						var acc int32
						for x := range k {
							acc += (int32(a[i*lda+x]) - zp) * int32(w[j*k+x])
						}
						want := float32(acc)*scale[j] + bias[j]
						if withRes {
							want += ep.Residual[i*ldo+j]
						}
						if e.relu && want < 0 {
							want = 0
						}
						if math.Float32bits(got) != math.Float32bits(want) {
							t.Fatalf("%s: [%d][%d] = %v, want %v (int32 accumulator %d)", name, i, j, got, want, acc)
						}
						wantMax = max(wantMax, want)
					}
				}
				if math.Float32bits(gotMax) != math.Float32bits(wantMax) {
					t.Fatalf("%s: running maximum %v, want %v", name, gotMax, wantMax)
				}
			}
		}
	}
}

// TestGemmNegativeZero pins the ReLU's definition, "if v < 0 then 0", which
// keeps −0 (f32x4.max(v, 0) would not): the kernels must agree bit for bit
// even there. Full panel and partial panel, int8 and f32.
func TestGemmNegativeZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	for _, n := range []int{8, 3} {
		scale, bias := make([]float32, n), make([]float32, n)
		for i := range n {
			scale[i], bias[i] = -1, negZero
		}
		ep := Epilogue{Scale: scale, Bias: bias, ReLU: true}
		out := make([]float32, 5*n)
		GemmU8S8(out, n, make([]uint8, 5*2), 2, 5, 2, make([]int8, PaddedN(n)*2), n, &ep, make([]int64, WorkspaceU8S8(2)))
		outF := make([]float32, 5*n)
		GemmF32(outF, n, make([]float32, 5), 1, 5, 1, make([]float32, PaddedN(n)), n, &ep)
		for i := range out {
			if !math.Signbit(float64(out[i])) || !math.Signbit(float64(outF[i])) {
				t.Fatalf("n %d: element %d: int8 %v, f32 %v, want -0", n, i, out[i], outF[i])
			}
		}
	}
}

func TestGemmF32(t *testing.T) {
	for _, impl := range gemmF32Impls {
		t.Run(impl.name, func(t *testing.T) { testGemmF32(t, impl.f) })
	}
}

func testGemmF32(t *testing.T, gemm func([]float32, int, []float32, int, int, int, []float32, int, *Epilogue)) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		name := fmt.Sprintf("m%d_n%d_k%d", m, n, k)
		lda, ldo := k+1, n+2
		a, w := randF32(r, m*lda, -1, 1), randF32(r, n*k, -1, 1)
		bias := randF32(r, n, -1, 1)
		out := make([]float32, m*ldo)
		for i := range out {
			out[i] = guard
		}
		gemm(out, ldo, a, lda, m, k, PackO8K1(w, n, k), n, &Epilogue{Bias: bias, ReLU: true})
		for i := range m {
			for j := range ldo {
				got := out[i*ldo+j]
				if j >= n {
					if got != guard {
						t.Fatalf("%s: wrote outside the output at [%d][%d]", name, i, j)
					}
					continue
				}
				want, mag := float64(bias[j]), math.Abs(float64(bias[j]))
				for x := range k {
					p := float64(a[i*lda+x]) * float64(w[j*k+x])
					want += p
					mag += math.Abs(p)
				}
				want = max(want, 0)
				// float32 sums in another order: the error is bounded by
				// k·ε·Σ|terms|.
				if math.Abs(float64(got)-want) > float64(k+1)*6e-8*mag+1e-7 {
					t.Fatalf("%s: [%d][%d] = %v, want %v", name, i, j, got, want)
				}
			}
		}
	}
}

func TestIm2col(t *testing.T) {
	t.Run("u8/generic", func(t *testing.T) { testIm2col(t, im2colGeneric[uint8], 200) })
	t.Run("u8/dispatch", func(t *testing.T) { testIm2col(t, Im2col[uint8], 200) })
	t.Run("f32/generic", func(t *testing.T) { testIm2col(t, im2colGeneric[float32], 0) })
	t.Run("f32/dispatch", func(t *testing.T) { testIm2col(t, Im2col[float32], 0) })
	// A fill the SIMD kernel cannot express (it fills bytes) must still work.
	t.Run("f32/dispatch_fill", func(t *testing.T) { testIm2col(t, Im2col[float32], 0.5) })
}

func testIm2col[T uint8 | float32](t *testing.T, im2col func([]T, int, []T, int, int, int, int, int, int, T), fill T) {
	for _, g := range []struct{ h, w, c, k, s, p, extra int }{
		{7, 7, 3, 7, 2, 3, 0}, {8, 5, 4, 3, 1, 1, 0}, {9, 9, 2, 3, 2, 1, 3}, {4, 6, 8, 1, 2, 0, 0}, {1, 1, 3, 3, 1, 1, 0},
		{5, 3, 1, 7, 2, 3, 0}, {14, 14, 64, 3, 1, 1, 0}, {3, 8, 5, 3, 2, 0, 2},
	} {
		name := fmt.Sprintf("%dx%dx%d_k%d_s%d_p%d", g.h, g.w, g.c, g.k, g.s, g.p)
		src := make([]T, g.h*g.w*g.c)
		for i := range src {
			src[i] = T(i%250 + 1)
		}
		oh, ow := (g.h+2*g.p-g.k)/g.s+1, (g.w+2*g.p-g.k)/g.s+1
		kdim := g.k * g.k * g.c
		lda := PaddedK2(kdim) + g.extra // rows padded past K must be zeroed
		dst := make([]T, oh*ow*lda+1)
		for i := range dst {
			dst[i] = 77
		}
		im2col(dst[:oh*ow*lda], lda, src, g.h, g.w, g.c, g.k, g.s, g.p, fill)
		if dst[len(dst)-1] != 77 {
			t.Fatalf("%s: wrote past the end", name)
		}
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
							got := dst[(oy*ow+ox)*lda+(ky*g.k+kx)*g.c+ch]
							if got != want {
								t.Fatalf("%s: out (%d,%d) tap (%d,%d,%d) = %v, want %v", name, oy, ox, ky, kx, ch, got, want)
							}
						}
					}
				}
				for i := kdim; i < lda; i++ {
					if dst[(oy*ow+ox)*lda+i] != 0 {
						t.Fatalf("%s: K padding column %d not zero", name, i)
					}
				}
			}
		}
	}
}

var quantizeU8Impls = []struct {
	name string
	f    func([]uint8, []float32, float32, int32)
}{{"generic", quantizeU8Generic}, {"dispatch", QuantizeU8}}

func TestQuantizeU8(t *testing.T) {
	for _, impl := range quantizeU8Impls {
		t.Run(impl.name, func(t *testing.T) { testQuantizeU8(t, impl.f) })
	}
}

func testQuantizeU8(t *testing.T, quantize func([]uint8, []float32, float32, int32)) {
	src := []float32{0, 0.49, 0.5, 1.5, 254.4, 254.5, 300, -1, float32(math.NaN()), -0.5}
	// Twice over, so that the SIMD kernel's 16-wide body sees every case
	// too, not only its scalar tail.
	src = append(src, src...)
	dst := make([]uint8, len(src))
	quantize(dst, src, 1, 0)
	want := []uint8{0, 0, 1, 2, 254, 255, 255, 0, 0, 0}
	for i := range src {
		if dst[i] != want[i%len(want)] {
			t.Errorf("zp 0: element %d: %v → %d, want %d", i, src[i], dst[i], want[i%len(want)])
		}
	}
	src = []float32{-128, -127.6, 0, 127}
	for len(src) < 20 {
		src = append(src, src[:4]...)
	}
	quantize(dst, src, 1, 128)
	for i, w := range []uint8{0, 0, 128, 255} {
		for j := i; j < len(src); j += 4 {
			if dst[j] != w {
				t.Errorf("zp 128: element %d → %d, want %d", j, dst[j], w)
			}
		}
	}
}

// TestQuantizeU8Twins compares QuantizeU8 with its twin byte for byte over
// every length up to two SIMD blocks and a tail, special values included,
// with a guard byte after the output.
func TestQuantizeU8Twins(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -0.0, 1e30, -1e30,
		254.99998, 255, -0.99999, 0.5, 127.5, math.MaxFloat32, math.SmallestNonzeroFloat32}
	for n := 0; n <= 40; n++ {
		for _, zp := range []int32{0, 128} {
			src := randF32(r, n, -300, 300)
			for i := range src {
				if r.IntN(4) == 0 {
					src[i] = special[r.IntN(len(special))]
				}
			}
			inv := 0.3 + r.Float32()
			want := make([]uint8, n+1)
			got := make([]uint8, n+1)
			want[n], got[n] = 99, 99
			quantizeU8Generic(want[:n], src, inv, zp)
			QuantizeU8(got[:n], src, inv, zp)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("n %d zp %d inv %v: element %d (%v) → %d, twin %d", n, zp, inv, i, src[min(i, n-1)], got[i], want[i])
				}
			}
		}
	}
}

func TestMaxF32Twins(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 37; n++ {
		x := randF32(r, n, -5, 3)
		for _, abs := range []bool{false, true} {
			if got, want := maxOf(x, abs), maxF32Generic(x, abs); got != want {
				t.Fatalf("n %d abs %v: %v, twin %v", n, abs, got, want)
			}
		}
	}
	if got := MaxF32([]float32{-1, -2, -3, -4, -5}); got != 0 || math.Signbit(float64(got)) {
		t.Errorf("all negative: %v, want +0", got)
	}
	if got := MaxAbsF32([]float32{1, -7, 3, 2, 6}); got != 7 {
		t.Errorf("MaxAbsF32 = %v, want 7", got)
	}
}

func TestQuantizeRowsInt8(t *testing.T) {
	w := []float32{0, 0, 0, 1, -2, 0.5, 127, -127, 63.5}
	q, s := QuantizeRowsInt8(w, 3, 3)
	if s[0] != 0 || q[0] != 0 || q[1] != 0 || q[2] != 0 {
		t.Errorf("all-zero row: scale %v, q %v", s[0], q[:3])
	}
	if q[4] != -127 || q[3] != 64 || q[5] != 32 { // 1/(2/127)=63.5 → 64 (half away from zero)
		t.Errorf("row 1: %v scale %v", q[3:6], s[1])
	}
	if s[2] != 1 || q[6] != 127 || q[7] != -127 || q[8] != 64 {
		t.Errorf("row 2: %v scale %v", q[6:9], s[2])
	}
}

func TestMaxPool3x3s2(t *testing.T) {
	for _, impl := range []struct {
		name string
		f    func(dst, src []float32, h, w, c int)
	}{
		{"generic", maxPool3x3s2Generic},
		{"dispatch", func(dst, src []float32, h, w, c int) { MaxPool3x3s2(dst, src, h, w, c) }},
	} {
		t.Run(impl.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			// c = 2, 6: the SIMD kernel's fallback; odd and even sides.
			for _, g := range [][3]int{{5, 4, 2}, {1, 1, 4}, {2, 3, 8}, {7, 6, 4}, {8, 9, 64}, {4, 5, 6}} {
				h, w, c := g[0], g[1], g[2]
				oh, ow := (h-1)/2+1, (w-1)/2+1
				src := randF32(r, h*w*c, -3, 5)
				dst := make([]float32, oh*ow*c+1)
				dst[oh*ow*c] = guard
				impl.f(dst[:oh*ow*c], src, h, w, c)
				if dst[oh*ow*c] != guard {
					t.Fatalf("%v: wrote past the end", g)
				}
				for oy := range oh {
					for ox := range ow {
						for ch := range c {
							m := float32(math.Inf(-1))
							for y := max(0, 2*oy-1); y < min(h, 2*oy+2); y++ {
								for x := max(0, 2*ox-1); x < min(w, 2*ox+2); x++ {
									m = max(m, src[(y*w+x)*c+ch])
								}
							}
							if got := dst[(oy*ow+ox)*c+ch]; got != m {
								t.Fatalf("%v: (%d,%d,%d) = %v, want %v", g, oy, ox, ch, got, m)
							}
						}
					}
				}
			}
		})
	}
}

func randF32(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

// TestGemmF32Twins covers the epilogue parts TestGemmF32 leaves out (scale,
// residual, no ReLU) by comparing with the twin: the sums may differ in
// rounding only.
func TestGemmF32Twins(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		lda, ldo := k+3, n+1
		a, w := randF32(r, m*lda, -1, 1), PackO8K1(randF32(r, n*k, -1, 1), n, k)
		ep := Epilogue{Scale: randF32(r, n, 0.5, 2), Bias: randF32(r, n, -1, 1), Residual: randF32(r, m*ldo, -1, 1)}
		got, want := make([]float32, m*ldo), make([]float32, m*ldo)
		for i := range got {
			got[i], want[i] = guard, guard
		}
		GemmF32(got, ldo, a, lda, m, k, w, n, &ep)
		gemmF32Generic(want, ldo, a, lda, m, k, w, n, &ep)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*float64(k)*max(1, math.Abs(float64(want[i]))) {
				t.Fatalf("m%d_n%d_k%d: [%d][%d] = %v, twin %v", m, n, k, i/ldo, i%ldo, got[i], want[i])
			}
		}
	}
}

// TestDenseI8 checks the classifier against a float64 sum and its twin
// against the entry point bit for bit, for K below, at and past the 8-wide
// step with every remainder.
func TestDenseI8(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 7, 8, 9, 15, 16, 23, 512, 2048, 2051} {
		for _, n := range []int{1, 3, 10} {
			w := make([]int8, n*k)
			for i := range w {
				w[i] = int8(r.IntN(255) - 127)
			}
			x, scale, bias := randF32(r, k, 0, 4), randF32(r, n, 0.001, 0.01), randF32(r, n, -1, 1)
			got, twin := make([]float32, n), make([]float32, n)
			if ran := denseI8(got, w, scale, bias, x); ran != SIMD() {
				t.Fatalf("k%d n%d: SIMD dense ran: %v, SIMD kernels linked: %v", k, n, ran, SIMD())
			} else if !ran {
				DenseI8(got, w, scale, bias, x)
			}
			denseI8Generic(twin, w, scale, bias, x)
			for o := range n {
				var want float64
				for i := range k {
					want += float64(w[o*k+i]) * float64(x[i])
				}
				want = want*float64(scale[o]) + float64(bias[o])
				if math.Float32bits(got[o]) != math.Float32bits(twin[o]) {
					t.Fatalf("k%d n%d: out[%d] = %v, twin %v", k, n, o, got[o], twin[o])
				}
				if math.Abs(float64(got[o])-want) > 1e-5*max(1, math.Abs(want)) {
					t.Fatalf("k%d n%d: out[%d] = %v, float64 sum %v", k, n, o, got[o], want)
				}
			}
		}
	}
}
