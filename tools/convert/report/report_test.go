package report

import (
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// One row per convolution and the classifier, in forward order, each with
// a small, non-zero error: every layer's rounding moves the logits a little.
func TestLayers(t *testing.T) {
	n := net.Random(modelfile.Basic, modelfile.StrideOn3x3, [4]int{2, 2, 2, 2}, 8, 10, 3)
	src := modelfile.Source{Format: "test"}
	ranges, err := encode.Calibrate(n, src, "")
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, 64*64*3)
	for i := range in {
		in[i] = float32((i*7919)%509)/127 - 2
	}
	rows, err := Layers(n, src, ranges, [][]float32{in}, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+8*2+3+1 || rows[0].Layer != "conv1" || rows[len(rows)-1].Layer != "fc" {
		t.Fatalf("%d rows, first %q, last %q", len(rows), rows[0].Layer, rows[len(rows)-1].Layer)
	}
	for _, r := range rows {
		if !(r.RelErr > 0) || r.RelErr > 0.5 || !(r.MinCos > 0.8) || r.MinCos > 1+1e-9 {
			t.Errorf("%s: relative error %g, cosine %g", r.Layer, r.RelErr, r.MinCos)
		}
	}
}
