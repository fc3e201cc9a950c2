#!/usr/bin/env bash
# Builds klaviyo-cpp and runs every test; ends with 'N passed, N failed'.
#   scripts/test.sh            # build dir: build
#   BUILD=build-x EXTRA="-Db_sanitize=address,undefined" scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${BUILD:-build}
if [ ! -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$build" ${EXTRA:-} >/dev/null
fi
ninja -C "$build" -j"${JOBS:-2}"
status=0
meson test -C "$build" --print-errorlogs --num-processes 1 || status=$?
python3 scripts/summarize.py "$build" || status=1
exit $status
