package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Shapes a GEMM must get right: every M remainder of the 4-row tile, every
// N remainder of the 8-channel panel, K below, at and above a pair, and the
// real ResNet shapes (stem K=147, 3×3×64 = 576, 1×1×2048).
var gemmShapes = func() [][3]int {
	var s [][3]int
	for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 13} {
		for _, n := range []int{1, 3, 7, 8, 9, 16, 17} {
			for _, k := range []int{1, 2, 3, 8, 147} {
				s = append(s, [3]int{m, n, k})
			}
		}
	}
	return append(s, [3]int{49, 64, 576}, [3]int{12, 10, 2048}, [3]int{30, 64, 147})
}()

const guard = 12345.678 // planted just past every output row, must survive

func TestGemmU8S8(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		for _, zp := range []int32{0, 128} {
			for _, withRes := range []bool{false, true} {
				name := fmt.Sprintf("m%d_n%d_k%d_zp%d_res%v", m, n, k, zp, withRes)
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
				ep := Epilogue{ZeroPoint: zp, WSum: RowSumsO8K2(packed, n, kp), Scale: scale, Bias: bias, ReLU: withRes}
				if withRes {
					ep.Residual = randF32(r, m*ldo, -2, 2)
				}
				// Each row of a holds garbage in its K padding column (when
				// k is odd) and in its stride gap: the packed zero weights
				// must cancel the first, the stride must skip the second.
				GemmU8S8(out, ldo, a, lda, m, kp, packed, n, &ep, make([]int64, WorkspaceU8S8(kp)))
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
						if withRes && want < 0 {
							want = 0
						}
						if got != want {
							t.Fatalf("%s: [%d][%d] = %v, want %v (int32 accumulator %d)", name, i, j, got, want, acc)
						}
					}
				}
			}
		}
	}
}

func TestGemmF32(t *testing.T) {
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
		GemmF32(out, ldo, a, lda, m, k, PackO8K1(w, n, k), n, &Epilogue{Bias: bias, ReLU: true})
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
	for _, g := range []struct{ h, w, c, k, s, p int }{
		{7, 7, 3, 7, 2, 3}, {8, 5, 4, 3, 1, 1}, {9, 9, 2, 3, 2, 1}, {4, 6, 8, 1, 2, 0}, {1, 1, 3, 3, 1, 1}, {5, 3, 1, 7, 2, 3},
	} {
		name := fmt.Sprintf("%dx%dx%d_k%d_s%d_p%d", g.h, g.w, g.c, g.k, g.s, g.p)
		src := make([]uint8, g.h*g.w*g.c)
		for i := range src {
			src[i] = uint8(i%250 + 1)
		}
		oh, ow := (g.h+2*g.p-g.k)/g.s+1, (g.w+2*g.p-g.k)/g.s+1
		kdim := g.k * g.k * g.c
		lda := PaddedK2(kdim)
		dst := make([]uint8, oh*ow*lda+1)
		dst[len(dst)-1] = 77
		Im2col(dst[:oh*ow*lda], lda, src, g.h, g.w, g.c, g.k, g.s, g.p, 200)
		if dst[len(dst)-1] != 77 {
			t.Fatalf("%s: wrote past the end", name)
		}
		for oy := range oh {
			for ox := range ow {
				for ky := range g.k {
					for kx := range g.k {
						for ch := range g.c {
							iy, ix := oy*g.s-g.p+ky, ox*g.s-g.p+kx
							want := uint8(200)
							if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
								want = src[(iy*g.w+ix)*g.c+ch]
							}
							got := dst[(oy*ow+ox)*lda+(ky*g.k+kx)*g.c+ch]
							if got != want {
								t.Fatalf("%s: out (%d,%d) tap (%d,%d,%d) = %d, want %d", name, oy, ox, ky, kx, ch, got, want)
							}
						}
					}
				}
				if lda > kdim && dst[(oy*ow+ox)*lda+kdim] != 0 {
					t.Fatalf("%s: K padding column not zero", name)
				}
			}
		}
	}
}

func TestQuantizeU8(t *testing.T) {
	src := []float32{0, 0.49, 0.5, 1.5, 254.4, 254.5, 300, -1, float32(math.NaN()), -0.5}
	dst := make([]uint8, len(src))
	QuantizeU8(dst, src, 1, 0)
	want := []uint8{0, 0, 1, 2, 254, 255, 255, 0, 0, 0}
	for i := range want {
		if dst[i] != want[i] {
			t.Errorf("zp 0: %v → %d, want %d", src[i], dst[i], want[i])
		}
	}
	QuantizeU8(dst, []float32{-128, -127.6, 0, 127}, 1, 128)
	for i, w := range []uint8{0, 0, 128, 255} {
		if dst[i] != w {
			t.Errorf("zp 128: element %d → %d, want %d", i, dst[i], w)
		}
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
	h, w, c := 5, 4, 2
	src := make([]float32, h*w*c)
	for i := range src {
		src[i] = float32((i * 37) % 23)
	}
	dst := make([]float32, 3*2*c)
	oh, ow := MaxPool3x3s2(dst, src, h, w, c)
	if oh != 3 || ow != 2 {
		t.Fatalf("output %d×%d, want 3×2", oh, ow)
	}
	for oy := range oh {
		for ox := range ow {
			for ch := range c {
				var m float32
				for y := max(0, 2*oy-1); y < min(h, 2*oy+2); y++ {
					for x := max(0, 2*ox-1); x < min(w, 2*ox+2); x++ {
						m = max(m, src[(y*w+x)*c+ch])
					}
				}
				if got := dst[(oy*ow+ox)*c+ch]; got != m {
					t.Fatalf("(%d,%d,%d) = %v, want %v", oy, ox, ch, got, m)
				}
			}
		}
	}
}

func randF32(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}
