#!/bin/sh
# Builds the edge worker into edge/build/: app.wasm (the Go worker, GOOS=js,
# with the model embedded) and syumai/workers' generated glue (worker.mjs,
# runtime.mjs, wasm_exec.js), plus the WebAssembly SIMD kernel modules and
# their loader (forwarder.wasm, kernels.wasm, loader.mjs: `make kernels`
# assembles the first two). EDGE_MODEL picks the model file.
set -eu
cd "$(dirname "$0")/.."

model=${EDGE_MODEL:-weights/resnet50-keras.rnm}
if [ ! -f "$model" ]; then
	echo "edge-build: $model is missing (make weights, or set EDGE_MODEL)" >&2
	exit 1
fi

# The worker loads the embedded model without hashing it (25 MB of SHA-256
# per request in wasm would cost more than it protects), so check it here.
go run ./edge -check -model "$model"
cmp -s "$model" edge/model.rnm 2>/dev/null || cp "$model" edge/model.rnm

# The generator comes from the syumai/workers version pinned in go.mod. It
# empties its output directory, so it runs before the wasm build.
go run github.com/syumai/workers/cmd/workers-assets-gen -mode go -o edge/build

# Not purego: the engine imports the WebAssembly SIMD kernels (module
# "kernels"), which edge/entry.mjs attaches to every Go instance the glue
# starts. The kernel modules and their loader go beside the glue, after the
# generator has emptied the directory; workerd.capnp and wrangler load the
# .wasm files as compiled modules.
for f in build/kernels/forwarder.wasm build/kernels/kernels.wasm; do
	if [ ! -f "$f" ]; then
		echo "edge-build: $f is missing (make kernels)" >&2
		exit 1
	fi
done
cp build/kernels/forwarder.wasm build/kernels/kernels.wasm engine/kernels/wat/loader.mjs edge/build/
GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -o edge/build/app.wasm ./edge

wasm=$(wc -c <edge/build/app.wasm)
gz=$(gzip -9 -c edge/build/app.wasm | wc -c)
echo "edge-build: edge/build/app.wasm $wasm bytes, gzip -9 $gz bytes"
