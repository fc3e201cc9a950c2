#!/usr/bin/env bash
# Installs the Debian 12 packages klaviyo-cpp needs to build, test and run its
# examples (with --ci, CI's tools as well). Idempotent: packages already
# present are left alone.
set -euo pipefail

packages=(
  g++ make cmake pkg-config meson ninja-build libssl-dev doxygen
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev
  libhiredis-dev redis-server
)
# --ci: the tools of CI's further phases too: clang 14 and its runtime for
# libFuzzer (the clang build, the fuzz targets) and valgrind (memcheck).
if [ "${1:-}" = "--ci" ]; then
  packages+=(clang libclang-rt-14-dev valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
