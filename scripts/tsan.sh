#!/usr/bin/env bash
# Builds the thread test (tests/threads: many clients, OAuth refreshes and
# cancellation on a pool of four threads) with ThreadSanitizer and runs it.
# Any TSan report fails the run. Only that one executable is built, with what
# it links (the separate-compilation library, the sandbox, Boost.Test's main):
# everything else has no threads of its own to show TSan.
#   scripts/tsan.sh              # build dir: build-tsan
#   JOBS=1 scripts/tsan.sh       # fewer compile jobs on a busy machine
# The run goes through meson test (suite 'threads'), so its log lands in
# build-tsan/meson-logs, where scripts/summarize.py counts it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build-tsan}

if [ ! -f "$build/build.ninja" ]; then
  # -O1 and -g1 (line tables: all a report's stacks need) keep the
  # instrumented build and run short. -Wno-tsan: g++ 12 warns that TSan does
  # not model std::atomic_thread_fence, which Asio uses (atomic_count.hpp,
  # std_fenced_block.hpp); -Dwerror=true would make that warning fatal. A
  # report inside those fences would be the false positive the warning means.
  # -Db_lundef=false: Meson's advice for sanitizer builds.
  CXX=${CXX:-g++} CXXFLAGS="-fsanitize=thread -Wno-tsan -g1" LDFLAGS="-fsanitize=thread" \
    meson setup "$build" -Ddebug=false -Doptimization=1 -Dwerror=true -Ddocs=disabled -Db_lundef=false >/dev/null
fi

# The target's name as ninja knows it (the executable's path in the build dir).
target=$(ninja -C "$build" -t targets all | sed -n 's|^\(tests/threads_tests\): .*|\1|p' | head -n 1)
if [ -z "$target" ]; then
  echo "tsan: no threads_tests target in $build" >&2
  exit 1
fi

start=$SECONDS
nice -n 10 ninja -C "$build" -j"${JOBS:-2}" "$target"
echo "tsan build: $((SECONDS - start)) s"

# halt_on_error: the first report ends the run with TSan's exit code (66).
# Suppressions, if any, are false positives in uninstrumented libraries
# (Boost's compiled libraries, OpenSSL), each with its reason in the file.
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
supp="$PWD/tests/threads/tsan.supp"
[ -f "$supp" ] && TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$supp"
export TSAN_OPTIONS
# TSan's shadow memory needs the fixed layout of a process without address
# space randomization (newer kernels randomize more than it tolerates).
# setarch's personality is inherited, so meson test itself runs under it:
# given as meson's --wrapper instead, it would rename the test log
# (testlog-setarch.json), which scripts/summarize.py would not find.
start=$SECONDS
status=0
setarch "$(uname -m)" -R meson test -C "$build" --no-rebuild --suite threads --print-errorlogs --num-processes 1 ||
  status=$?
echo "tsan run: $((SECONDS - start)) s"
exit $status
