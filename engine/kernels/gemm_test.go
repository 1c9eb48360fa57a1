package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The GEMM family: GemmU16S8, GemmF32 and GemmS16S16, one harness each over
// the same cases.

type gemmCase struct {
	name    string
	m, n, k int
}

// gemmCases: every M remainder of the 4-row tile, every N remainder of the
// 8-channel panel, K below, at and above a pair and the SIMD kernels'
// 8-element step (with 1 and 3 pairs left), then the real ResNet shapes and
// M past the int8 kernel's row block (16384/(Kp+1) rows) with a remainder.
var gemmCases = func() []gemmCase {
	var cs []gemmCase
	for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 13} {
		for _, n := range []int{1, 3, 7, 8, 9, 16, 17} {
			for _, k := range []int{1, 2, 3, 8, 9, 14, 147} {
				name := fmt.Sprintf("%s_%s_%s_%dx%dx%d", vs("m", m, 4), vs("n", n, 8), vs("k", k, 8), m, n, k)
				cs = append(cs, gemmCase{name, m, n, k})
			}
		}
	}
	return append(cs,
		gemmCase{"resnet_stem_7x7x3", 30, 64, 147},
		gemmCase{"resnet_3x3x64", 49, 64, 576},
		gemmCase{"resnet_1x1x2048", 12, 10, 2048},
		gemmCase{"resnet_3x3x512", 9, 72, 4608},
		gemmCase{"row_block_rem", 331, 24, 147},
	)
}()

// gemmEpilogues: what a GEMM's epilogue can be asked to do.
var gemmEpilogues = []struct {
	name      string
	res, relu bool
}{{"plain", false, false}, {"relu", false, true}, {"residual_relu", true, true}}

var gemmU16S8Impls = implsOf(kGemmU16S8, gemmU16S8Generic, GemmU16S8)

var gemmU16S16Impls = implsOf(kGemmU16S16, gemmU16S16Generic, GemmU16S16)

var gemmF32Impls = implsOf(kGemmF32, gemmF32Generic, GemmF32)

var gemmS16S16Impls = implsOf(kGemmS16S16, gemmS16S16Generic, GemmS16S16)

func TestGemmU16S8(t *testing.T) {
	for _, impl := range gemmU16S8Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range gemmCases {
				t.Run(c.name, func(t *testing.T) {
					for _, signed := range []bool{false, true} {
						for ei, e := range gemmEpilogues {
							t.Run(fmt.Sprintf("signed%v_%s", signed, e.name), func(t *testing.T) {
								testGemmU16(t, impl, c, signed, e.res, e.relu, 127, rng(c.m, c.n, c.k, int(b2int(signed)), ei))
							})
						}
					}
				})
			}
		})
	}
}

// TestGemmU16S16 is TestGemmU16S8 for wide weights, in the range the
// converter gives them (±4095) and at int16's edge (±32767), where fewer
// activation levels fit.
func TestGemmU16S16(t *testing.T) {
	for _, impl := range gemmU16S16Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range gemmCases {
				t.Run(c.name, func(t *testing.T) {
					for _, wmax := range []int{4095, 32767} {
						for ei, e := range gemmEpilogues {
							signed := ei == 1
							t.Run(fmt.Sprintf("w%d_signed%v_%s", wmax, signed, e.name), func(t *testing.T) {
								testGemmU16(t, impl, c, signed, e.res, e.relu, wmax, rng(c.m, c.n, c.k, wmax, ei))
							})
						}
					}
				})
			}
		})
	}
}

type gemmU16Func[W int8 | int16] = func([]float32, int, []uint16, int, int, int, []W, int, *Epilogue, []int64)

