package encode

import (
	"bytes"
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// The engine's forward pass (folded, HWC, packed GEMMs) against the obvious
// float64 NCHW reference on the unfolded network, for every block kind and
// stride placement, at sizes that leave odd spatial edges.
func TestEngineMatchesReference(t *testing.T) {
	cases := []struct {
		name   string
		block  modelfile.BlockKind
		stride modelfile.StridePlacement
		stages [4]int
		width  int
		h, w   int
	}{
		{"resnet18-w8", modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 64, 64},
		{"resnet18-w8-odd", modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 61, 77},
		{"resnet50-w4-v1.5", modelfile.Bottleneck, modelfile.StrideOn3x3, [4]int{3, 4, 6, 3}, 4, 64, 48},
		{"resnet50-w4-v1", modelfile.Bottleneck, modelfile.StrideOn1x1, [4]int{3, 4, 6, 3}, 4, 57, 64},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := net.Random(tc.block, tc.stride, tc.stages, tc.width, 10, uint64(i+1))
			input := randomInput(tc.h, tc.w, uint64(i+100))
			want := n.Reference(input, tc.h, tc.w)
			in32 := make([]float32, len(input))
			for j, v := range input {
				in32[j] = float32(v)
			}
			for _, q := range []modelfile.Quant{modelfile.F32, modelfile.Int8} {
				b, err := Encode(n, q, modelfile.Source{Format: "test"})
				if err != nil {
					t.Fatal(err)
				}
				m, err := engine.Load(b, modelfile.Verify)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Logits(in32, 1, tc.h, tc.w)
				if err != nil {
					t.Fatal(err)
				}
				rel, cos := compare(got, want)
				t.Logf("%s: max error %.2e relative to max |logit|, cosine %.6f", q, rel, cos)
				switch q {
				case modelfile.F32:
					if rel > 1e-4 {
						t.Errorf("f32: max error %.3g relative to max |logit| > 1e-4", rel)
					}
				case modelfile.Int8:
					// Per-tensor 8-bit activations and per-channel 8-bit weights
					// through 50 layers of random weights: well above 0.99 here.
					if cos < 0.99 {
						t.Errorf("int8: cosine %.5f < 0.99", cos)
					}
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 7)
	a, err := Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Encode(n, modelfile.Int8, modelfile.Source{Format: "test"})
	if !bytes.Equal(a, b) {
		t.Fatal("same network encoded twice gives different bytes")
	}
}

func randomInput(h, w int, seed uint64) []float64 {
	v := make([]float64, 3*h*w)
	r := seed
	for i := range v {
		r = r*6364136223846793005 + 1442695040888963407
		v[i] = (float64(r>>11)/float64(1<<53))*4 - 2
	}
	return v
}

func compare(got []float32, want []float64) (rel, cos float64) {
	var amax, emax, dot, ng, nw float64
	for i, w := range want {
		g := float64(got[i])
		amax = max(amax, math.Abs(w))
		emax = max(emax, math.Abs(g-w))
		dot += g * w
		ng += g * g
		nw += w * w
	}
	return emax / amax, dot / math.Sqrt(ng*nw)
}

// Bias correction keeps each channel's output on the calibration means where
// the float weights put it: ŵ·μ + b̂ = w·μ + b for every channel; a
// calibration of the wrong size is refused.
func TestCorrectBias(t *testing.T) {
	const rows, kdim = 5, 37
	w := make([]float32, rows*kdim)
	mean := make([]float64, kdim)
	for i := range w {
		w[i] = float32(math.Sin(float64(7*i + 1)))
	}
	for j := range mean {
		mean[j] = 0.5 + 0.4*math.Cos(float64(j)) // post-ReLU inputs: means well away from 0
	}
	bias := []float32{0.1, -0.2, 0.3, 0, 1}
	orig := append([]float32(nil), bias...)
	deq := func(i int) float64 { return math.Round(float64(w[i])*20) / 20 } // a coarse grid
	correctBias(bias, w, kdim, mean, deq)
	for o := range rows {
		var exact, rounded float64
		for j, mu := range mean {
			exact += float64(w[o*kdim+j]) * mu
			rounded += deq(o*kdim+j) * mu
		}
		exact += float64(orig[o])
		rounded += float64(bias[o])
		if math.Abs(exact-rounded) > 1e-6 {
			t.Errorf("channel %d: mean output %.7f with rounded weights, %.7f with float ones", o, rounded, exact)
		}
		if bias[o] == orig[o] {
			t.Errorf("channel %d: bias unchanged", o)
		}
	}

	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3)
	c := n.Stages[2][0].Conv1
	short := &ColumnStats{Mean: make([]float64, 3)}
	if _, err := convTensors(c, modelfile.Int8, false, short); err == nil {
		t.Errorf("a calibration with 3 columns for a %d-column layer was accepted", c.K*c.K*c.In)
	}
}
