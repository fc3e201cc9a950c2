#!/usr/bin/env bash
# How many simple GETs per second the sandbox serves over keep-alive
# connections, measured with wrk (Debian package `wrk`). The sandbox must never
# be the bottleneck of a client benchmark: the target is >= 20,000 req/s.
#
#   benchmarks/sandbox_throughput.sh            # 3 runs of 10 s, 64 connections
#   RUNS=5 DURATION=20s benchmarks/sandbox_throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
ninja -C "$build" sandbox/klaviyo-sandbox >/dev/null

log=$(mktemp)
"$build/sandbox/klaviyo-sandbox" --port 0 --rate-limits off --api-key pk_bench --profiles 1 >"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
base=$(sed -n 's/^listening //p' "$log")
id=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/profiles", headers={
    "Authorization": "Klaviyo-API-Key pk_bench", "revision": "2026-07-15"})
print(json.load(urllib.request.urlopen(req))["data"][0]["id"])
PY
)
url="$base/api/profiles/$id"
echo "sandbox: $url"
results=()
for run in $(seq "${RUNS:-3}"); do
  rps=$(wrk -t2 -c"${CONNECTIONS:-64}" -d"${DURATION:-10s}" \
      -H 'Authorization: Klaviyo-API-Key pk_bench' -H 'revision: 2026-07-15' \
      -H 'Accept: application/vnd.api+json' "$url" | awk '/Requests\/sec/ {print $2}')
  echo "run $run: $rps req/s"
  results+=("$rps")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " req/s"}'
