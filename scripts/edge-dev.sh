#!/bin/sh
# Runs the edge worker (built by scripts/edge-build.sh) under `wrangler dev`
# in local mode at http://127.0.0.1:${EDGE_PORT:-8787}/ until interrupted.
# Offline: no account, no telemetry, no fetch of the Request.cf object.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f edge/build/app.wasm ]; then
	echo "edge-dev: edge/build/app.wasm is missing: run scripts/edge-build.sh (make edge-build)" >&2
	exit 1
fi
export CLOUDFLARE_CF_FETCH_ENABLED=false
exec scripts/edge-wrangler.sh dev --local --ip 127.0.0.1 --port "${EDGE_PORT:-8787}" --show-interactive-dev-session=false
