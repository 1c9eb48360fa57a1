package onnx

import (
	"fmt"
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/tensorfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/pth"
)

// Fixtures come from testdata/parity/gen.py: seeded reduced-width torchvision
// ResNets saved as a state dict, an ONNX export with BatchNorm kept, one with
// BatchNorm folded, an input batch and PyTorch's float64 logits for it.
const parity = "../../../testdata/parity/"

var models = []struct {
	name  string
	depth int
	block modelfile.BlockKind
}{
	{"resnet18-w8", 18, modelfile.Basic},
	{"resnet50-w4", 50, modelfile.Bottleneck},
}

// TestSameNetworkAsPyTorch reads each model three ways and checks that the
// BatchNorm-kept ONNX equals the state dict exactly, that the folded ONNX
// holds the state dict's BatchNorm folded into its convolutions, and that
// all three give PyTorch's logits under net's float64 reference forward pass.
func TestSameNetworkAsPyTorch(t *testing.T) {
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			ref, err := pth.Read(parity + m.name + ".pth")
			if err != nil {
				t.Fatal(err)
			}
			kept, err := Read(parity + m.name + ".onnx")
			if err != nil {
				t.Fatal(err)
			}
			folded, err := Read(parity + m.name + "-folded.onnx")
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []*net.Network{kept, folded} {
				if d, err := n.Depth(); err != nil || d != m.depth || n.Block != m.block || n.Stride != modelfile.StrideOn3x3 || n.Name != ref.Name {
					t.Fatalf("depth %d (%v), block %s, stride %s, name %s", d, err, n.Block, n.Stride, n.Name)
				}
			}
			sameNetwork(t, kept, ref)
			sameFolded(t, folded, ref)

			in := readF32(t, parity+m.name+".in.f32")
			want := readF32(t, parity+m.name+".logits.f32")
			const h, w = 112, 112
			batch := len(in) / (3 * h * w)
			if batch*3*h*w != len(in) || len(want) != batch*1000 {
				t.Fatalf("fixture sizes: %d inputs, %d logits", len(in), len(want))
			}
			for _, tc := range []struct {
				src string
				n   *net.Network
				tol float64
			}{
				// Same float32 weights summed in float64 as PyTorch did:
				// only the float32 rounding of the stored logits remains.
				{"pth", ref, 1e-5},
				{"onnx", kept, 1e-5},
				// Weights folded by PyTorch in float32 carry that rounding.
				{"folded onnx", folded, 3e-4},
			} {
				var worst float64
				for i := 0; i < batch; i++ {
					img := make([]float64, 3*h*w)
					for j, v := range in[i*3*h*w : (i+1)*3*h*w] {
						img[j] = float64(v)
					}
					got := tc.n.Reference(img, h, w)
					for j, g := range got {
						r := float64(want[i*1000+j])
						if d := math.Abs(g-r) / math.Max(1, math.Abs(r)); d > worst {
							worst = d
						}
					}
				}
				t.Logf("%s: worst relative logit error %.2g", tc.src, worst)
				if worst > tc.tol {
					t.Errorf("%s: logits differ from PyTorch by %.3g (relative), tolerance %g", tc.src, worst, tc.tol)
				}
			}
		})
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

// convs lists a network's convolutions in forward order.
func convs(n *net.Network) []*net.Conv {
	out := []*net.Conv{n.Stem}
	for _, s := range n.Stages {
		for _, b := range s {
			for _, c := range []*net.Conv{b.Conv1, b.Conv2, b.Conv3, b.Downsample} {
				if c != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func geometry(c *net.Conv) string {
	return fmt.Sprintf("%s %d→%d %d×%d/%d pad %d", c.Name, c.In, c.Out, c.K, c.K, c.Stride, c.Pad)
}

func sameGeometry(t *testing.T, got, want *net.Network) ([]*net.Conv, []*net.Conv) {
	t.Helper()
	g, w := convs(got), convs(want)
	if len(g) != len(w) {
		t.Fatalf("%d convolutions, want %d", len(g), len(w))
	}
	for i := range g {
		if geometry(g[i]) != geometry(w[i]) {
			t.Fatalf("conv %d: %s, want %s", i, geometry(g[i]), geometry(w[i]))
		}
	}
	if got.FC.In != want.FC.In || got.FC.Out != want.FC.Out {
		t.Fatalf("fc %d→%d, want %d→%d", got.FC.In, got.FC.Out, want.FC.In, want.FC.Out)
	}
	return g, w
}

func sameNetwork(t *testing.T, got, want *net.Network) {
	t.Helper()
	g, w := sameGeometry(t, got, want)
	for i := range g {
		a, b := g[i], w[i]
		if a.Bias != nil || a.BN == nil {
			t.Fatalf("%s: bias %v, BatchNorm %v; want BatchNorm only", a.Name, a.Bias != nil, a.BN != nil)
		}
		same(t, a.Name+".weight", a.Weight, b.Weight)
		same(t, a.Name+" gamma", a.BN.Gamma, b.BN.Gamma)
		same(t, a.Name+" beta", a.BN.Beta, b.BN.Beta)
		same(t, a.Name+" mean", a.BN.Mean, b.BN.Mean)
		same(t, a.Name+" var", a.BN.Var, b.BN.Var)
		if a.BN.Eps != b.BN.Eps {
			t.Errorf("%s eps %v, want %v", a.Name, a.BN.Eps, b.BN.Eps)
		}
	}
	same(t, "fc.weight", got.FC.Weight, want.FC.Weight)
	same(t, "fc.bias", got.FC.Bias, want.FC.Bias)
}

func same(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d values, want %d", what, len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s[%d] = %v, want %v", what, i, a[i], b[i])
		}
	}
}

// sameFolded checks folded convolutions against BatchNorm folded here in
// float64: w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).
func sameFolded(t *testing.T, folded, ref *net.Network) {
	t.Helper()
	g, w := sameGeometry(t, folded, ref)
	close := func(what string, i int, got float32, want float64) {
		if d := math.Abs(float64(got) - want); d > 1e-5*math.Max(1, math.Abs(want)) {
			t.Fatalf("%s[%d] = %v, want %v (folded in float64)", what, i, got, want)
		}
	}
	for i := range g {
		a, b := g[i], w[i]
		if a.BN != nil || len(a.Bias) != a.Out {
			t.Fatalf("%s: not folded (BatchNorm %v, %d biases)", a.Name, a.BN != nil, len(a.Bias))
		}
		per := len(b.Weight) / b.Out
		for o := 0; o < b.Out; o++ {
			s := float64(b.BN.Gamma[o]) / math.Sqrt(float64(b.BN.Var[o])+float64(b.BN.Eps))
			close(a.Name+" bias", o, a.Bias[o], float64(b.BN.Beta[o])-float64(b.BN.Mean[o])*s)
			for j := o * per; j < (o+1)*per; j++ {
				close(a.Name+".weight", j, a.Weight[j], float64(b.Weight[j])*s)
			}
		}
	}
	same(t, "fc.weight", folded.FC.Weight, ref.FC.Weight)
	same(t, "fc.bias", folded.FC.Bias, ref.FC.Bias)
}
