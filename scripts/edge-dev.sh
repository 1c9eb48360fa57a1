#!/bin/sh
# Runs the edge worker (built by scripts/edge-build.sh) locally in workerd
# (npm, pinned) at http://127.0.0.1:${EDGE_PORT:-8787}/ until interrupted.
# Offline: no account, no telemetry; workerd only listens.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f edge/build/app.wasm ]; then
	echo "edge-dev: edge/build/app.wasm is missing: run scripts/edge-build.sh (make edge-build)" >&2
	exit 1
fi
addr=127.0.0.1:${EDGE_PORT:-8787}
echo "edge-dev: http://$addr/  (POST /classify with an image body)"
exec node_modules/.bin/workerd serve edge/workerd.capnp --socket-addr "http=$addr"
