#!/bin/sh
# Builds the edge worker into edge/build/: app.wasm (the Go worker, GOOS=js,
# with the model embedded) and Go's wasm_exec.js, plus the WebAssembly SIMD
# kernel modules and their loader (forwarder.wasm, kernels.wasm,
# kernels-relaxed.wasm from `make kernels`, loader.mjs). EDGE_MODEL picks the
# model file.
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

# The worker's glue is entry.mjs (one Go instance per isolate) with Go's own
# wasm_exec.js, and the WebAssembly SIMD kernel modules (plain and relaxed)
# and their loader; wrangler and workerd load the .wasm files as compiled
# modules.
for f in build/kernels/forwarder.wasm build/kernels/kernels.wasm build/kernels/kernels-relaxed.wasm; do
	if [ ! -f "$f" ]; then
		echo "edge-build: $f is missing (make kernels)" >&2
		exit 1
	fi
done
rm -rf edge/build && mkdir -p edge/build # nothing stale from an older layout
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" build/kernels/forwarder.wasm build/kernels/kernels.wasm \
	build/kernels/kernels-relaxed.wasm engine/kernels/wat/loader.mjs edge/build/
GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -o edge/build/app.wasm ./edge

wasm=$(wc -c <edge/build/app.wasm)
gz=$(gzip -9 -c edge/build/app.wasm | wc -c)
echo "edge-build: edge/build/app.wasm $wasm bytes, gzip -9 $gz bytes"
