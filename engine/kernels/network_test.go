package kernels_test

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// TestNetworkSIMD runs whole random networks (basic and bottleneck blocks,
// int8 and f32) with the SIMD kernels and with the pure-Go twins in one
// instance: int8 logits must be identical, f32 within 1e-5 relative. Where
// no SIMD kernels are linked (natively, -tags purego) there is nothing to
// compare.
func TestNetworkSIMD(t *testing.T) {
	if !kernels.SIMD() {
		t.Skip("no SIMD kernels linked")
	}
	t.Cleanup(func() { _ = kernels.SetSIMD(true) })
	const side = 64
	in := make([]float32, 3*side*side)
	for i := range in {
		in[i] = float32((i*7919)%509)/127 - 2
	}
	for _, tc := range []struct {
		block  modelfile.BlockKind
		stages [4]int
	}{{modelfile.Basic, [4]int{2, 2, 2, 2}}, {modelfile.Bottleneck, [4]int{3, 4, 6, 3}}} {
		n := net.Random(tc.block, modelfile.StrideOn3x3, tc.stages, 8, 37, 3)
		for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
			t.Run(fmt.Sprintf("%s/%s", tc.block, q), func(t *testing.T) {
				buf, err := encode.Encode(n, q, modelfile.Source{Format: "test"})
				if err != nil {
					t.Fatal(err)
				}
				m, err := engine.Load(buf, modelfile.Trusted)
				if err != nil {
					t.Fatal(err)
				}
				logits := func(simd bool) []float32 {
					if err := kernels.SetSIMD(simd); err != nil {
						t.Fatal(err)
					}
					out, err := m.Logits(in, 1, side, side)
					if err != nil {
						t.Fatal(err)
					}
					return out
				}
				generic, simd := logits(false), logits(true)
				// f32: the plain SIMD module sums like the twin, up to
				// order; the relaxed one fuses multiply-adds (one rounding
				// instead of two), which the 1e-4 bound covers.
				tol := 1e-5
				if os.Getenv("RESNET_KERNELS_EXPECT") == "relaxed" {
					tol = 1e-4
				}
				for i := range generic {
					g, s := generic[i], simd[i]
					if q == modelfile.Int8 && math.Float32bits(g) != math.Float32bits(s) {
						t.Fatalf("logit %d: SIMD %v, generic %v (int8 must be identical)", i, s, g)
					}
					if q == modelfile.F32 && math.Abs(float64(s-g)) > tol*max(1, math.Abs(float64(g))) {
						t.Fatalf("logit %d: SIMD %v, generic %v", i, s, g)
					}
				}
			})
		}
	}
}

// BenchmarkForward is the whole forward pass of full-size ResNet-18 and
// ResNet-50 at 224×224 (random weights), with the SIMD kernels where they
// are linked and with the pure-Go twins.
func BenchmarkForward(b *testing.B) {
	in := make([]float32, 3*224*224)
	for i := range in {
		in[i] = float32(i%251)/125 - 1
	}
	for _, tc := range []struct {
		name   string
		block  modelfile.BlockKind
		stages [4]int
	}{{"resnet18", modelfile.Basic, [4]int{2, 2, 2, 2}}, {"resnet50", modelfile.Bottleneck, [4]int{3, 4, 6, 3}}} {
		n := net.Random(tc.block, modelfile.StrideOn3x3, tc.stages, 64, 1000, 1)
		for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
			buf, err := encode.Encode(n, q, modelfile.Source{Format: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			m, err := engine.Load(buf, modelfile.Trusted)
			if err != nil {
				b.Fatal(err)
			}
			for _, simd := range []bool{true, false} {
				if simd && !kernels.SIMD() {
					continue
				}
				name := fmt.Sprintf("%s-%s-generic", tc.name, q)
				if simd {
					name = fmt.Sprintf("%s-%s-simd", tc.name, q)
				}
				b.Run(name, func(b *testing.B) {
					if err := kernels.SetSIMD(simd); err != nil {
						b.Fatal(err)
					}
					defer kernels.SetSIMD(true)
					for b.Loop() {
						if _, err := m.Logits(in, 1, 224, 224); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