// testGemmU16 runs one case, with weights in ±wmax, with activations up to the largest value
// the weights allow (actTop): well past 8 bits, where a kernel that read
// bytes, or summed in 16 bits, would show. signed gives the stem's zero
// point, half of that.
func testGemmU16[W int8 | int16](t *testing.T, impl impl[gemmU16Func[W]], c gemmCase, signed, withRes, relu bool, wmax int, r *rand.Rand) {
	m, n, k := c.m, c.n, c.k
	kp := PaddedK2(k)
	lda := kp + 2 // strided A: rows are not adjacent
	w := make([]W, n*k)
	for i := range w {
		w[i] = W(r.IntN(2*wmax+1) - wmax)
	}
	top := actTop(PackO8K2(w, n, k), n, kp, 1)
	a := randU16(r, m*lda, top)
	var zp int32
	if signed {
		zp = int32(top / 2)
	}
	scale, bias := randF32(r, n, 0.001, 0.01), randF32(r, n, -1, 1)
	ldo := n + 3 // gaps between output rows must stay untouched
	out := newGuarded(m*ldo, float32(markF32))
	packed := PackO8K2(w, n, k)
	ep := Epilogue{ZeroPoint: zp, WSum: RowSumsO8K2(packed, n, kp), Scale: scale, Bias: bias, ReLU: relu}
	if withRes {
		ep.Residual = randF32(r, m*ldo, -2, 2)
	}
	// The running maximum starts above nothing written when there is no
	// ReLU, and must then stay where it was.
	start := float32(math.Inf(-1))
	if !relu {
		start = -0.5
	}
	gotMax, wantMax := start, start
	ep.Max = &gotMax
	// Each row of a holds garbage in its K padding column (when k is odd)
	// and in its stride gap: the packed zero weights must cancel the first,
	// the stride must skip the second.
	checkDispatch(t, impl.id, true, func() {
		impl.f(out.out(), ldo, a, lda, m, kp, packed, n, &ep, make([]int64, WorkspaceU16S8(kp)))
	})
	out.checkRows(t, m, n, ldo, func(i, j int, g float32) {
		var acc int32
		for x := range k {
			acc += (int32(a[i*lda+x]) - zp) * int32(w[j*k+x])
		}
		want := float32(acc)*scale[j] + bias[j]
		if withRes {
			want += ep.Residual[i*ldo+j]
		}
		if relu && want < 0 {
			want = 0
		}
		if math.Float32bits(g) != math.Float32bits(want) {
			t.Fatalf("[%d][%d] = %v, want %v (int32 accumulator %d)", i, j, g, want, acc)
		}
		wantMax = max(wantMax, want)
	})
	if math.Float32bits(gotMax) != math.Float32bits(wantMax) {
		t.Fatalf("running maximum %v, want %v", gotMax, wantMax)
	}
}

// TestGemmF32 checks each implementation against a float64 sum: bias and
// ReLU, then scale and residual without ReLU. float32 sums in another order
// differ by at most about (k+3)·ε·Σ|terms|.
func TestGemmF32(t *testing.T) {
	for _, impl := range gemmF32Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range gemmCases {
				t.Run(c.name, func(t *testing.T) {
					for _, e := range []struct {
						name           string
						scaleRes, relu bool
					}{{"bias_relu", false, true}, {"scale_residual", true, false}} {
						t.Run(e.name, func(t *testing.T) {
							m, n, k := c.m, c.n, c.k
							r := rng(m, n, k, len(e.name))
							lda, ldo := k+1, n+2
							a, w := randF32(r, m*lda, -1, 1), randF32(r, n*k, -1, 1)
							ep := Epilogue{Bias: randF32(r, n, -1, 1), ReLU: e.relu}
							if e.scaleRes {
								ep.Scale, ep.Residual = randF32(r, n, 0.5, 2), randF32(r, m*ldo, -1, 1)
							}
							out := newGuarded(m*ldo, float32(markF32))
							checkDispatch(t, impl.id, true, func() {
								impl.f(out.out(), ldo, a, lda, m, k, PackO8K1(w, n, k), n, &ep)
							})
							out.checkRows(t, m, n, ldo, func(i, j int, g float32) {
								var sum, mag float64
								for x := range k {
									p := float64(a[i*lda+x]) * float64(w[j*k+x])
									sum += p
									mag += math.Abs(p)
								}
								want := sum
								if ep.Scale != nil {
									want *= float64(ep.Scale[j])
									mag *= float64(ep.Scale[j])
								}
								want += float64(ep.Bias[j])
								mag += math.Abs(float64(ep.Bias[j]))
								if ep.Residual != nil {
									want += float64(ep.Residual[i*ldo+j])
									mag += math.Abs(float64(ep.Residual[i*ldo+j]))
								}
								if e.relu {
									want = max(want, 0)
								}
								if math.Abs(float64(g)-want) > float64(k+3)*6e-8*mag+1e-7 {
									t.Fatalf("[%d][%d] = %v, want %v", i, j, g, want)
								}
							})
						})
					}
				})
			}
		})
	}
}

