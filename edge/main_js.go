//go:build js && wasm

// Command edge is the classifier as a Cloudflare Worker: the engine compiled
// to WebAssembly and served with github.com/syumai/workers. See README.md.
package main

import (
	_ "embed"
	"runtime/debug"

	"github.com/syumai/workers"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// modelBytes is the model file, copied here by scripts/edge-build.sh. It
// lives in the wasm data segment, so each new Go instance has it in memory
// from the start: no fetch, no copy, int8 weights used in place. The build
// verified its checksum, so Load trusts it rather than hash 25 MB per request.
//
//go:embed model.rnm
var modelBytes []byte

func main() {
	h := newHandler(func() (*engine.Model, error) {
		return engine.Load(modelBytes, modelfile.Trusted)
	}, options{
		memory: func() memStats { return readMemStats(len(modelBytes)) },
		// The decode budget bounds what a request keeps live; the garbage
		// collector must also not let dead buffers grow the linear memory
		// past it, which it would at the default GOGC (up to twice the live
		// heap). A soft limit on the runtime's own memory — a small
		// request's heap plus this request's budget — makes it collect first.
		limitMemory: func(budget int64) { debug.SetMemoryLimit(goHeapBase + budget) },
	})
	workers.Serve(h)
}
