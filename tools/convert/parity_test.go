package main

import (
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
)

// TestPyTorchParity is the whole path against PyTorch: checkpoint → reader →
// encoder → model file → engine logits, compared with the logits PyTorch
// computed (in float64) for the same seeded input. The fixtures are
// reduced-width torchvision ResNet-18/50 with random weights and non-trivial
// BatchNorm statistics (testdata/parity/gen.py), in all three source forms.
// The full-size networks on real photos are TestFullParity's.
func TestPyTorchParity(t *testing.T) {
	parity(t, "../../testdata/parity/", 112, "-w8", "-w4")
}

func parity(t *testing.T, dir string, size int, suffix18, suffix50 string) {
	h, w, classes := size, size, 1000
	for _, tc := range []struct {
		model string
		// Worst per-image cosine of int8 logits to PyTorch's. int8 is
		// measured for real on the default model in fidelity_test.go; here
		// random weights with random BatchNorm and 4-channel bottlenecks
		// make ResNet-50-w4 the harder case. Measured: ResNet-18-w8 0.99996,
		// ResNet-50-w4 0.9986 (with 8-bit activations and no wide layers
		// they were 0.9988 and 0.958).
		int8Cos float64
	}{
		{"resnet18" + suffix18, 0.9995},
		{"resnet50" + suffix50, 0.998},
	} {
		model := tc.model
		in := readF32(t, dir+model+".in.f32")
		want := readF32(t, dir+model+".logits.f32")
		batch := len(in) / (3 * h * w)
		if batch < 1 || batch*3*h*w != len(in) || len(want) != batch*classes {
			t.Fatalf("%s: %d input values and %d logits do not fit %d×3×%d×%d", model, len(in), len(want), batch, h, w)
		}
		for _, src := range []string{".pth", ".onnx", "-folded.onnx"} {
			_, n, err := read(dir + model + src)
			if err != nil {
				t.Fatal(err)
			}
			if err := setLabels(n, ""); err != nil {
				t.Fatal(err)
			}
			for _, q := range []modelfile.Quant{modelfile.F32, modelfile.Int8} {
				t.Run(model+src+"/"+string(q), func(t *testing.T) {
					b, err := encode.Encode(n, q, modelfile.Source{Format: "test"})
					if err != nil {
						t.Fatal(err)
					}
					m, err := engine.Load(b, modelfile.Verify)
					if err != nil {
						t.Fatal(err)
					}
					got, err := m.Logits(in, batch, h, w)
					if err != nil {
						t.Fatal(err)
					}
					rel, cos, top1 := agreement(got, want, batch, classes)
					t.Logf("max error %.2e relative to max |logit|, worst cosine %.6f, top-1 agreement %d/%d", rel, cos, top1, batch)
					switch q {
					case modelfile.F32:
						// float32 sums in another order than PyTorch's float64
						// ones, through up to 50 layers.
						if rel > 1e-4 || top1 != batch {
							t.Errorf("f32: error %.3g relative to max |logit| (limit 1e-4), top-1 %d/%d", rel, top1, batch)
						}
					case modelfile.Int8:
						if cos < tc.int8Cos {
							t.Errorf("int8: cosine %.5f < %g", cos, tc.int8Cos)
						}
					}
				})
			}
		}
	}
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	v, err := tensorfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// agreement compares batch×classes logits: the largest absolute error over
// the largest |want| of its image, the smallest per-image cosine, and how
// many images have the same top-1 class.
func agreement(got, want []float32, batch, classes int) (rel, cos float64, top1 int) {
	cos = 1
	for i := 0; i < batch; i++ {
		g, w := got[i*classes:(i+1)*classes], want[i*classes:(i+1)*classes]
		var maxW, maxE, dot, gg, ww float64
		for j := range w {
			a, b := float64(g[j]), float64(w[j])
			maxW = math.Max(maxW, math.Abs(b))
			maxE = math.Max(maxE, math.Abs(a-b))
			dot, gg, ww = dot+a*b, gg+a*a, ww+b*b
		}
		rel = math.Max(rel, maxE/maxW)
		cos = math.Min(cos, dot/math.Sqrt(gg*ww))
		if argmax(g) == argmax(w) {
			top1++
		}
	}
	return rel, cos, top1
}
