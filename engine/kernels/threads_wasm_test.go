//go:build js && wasm && !purego

package kernels_test

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"syscall/js"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// pool is the thread pool the runner attached (wat/pool.mjs), or fails the
// test when RESNET_THREADS promised one; without the promise there is
// nothing to test.
func pool(t *testing.T) js.Value {
	want, _ := strconv.Atoi(os.Getenv("RESNET_THREADS"))
	p := js.Global().Get("resnetKernelPool")
	if want == 0 {
		t.Skip("not run on a thread pool (RESNET_THREADS unset)")
	}
	if p.IsUndefined() || p.Get("threads").Int() != want {
		t.Fatalf("RESNET_THREADS=%d, but the runner attached no pool of that size", want)
	}
	return p
}

// TestNetworkThreads runs whole random networks — basic and bottleneck
// blocks, int8 and f32, Winograd on and off, an input whose rows do not
// split evenly — with the kernels split over 1, 2, 3 and 4 threads: the
// logits must be the same bits for every count, and for int8 the same as
// the pure-Go twins'.
func TestNetworkThreads(t *testing.T) {
	p := pool(t)
	defer p.Call("setThreads", p.Get("threads").Int())
	t.Cleanup(func() { _ = kernels.SetSIMD(true) })
	const h, w = 70, 58
	in := make([]float32, 3*h*w)
	for i := range in {
		in[i] = float32((i*7919)%509)/127 - 2
	}
	for _, tc := range []struct {
		block  modelfile.BlockKind
		stages [4]int
	}{{modelfile.Basic, [4]int{2, 2, 2, 2}}, {modelfile.Bottleneck, [4]int{3, 4, 6, 3}}} {
		n := net.Random(tc.block, modelfile.StrideOn3x3, tc.stages, 16, 37, 5)
		for _, q := range []modelfile.Quant{modelfile.Int8, modelfile.F32} {
			buf, err := encode.Encode(n, q, modelfile.Source{Format: "test"})
			if err != nil {
				t.Fatal(err)
			}
			m, err := engine.Load(buf, modelfile.Trusted)
			if err != nil {
				t.Fatal(err)
			}
			for _, wino := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/winograd=%v", tc.block, q, wino), func(t *testing.T) {
					m.SetWinograd(wino)
					logits := func(threads int, simd bool) []float32 {
						p.Call("setThreads", threads)
						if err := kernels.SetSIMD(simd); err != nil {
							t.Fatal(err)
						}
						out, err := m.Logits(in, 1, h, w)
						if err != nil {
							t.Fatal(err)
						}
						return out
					}
					one := logits(1, true)
					for threads := 2; threads <= p.Get("threads").Int(); threads++ {
						got := logits(threads, true)
						for i := range one {
							if math.Float32bits(got[i]) != math.Float32bits(one[i]) {
								t.Fatalf("%d threads: logit %d = %v, 1 thread: %v", threads, i, got[i], one[i])
							}
						}
					}
					if q == modelfile.Int8 {
						generic := logits(1, false)
						for i := range one {
							if math.Float32bits(generic[i]) != math.Float32bits(one[i]) {
								t.Fatalf("logit %d: SIMD %v, generic %v", i, one[i], generic[i])
							}
						}
					}
				})
			}
		}
	}
}
