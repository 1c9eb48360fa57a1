package encode

import (
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/kernels"
)

// correlatedInputs are m rows of k non-negative inputs that share a common
// part, as a layer's inputs after a ReLU do, and their Gram matrix.
func correlatedInputs(m, k int) ([]float64, []float64) {
	x := make([]float64, m*k)
	for r := range m {
		common := math.Sin(float64(3*r + 1))
		for j := range k {
			x[r*k+j] = max(0, common+0.7*math.Sin(float64(r*k+j)*1.618+float64(j)))
		}
	}
	g := make([]float64, k*k)
	for r := range m {
		for i := range k {
			for j := range k {
				g[i*k+j] += x[r*k+i] * x[r*k+j] / float64(m)
			}
		}
	}
	return x, g
}

// Error feedback keeps the per-channel grid and lowers the output error on
// the inputs it was fitted to below plain rounding's.
func TestGPTQ(t *testing.T) {
	const rows, k, m = 16, 96, 400
	x, g := correlatedInputs(m, k)
	w := make([]float32, rows*k)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)*0.37) * math.Exp(-float64(i%k)/200))
	}
	qn, sn := kernels.QuantizeRowsInt8(w, rows, k)
	qg, sg, err := quantizeRowsInt8GPTQ(w, rows, k, g)
	if err != nil {
		t.Fatal(err)
	}
	outErr := func(q []int8, s []float32) float64 {
		var e float64
		for r := range m {
			for o := range rows {
				var d float64
				for j := range k {
					d += (float64(q[o*k+j])*float64(s[o]) - float64(w[o*k+j])) * x[r*k+j]
				}
				e += d * d
			}
		}
		return e
	}
	for o := range rows {
		if sg[o] != sn[o] {
			t.Fatalf("row %d: scale %g, the per-channel grid's %g", o, sg[o], sn[o])
		}
	}
	en, eg := outErr(qn, sn), outErr(qg, sg)
	t.Logf("output error energy: nearest %.4g, error feedback %.4g (%.2f×)", en, eg, eg/en)
	if !(eg < 0.7*en) {
		t.Errorf("error feedback %.4g is not well below plain rounding's %.4g", eg, en)
	}
}

// U is upper triangular with Uᵀ·U·(H + λI) = I.
func TestInverseCholeskyUpper(t *testing.T) {
	const k = 40
	_, g := correlatedInputs(100, k)
	u, err := inverseCholeskyUpper(g, k)
	if err != nil {
		t.Fatal(err)
	}
	var trace float64
	for i := range k {
		trace += g[i*k+i]
	}
	lambda := gptqDamp * trace / k
	for i := range k {
		for j := range i {
			if u[i*k+j] != 0 {
				t.Fatalf("U[%d][%d] = %g below the diagonal", i, j, u[i*k+j])
			}
		}
	}
	for i := range k {
		for j := range k {
			var s float64 // (Uᵀ·U·H)[i][j]
			for a := range k {
				var utu float64
				for b := range k {
					utu += u[b*k+i] * u[b*k+a]
				}
				h := g[a*k+j]
				if a == j {
					h += lambda
				}
				s += utu * h
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(s-want) > 1e-8 {
				t.Fatalf("(UᵀU·H)[%d][%d] = %g, want %g", i, j, s, want)
			}
		}
	}
	if _, err := inverseCholeskyUpper(g[:10], k); err == nil {
		t.Error("a Gram matrix of the wrong size was accepted")
	}
}
