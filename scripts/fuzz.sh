#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang and runs each: first
# its committed corpus and regression inputs once (-runs=0), then fuzzing for
# FUZZ_SECONDS seconds. Prints executions (and per second), corpus size and
# ok/FAIL per target; exits non-zero when any target crashed, leaked, timed
# out or ran out of memory.
#
#   scripts/fuzz.sh                          # every target, 30 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh fuzz_links fuzz_oauth
#   FUZZ_SECONDS=0 scripts/fuzz.sh           # build and replay only
#
# Needs clang++ and libclang-rt-14-dev (the fuzzer and sanitizer runtimes)
# besides the usual build packages; installs nothing itself.
#
# Out of tree: objects and binaries in build-fuzz/, new inputs in a
# temporary directory (never in the committed corpus), crash inputs in
# build-fuzz/artifacts/<target>/. A crash input belongs, minimized
# (-minimize_crash=1), in tests/fuzz/regressions/<target>/ with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."

CXX=${CXX_FUZZ:-clang++}
out=build-fuzz
seconds=${FUZZ_SECONDS:-30}

# -fno-sanitize=function: LLVM bug 49689 (false reports with UBSan on clang 14).
# -fno-sanitize-recover: a UBSan finding stops the run instead of printing
# and going on, so libFuzzer sees it (even without UBSAN_OPTIONS).
# shellcheck disable=SC2054 # the commas belong to the flag
sanitize=(-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined)
cxxflags=(-std=c++20 -O1 -g1 -Iinclude -Isandbox/include "${sanitize[@]}")
libs=(-lboost_json -lboost_url -lssl -lcrypto -lpthread)

# target → extra sources (compiled once into objects of their own) and the
# largest input libFuzzer makes for it.
declare -A extra=([fuzz_sandbox_request]="sandbox/src/server.cpp sandbox/src/schemas.cpp")
declare -A max_len=([fuzz_result]=8192 [fuzz_seed_documents]=8192 [fuzz_headers]=256 [fuzz_links]=1024
  [fuzz_oauth]=2048 [fuzz_sandbox_request]=4096)
# Tokens libFuzzer splices into inputs (tests/fuzz/dict/): JSON members and
# edge numbers, HTTP lines and Klaviyo paths.
declare -A dict=([fuzz_result]=json [fuzz_seed_documents]=json [fuzz_oauth]=json [fuzz_sandbox_request]=http)

# What CI installs (scripts/install-deps.sh); say so instead of failing later.
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz.sh: $CXX not found (Debian packages: clang libclang-rt-14-dev)" >&2
  exit 2
fi
if [ ! -f "$("$CXX" -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
  echo "fuzz.sh: the libFuzzer runtime is missing (Debian package: libclang-rt-14-dev)" >&2
  exit 2
fi

all_targets=()
for f in tests/fuzz/fuzz_*.cpp; do all_targets+=("$(basename "$f" .cpp)"); done
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

mkdir -p "$out/obj"
# A change of compiler or flags rebuilds everything.
stamp="$out/flags"
flags_now="$($CXX --version | head -n1) ${cxxflags[*]} ${libs[*]}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$flags_now" ]; then
  rm -f "$out"/obj/*.o "$out"/obj/*.d
  printf '%s' "$flags_now" >"$stamp"
fi

# Whether `obj` is older than its source or any project header it read
# (the .d file clang wrote; -MMD leaves system headers out).
stale() {
  local obj=$1 dep=${1%.o}.d f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  # shellcheck disable=SC2013 # the words are paths, several to a line
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}

# One compile at a time, niced: the machine is shared.
compile() {
  local src=$1 obj=$2
  if stale "$obj"; then
    echo "compile $src"
    nice -n 10 "$CXX" "${cxxflags[@]}" -fsanitize=fuzzer-no-link -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj"
  fi
}

build_start=$SECONDS
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/$t.cpp" ] || { echo "no such target: $t" >&2; exit 2; }
  objs=("$out/obj/$t.o")
  compile "tests/fuzz/$t.cpp" "$out/obj/$t.o"
  for src in ${extra[$t]:-}; do
    obj="$out/obj/$(echo "${src%.cpp}" | tr / _).o"
    compile "$src" "$obj"
    objs+=("$obj")
  done
  relink=0
  [ -f "$out/$t" ] || relink=1
  for o in "${objs[@]}"; do [ "$o" -nt "$out/$t" ] && relink=1; done
  if [ $relink -eq 1 ]; then
    echo "link $t"
    nice -n 10 "$CXX" "${sanitize[@]}" -fsanitize=fuzzer "${objs[@]}" -o "$out/$t" "${libs[@]}"
  fi
done
echo "build: $((SECONDS - build_start)) s"

# LeakSanitizer on; UBSan with stack traces. libFuzzer sets what it needs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
summary=()
for t in "${targets[@]}"; do
  bin="$out/$t"
  corpus="tests/fuzz/corpus/$t"
  regressions="tests/fuzz/regressions/$t"
  seeds=()
  [ -d "$corpus" ] && seeds+=("$corpus")
  [ -d "$regressions" ] && seeds+=("$regressions")
  artifacts="$out/artifacts/$t/"
  mkdir -p "$artifacts" "$scratch/$t"
  log="$out/$t.log"
  status=ok
  common=(-timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]:-4096}" -artifact_prefix="$artifacts")
  [ -n "${dict[$t]:-}" ] && common+=(-dict="tests/fuzz/dict/${dict[$t]}.dict")

  # 1. Every committed input once: a regression fails here, quickly and by name.
  if [ ${#seeds[@]} -gt 0 ]; then
    if ! "$bin" "${common[@]}" -runs=0 "${seeds[@]}" >"$log" 2>&1; then
      status=FAIL
      echo "== $t: replaying the corpus failed; the end of $log:"
      tail -n 30 "$log"
    fi
  fi

  # 2. Fuzz. New inputs go to the scratch directory (the first one given);
  # the committed ones are read only.
  execs=0 rate=0 size=0
  if [ "$status" = ok ] && [ "$seconds" -gt 0 ]; then
    if ! "$bin" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      "$scratch/$t" "${seeds[@]}" >"$log" 2>&1; then
      status=FAIL
      echo "== $t: fuzzing failed; the end of $log:"
      tail -n 40 "$log"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    size=$(grep -ao 'corp: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || true)
  fi
  [ "$status" = ok ] || failed=1
  summary+=("$(printf '%-22s executions %9s (%6s/s)  corpus %5s  %s' "$t" "${execs:-0}" "${rate:-0}" "${size:-0}" \
    "$status")")
done

echo
printf '%s\n' "${summary[@]}"
exit $failed
