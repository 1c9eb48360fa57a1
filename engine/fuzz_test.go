package engine_test

import (
	"math"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// FuzzLoad: whatever the bytes, with the checksum not checked (as the page
// does after its own check), Load refuses them or gives a model that
// classifies a frame to finite probabilities or a clear error — never a
// panic, never NaN shown as an answer.
func FuzzLoad(f *testing.F) {
	for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
		n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 1, 2, 9)
		n.Pre.Resize, n.Pre.Crop = 32, 32 // the smallest input Forward takes: fast executions
		b, err := encode.Encode(n, q, modelfile.Source{Format: "test"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	frame := make([]byte, 40*40*4)
	for i := range frame {
		frame[i] = byte(i * 31)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := engine.Load(b, modelfile.Trusted)
		if err != nil {
			return
		}
		if need := int64(len(b)) + engine.Need(m.Meta()); need > engine.FileBudget(int64(len(b))) {
			t.Fatalf("loaded a model needing %d bytes, over its budget", need)
		}
		r, err := m.ClassifyRGBA(frame, 40, 40, 160, 3)
		if err != nil {
			return
		}
		for _, p := range r.Top {
			if math.IsNaN(float64(p.Prob)) || p.Prob < 0 || p.Prob > 1 {
				t.Fatalf("probability %v", p.Prob)
			}
		}
	})
}
