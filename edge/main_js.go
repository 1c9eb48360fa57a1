//go:build js && wasm

// Command edge is the classifier as a Cloudflare Worker: the engine compiled
// to WebAssembly, one Go instance per isolate kept across requests. See
// README.md.
package main

import (
	_ "embed"
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

func main() {
	debug.SetMemoryLimit(heapLimit)
	h := newHandler(func() (*engine.Model, error) {
		return engine.Load(modelBytes, modelfile.Trusted)
	}, options{memory: func() memStats { return readMemStats(len(modelBytes)) }})
	serveJS(h)
}
