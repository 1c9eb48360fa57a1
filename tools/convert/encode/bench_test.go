package encode

import (
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// Native forward-pass latency of full-size ResNet-18 and ResNet-50 at
// 224×224 (random weights: the arithmetic is the same).
func BenchmarkForward(b *testing.B) {
	for _, tc := range []struct {
		name   string
		block  modelfile.BlockKind
		stages [4]int
	}{
		{"resnet18", modelfile.Basic, [4]int{2, 2, 2, 2}},
		{"resnet50", modelfile.Bottleneck, [4]int{3, 4, 6, 3}},
	} {
		n := net.Random(tc.block, modelfile.StrideOn3x3, tc.stages, 64, 1000, 1)
		for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
			b.Run(tc.name+"-"+string(q), func(b *testing.B) {
				buf, err := Encode(n, q, modelfile.Source{Format: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				m, err := engine.Load(buf, modelfile.Trusted)
				if err != nil {
					b.Fatal(err)
				}
				in := make([]float32, 3*224*224)
				for i := range in {
					in[i] = float32(i%251)/125 - 1
				}
				for b.Loop() {
					if _, err := m.Logits(in, 1, 224, 224); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
