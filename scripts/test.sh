#!/usr/bin/env bash
# Builds klaviyo-cpp and runs every test; ends with 'N passed, N failed'.
#   scripts/test.sh            # build dir: build
#   BUILD=build-x EXTRA="-Db_sanitize=address,undefined" scripts/test.sh
# Built at -O2 without debug information: -g costs a third of the build
# (`meson configure build -Ddebug=true` for a debugger).
#   SUITE=sanitized scripts/test.sh   # build and run one meson suite only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${BUILD:-build}
if [ ! -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$build" -Ddebug=false ${EXTRA:-} >/dev/null
fi
start=$SECONDS
if [ -n "${SUITE:-}" ]; then
  # Only the executables the suite runs (meson lists them), nothing else.
  mapfile -t targets < <(python3 scripts/suite_targets.py "$build" "$SUITE")
  ninja -C "$build" -j"${JOBS:-2}" "${targets[@]}"
else
  ninja -C "$build" -j"${JOBS:-2}"
fi
echo "build: $((SECONDS - start)) s"
start=$SECONDS
status=0
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 1 ${SUITE:+--suite "$SUITE"} || status=$?
echo "tests: $((SECONDS - start)) s"
python3 scripts/summarize.py "$build" || status=1
exit $status
