package resnet_test

import (
	"runtime"
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/resnet"
)

// Footprint, computed from a model's description alone, must cover what the
// first forward pass really allocates (run state, workspaces, Winograd
// weights) — hosts refuse models on its word — and stay close to it, so
// that it does not refuse models a host can afford.
func TestFootprintCoversAllocations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		block modelfile.BlockKind
		q     modelfile.Quant
		h, w  int
	}{
		{"basic int8 224", modelfile.Basic, modelfile.Int8, 224, 224},
		{"basic f32 224", modelfile.Basic, modelfile.F32, 224, 224},
		{"bottleneck int8 224", modelfile.Bottleneck, modelfile.Int8, 224, 224},
		{"bottleneck f32 97x130", modelfile.Bottleneck, modelfile.F32, 97, 130},
		{"bottleneck int8 320x200", modelfile.Bottleneck, modelfile.Int8, 320, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stages := [4]int{2, 2, 2, 2}
			if tc.block == modelfile.Bottleneck {
				stages = [4]int{3, 4, 6, 3}
			}
			n := randomNet(t, tc.block, stages, 16, 10, tc.q)
			img := make([]float32, tc.h*tc.w*3)
			for i := range img {
				img[i] = float32(i%255)/64 - 2
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := n.Forward(img, tc.h, tc.w); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			est := resnet.Footprint(n.Meta, tc.h, tc.w)
			t.Logf("allocated %d bytes, Footprint %d (%.3f×)", got, est, float64(est)/float64(got))
			if est < got {
				t.Errorf("Footprint %d is less than the %d bytes the forward pass allocated", est, got)
			}
			if float64(est) > 1.1*float64(got)+512<<10 {
				t.Errorf("Footprint %d is far above the %d bytes the forward pass allocated", est, got)
			}
		})
	}
}
