package calib

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// bruteErr quantises x as the engine does (256 levels over [0, min(c,
// max)], round to nearest, saturate) and sums the squared error.
func bruteErr(x []float32, c float64) float64 {
	var top float64
	for _, v := range x {
		top = max(top, float64(v))
	}
	top = min(top, c)
	step := top / 255
	var e float64
	for _, v := range x {
		q := max(0, min(255, math.Round(float64(v)/step)))
		d := q*step - float64(v)
		e += d * d
	}
	return e
}

// The histogram's error model agrees with quantising for real, on a
// post-ReLU-like tensor (many zeros, a long tail).
func TestSqErrMatchesQuantising(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 200000)
	for i := range x {
		if r.IntN(2) == 0 {
			x[i] = float32(r.ExpFloat64())
		}
	}
	h := newHist(x)
	for _, c := range []float64{2, 4, 6, 8, h.max} {
		got, want := h.sqErr(c), bruteErr(x, c)
		if math.Abs(got-want) > 0.1*want {
			t.Errorf("ceiling %.1f: histogram error %.4g, quantising gives %.4g", c, got, want)
		}
	}
}

// A long tail is clipped (its few large values cost less saturated than the
// coarser step would cost every other value); a tensor with no tail keeps
// its maximum.
func TestCeiling(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tail := make([]float32, 100000)
	flat := make([]float32, 100000)
	for i := range tail {
		tail[i] = float32(r.ExpFloat64())
		flat[i] = float32(r.Float64())
	}
	h := newHist(tail)
	c := ceiling([]*hist{h})
	if float64(c) > 0.95*h.max {
		t.Errorf("ceiling %.2f of an exponential tail reaching %.2f: not clipped", c, h.max)
	}
	best := math.Inf(1)
	for k := 1; k <= 200; k++ {
		best = min(best, bruteErr(tail, h.max*float64(k)/200))
	}
	if e := bruteErr(tail, float64(c)); e > 1.01*best {
		t.Errorf("ceiling %.2f: error %.4g, a ceiling on a 1/200 grid reaches %.4g", c, e, best)
	}
	if c := ceiling([]*hist{newHist(flat)}); c < 0.95 {
		t.Errorf("ceiling %.3f of a uniform [0, 1) tensor, want its maximum", c)
	}
	if c := ceiling([]*hist{newHist(make([]float32, 10))}); c != math.MaxFloat32 {
		t.Errorf("all-zero tensor: ceiling %g, want no clipping", c)
	}
}

// The built-in set decodes into network inputs by the model's recipe.
func TestBuiltin(t *testing.T) {
	in, err := Inputs(modelfile.CaffePreprocess, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(in) < 16 || len(in[0]) != 224*224*3 {
		t.Fatalf("%d inputs of %d values", len(in), len(in[0]))
	}
	if _, err := Inputs(modelfile.CaffePreprocess, t.TempDir()); err == nil {
		t.Error("an empty -calib directory was accepted")
	}
}
