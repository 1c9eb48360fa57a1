package resnet_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

func randomNet(tb testing.TB, block modelfile.BlockKind, stages [4]int, width, classes int, q modelfile.Quant) *resnet.Net {
	tb.Helper()
	buf, err := encode.Encode(net.Random(block, modelfile.StrideOn3x3, stages, width, classes, 3), q, modelfile.Source{Format: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := modelfile.Parse(buf, modelfile.Trusted)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := resnet.New(f)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func testInput(h, w int) []float32 {
	in := make([]float32, h*w*3)
	for i := range in {
		in[i] = float32((i*7919)%509)/127 - 2
	}
	return in
}

// TestWinogradIdentical runs whole int8 networks with Winograd stride-1 3×3
// convolutions and with im2col GEMMs: the logits must be identical, on
// even and odd sizes (half-outside tiles at every stage).
func TestWinogradIdentical(t *testing.T) {
	for _, tc := range []struct {
		block  modelfile.BlockKind
		stages [4]int
	}{{modelfile.Basic, [4]int{2, 2, 2, 2}}, {modelfile.Bottleneck, [4]int{3, 4, 6, 3}}} {
		n := randomNet(t, tc.block, tc.stages, 8, 37, modelfile.Int8)
		for _, hw := range [][2]int{{64, 64}, {57, 45}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.block, hw[0], hw[1]), func(t *testing.T) {
				in := testInput(hw[0], hw[1])
				logits := func(wino bool) []float32 {
					n.SetWinograd(wino)
					out, err := n.Forward(in, hw[0], hw[1])
					if err != nil {
						t.Fatal(err)
					}
					return append([]float32(nil), out...)
				}
				wino, direct, again := logits(true), logits(false), logits(true)
				for i := range direct {
					if math.Float32bits(direct[i]) != math.Float32bits(wino[i]) || wino[i] != again[i] {
						t.Fatalf("logit %d: Winograd %v (again %v), direct %v", i, wino[i], again[i], direct[i])
					}
				}
			})
		}
	}
}

// BenchmarkConvPaths is the full-size int8 forward pass at 224×224 with and
// without Winograd, with whichever kernels are linked.
func BenchmarkConvPaths(b *testing.B) {
	in := testInput(224, 224)
	for _, tc := range []struct {
		name   string
		block  modelfile.BlockKind
		stages [4]int
	}{{"resnet18", modelfile.Basic, [4]int{2, 2, 2, 2}}, {"resnet50", modelfile.Bottleneck, [4]int{3, 4, 6, 3}}} {
		n := randomNet(b, tc.block, tc.stages, 64, 1000, modelfile.Int8)
		for _, wino := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/winograd=%v/simd=%v", tc.name, wino, kernels.SIMD()), func(b *testing.B) {
				n.SetWinograd(wino)
				for b.Loop() {
					if _, err := n.Forward(in, 224, 224); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestTrackedMax checks that the maxima the epilogues track (GEMM and
// Winograd, every worker) are the maxima of the tensors: whole int8
// networks give identical logits with them and with a separate pass.
func TestTrackedMax(t *testing.T) {
	for _, block := range []modelfile.BlockKind{modelfile.Basic, modelfile.Bottleneck} {
		stages := map[modelfile.BlockKind][4]int{modelfile.Basic: {2, 2, 2, 2}, modelfile.Bottleneck: {3, 4, 6, 3}}[block]
		n := randomNet(t, block, stages, 8, 37, modelfile.Int8)
		for _, wino := range []bool{true, false} {
			for _, hw := range [][2]int{{64, 64}, {71, 40}} {
				t.Run(fmt.Sprintf("%s/winograd=%v/%dx%d", block, wino, hw[0], hw[1]), func(t *testing.T) {
					in := testInput(hw[0], hw[1])
					n.SetWinograd(wino)
					logits := func(recompute bool) []float32 {
						resnet.SetRecomputeMax(n, recompute)
						out, err := n.Forward(in, hw[0], hw[1])
						if err != nil {
							t.Fatal(err)
						}
						return append([]float32(nil), out...)
					}
					tracked, pass := logits(false), logits(true)
					for i := range tracked {
						if math.Float32bits(tracked[i]) != math.Float32bits(pass[i]) {
							t.Fatalf("logit %d: %v with tracked maxima, %v with a separate pass", i, tracked[i], pass[i])
						}
					}
				})
			}
		}
	}
}
