package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The dense family: DenseI8, the classifier.

// TestDenseI8 checks each implementation against a float64 sum and bit for
// bit against the twin, for K below, at and past the 8-wide step with every
// remainder.
func TestDenseI8(t *testing.T) {
	testDense(t, implsOf(kDenseI8, denseI8Generic, DenseI8), denseI8Generic, 127)
}

// TestDenseI16 is TestDenseI8 for the wide classifier, weights up to ±32767.
func TestDenseI16(t *testing.T) {
	testDense(t, implsOf(kDenseI16, denseI16Generic, DenseI16), denseI16Generic, 32767)
}

func testDense[W int8 | int16](t *testing.T, impls []impl[func([]float32, []W, []float32, []float32, []float32)],
	twinF func([]float32, []W, []float32, []float32, []float32), wmax int) {
	// The cases' data come from one generator in a fixed order, drawn before
	// any subtest runs, so -run picks the same data as the full run.
	type denseCase struct {
		name           string
		w              []W
		x, scale, bias []float32
	}
	var cases []denseCase
	seed := uint64(8) // the int8 cases' data as before
	if wmax > 127 {
		seed = uint64(wmax)
	}
	r := rand.New(rand.NewPCG(7, seed))
	for _, k := range []int{1, 7, 8, 9, 15, 16, 23, 512, 2048, 2051} {
		for _, n := range []int{1, 3, 10} {
			w := make([]W, n*k)
			for i := range w {
				w[i] = W(r.IntN(2*wmax+1) - wmax)
			}
			c := denseCase{name: fmt.Sprintf("%s_k%d_n%d", vs("k", k, 8), k, n), w: w}
			c.x, c.scale, c.bias = randF32(r, k, 0, 4), randF32(r, n, 0.001, 0.01), randF32(r, n, -1, 1)
			cases = append(cases, c)
		}
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					w, x, scale, bias := c.w, c.x, c.scale, c.bias
					n, k := len(scale), len(x)
					out := newGuarded(n, float32(markF32))
					checkDispatch(t, impl.id, true, func() { impl.f(out.out(), w, scale, bias, x) })
					out.check(t)
					twin := make([]float32, n)
					twinF(twin, w, scale, bias, x)
					for o, got := range out.out() {
						var want, mag float64
						for i := range k {
							want += float64(w[o*k+i]) * float64(x[i])
							mag += math.Abs(float64(w[o*k+i]) * float64(x[i]))
						}
						want = want*float64(scale[o]) + float64(bias[o])
						// The twin check above is the exact one. Against float64,
						// float32 summation in this order is off by at most
						// about (k+3)·ε·Σ|terms|, which exceeds 1e-5 of the
						// result where terms cancel.
						tol := max(1e-5*max(1, math.Abs(want)), float64(k+3)*0x1p-24*mag*float64(scale[o]))
						if math.Float32bits(got) != math.Float32bits(twin[o]) {
							t.Fatalf("out[%d] = %v, twin %v", o, got, twin[o])
						}
						if math.Abs(float64(got)-want) > tol {
							t.Fatalf("out[%d] = %v, float64 sum %v", o, got, want)
						}
					}
				})
			}
		})
	}
}
