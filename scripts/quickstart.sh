#!/usr/bin/env bash
# Builds and runs the quickstart: against Klaviyo when KLAVIYO_API_KEY is set,
# else against the local sandbox (no account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${BUILD:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" -Ddebug=false >/dev/null  # as scripts/test.sh
ninja -C "$build" -j"${JOBS:-2}" examples/quickstart
exec "$build/examples/quickstart"
