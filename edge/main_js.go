//go:build js && wasm

// Command edge is the classifier as a Cloudflare Worker: the engine compiled
// to WebAssembly, one Go instance per isolate kept across requests. See
// README.md.
package main

import (
	_ "embed"
	"runtime"
	"runtime/debug"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// modelBytes is the model file, copied here by scripts/edge-build.sh. It
// lives in the wasm data segment, so the Go instance has it in memory from
// the start: no fetch, no copy, int8 weights used in place. The build
// verified its checksum, so Load trusts it rather than hash 25 MB at start.
//
//go:embed model.rnm
var modelBytes []byte

// heapLimit is the Go runtime's soft memory limit. The instance lives as
// long as the isolate, and WebAssembly memory never shrinks, so the heap must
// not drift up to twice its live size (GOGC's default) between collections:
// the isolate's 128 MB holds the data segment (model and code), this, and
// the JavaScript heap with the bodies still arriving.
const heapLimit = 64 << 20

// winograd: whether stride-1 3×3 layers run as Winograd F(2×2, 3×3). Its
// transformed weights are made once per isolate, but they stay in memory for
// the isolate's life: measured under wrangler dev with ResNet-50, 102 MiB of
// linear memory after a small photo with them against 77 MiB without, for
// ~8 % less CPU per request (184 against 199 ms, noisy). The 128 MB isolate
// also has to hold a decoded upload, so memory wins.
const winograd = false

func main() {
	debug.SetMemoryLimit(heapLimit)
	h := newHandler(func() (*engine.Model, error) {
		m, err := engine.Load(modelBytes, modelfile.Trusted)
		if err == nil {
			m.SetWinograd(winograd)
			// The first request's budget is measured with the run state in
			// the linear memory, not before it arrives.
			m.Reserve()
		}
		return m, err
	}, options{
		memory: func() memStats { return readMemStats(len(modelBytes)) },
		// The last request's buffers are garbage now: collecting them first
		// lets this decode reuse their spans instead of growing the linear
		// memory, which never shrinks. The soft limit then makes the
		// collector run before the heap would pass the ceiling, rather than
		// at the default GOGC's twice the live heap.
		budget: func(int) int64 {
			runtime.GC()
			linear := linearMemoryBytes()
			budget := instanceBudget(linear)
			debug.SetMemoryLimit(int64(linear) + budget)
			return budget
		},
	})
	serveJS(h)
}
