#!/usr/bin/env bash
# Builds the pkg-config (Makefile) and CMake consumers against an installed
# klaviyo-cpp and runs each against a sandbox on loopback.
#   run.sh PREFIX SANDBOX_PROGRAM WORK_DIR
set -euo pipefail
prefix=$(realpath "$1") sandbox=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")

log="$work/sandbox.out"
"$sandbox" --port 0 --api-key pk_consumer_check --rate-limits off >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^listening ' "$log" && break; sleep 0.1; done
url=$(sed -n 's/^listening //p' "$log")
[ -n "$url" ] || { echo "the sandbox did not start"; cat "$log"; exit 1; }

export PKG_CONFIG_PATH="$(find "$prefix" -type d -name pkgconfig | paste -sd:)"
echo "pkg-config: $(pkg-config --cflags --libs klaviyo-cpp-separate)"
make -s -C "$here" OUT="$work"
"$work/app_pkgconfig" "$url" pk_consumer_check

cmake -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake" -j2 >/dev/null
"$work/cmake/app_cmake_header_only" "$url" pk_consumer_check
"$work/cmake/app_cmake_separate" "$url" pk_consumer_check