// TestGemmNegativeZero pins the ReLU's definition, "if v < 0 then 0", which
// keeps −0 (f32x4.max(v, 0) would not): the kernels must agree bit for bit
// even there. Full panel and partial panel, int8 and f32.
func TestGemmNegativeZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	for _, n := range []int{8, 3} {
		t.Run(vs("n", n, 8), func(t *testing.T) {
			scale, bias := make([]float32, n), make([]float32, n)
			for i := range n {
				scale[i], bias[i] = -1, negZero
			}
			ep := Epilogue{Scale: scale, Bias: bias, ReLU: true}
			out, outF := newGuarded(5*n, float32(markF32)), newGuarded(5*n, float32(markF32))
			checkDispatch(t, kGemmU16S8, true, func() {
				GemmU16S8(out.out(), n, make([]uint16, 5*2), 2, 5, 2, make([]int8, PaddedN(n)*2), n, &ep, make([]int64, WorkspaceU16S8(2)))
			})
			checkDispatch(t, kGemmF32, true, func() {
				GemmF32(outF.out(), n, make([]float32, 5), 1, 5, 1, make([]float32, PaddedN(n)), n, &ep)
			})
			out.check(t)
			outF.check(t)
			for i, v := range out.out() {
				if f := outF.out()[i]; !math.Signbit(float64(v)) || !math.Signbit(float64(f)) {
					t.Fatalf("element %d: int8 %v, f32 %v, want -0", i, v, f)
				}
			}
		})
	}
}

// TestGemmS16S16 checks the Winograd GEMM's raw int32 products: exact sums
// in the first n columns, zeros in the padded ones (the packed weights are
// zero there), nothing past the whole panels. Value ranges are the
// Winograd domain's (|a| ≤ 1020, |w| ≤ 1143), narrowed for long K so that
// every sum fits int32 as the caller guarantees.
func TestGemmS16S16(t *testing.T) {
	cases := append(gemmCases[:len(gemmCases):len(gemmCases)],
		gemmCase{"winograd_14x14x64", 33, 64, 64},
		gemmCase{"winograd_7x7x128", 11, 24, 128},
		gemmCase{"winograd_5x3x256", 4, 16, 256})
	for _, impl := range gemmS16S16Impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					m, n, kp := c.m, c.n, PaddedK2(c.k)
					np := PaddedN(n)
					r := rng(m, n, kp)
					amax := min(1020, (1<<31-1)/(kp*1143))
					lda := kp + 2
					a := make([]int16, m*lda)
					for i := range a {
						a[i] = int16(r.IntN(2*amax+1) - amax)
					}
					w := make([]int16, np*kp)
					for i := range w {
						if i/(PanelN*kp)*PanelN+i%(2*PanelN)/2 < n { // zero past n, as packed
							w[i] = int16(r.IntN(2287) - 1143)
						}
					}
					ldo := np + 4
					out := newGuarded(m*ldo, int32(-9))
					checkDispatch(t, impl.id, true, func() {
						impl.f(out.out(), ldo, a, lda, m, kp, w, n, make([]int64, WorkspaceS16S16(kp)))
					})
					out.checkRows(t, m, np, ldo, func(i, j int, got int32) {
						var want int32 // past n: zero weights
						for k := range kp {
							if j < n {
								want += int32(a[i*lda+k]) * int32(w[(j/PanelN)*PanelN*kp+(k/2)*2*PanelN+(j%PanelN)*2+k%2])
							}
						}
						if got != want {
							t.Fatalf("[%d][%d] = %d, want %d", i, j, got, want)
						}
					})
				})
			}
		})
	}
}

func b2int(b bool) int {
	if b {
		return 1
	}
	return 0
}
