package encode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// TestWideConvLevels: a wide layer's weight levels leave its input as many
// levels as its weights (within the int32 budget the engine divides), are
// capped where the budget is loose, and never fall below int8's.
func TestWideConvLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		k, stride, in int
		want          string // "cap" or "balanced"
	}{
		{1, 1, 16, "cap"},
		{3, 1, 4, "cap"},
		{1, 1, 1024, "balanced"},
		{3, 1, 512, "balanced"},
		{3, 2, 256, "balanced"},
	} {
		c := &net.Conv{K: tc.k, Stride: tc.stride, In: tc.in, Out: 8}
		kdim := c.K * c.K * c.In
		w := make([]float32, c.Out*kdim)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
		}
		q := wideConvLevels(w, c)
		qmax, sums := WideConvMax, 4
		if tc.k != 3 || tc.stride != 1 {
			qmax, sums = WideConvMax, 1
		} else {
			qmax = kernels.WinogradWideMax
		}
		qw, _ := kernels.QuantizeRowsInt16(w, c.Out, kdim, q)
		var l1 int64
		for n := range c.Out {
			var s int64
			for _, v := range qw[n*kdim : (n+1)*kdim] {
				s += int64(max(v, -v))
			}
			l1 = max(l1, s)
		}
		levels := math.MaxInt32 / (int64(sums) * l1) // the engine's rule (engine/resnet/levels.go)
		switch tc.want {
		case "cap":
			if q != qmax {
				t.Errorf("k=%d in=%d: Q = %d, want the cap %d", tc.k, tc.in, q, qmax)
			}
		case "balanced":
			if q >= qmax || q < 127 {
				t.Errorf("k=%d in=%d: Q = %d, want within [127, %d)", tc.k, tc.in, q, qmax)
			}
			if r := float64(levels) / float64(q); r < 0.9 || r > 1.2 {
				t.Errorf("k=%d in=%d: Q = %d weight levels against %d input levels (ratio %.2f), want them balanced", tc.k, tc.in, q, levels, r)
			}
		}
	}
}
