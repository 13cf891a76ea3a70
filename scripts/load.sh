#!/usr/bin/env bash
# Load on the worker page: the release console in front of the simulated
# platform (its own process, so the console's memory is the console's),
# wrk with many connections on one app's page, and what it cost the
# platform. Writes target/load/report.md.
#
#   scripts/load.sh                       200 connections for 60 s, default settings
#   CONNECTIONS=100 DURATION=30 scripts/load.sh
#   CONSOLE_LIST_CACHE_MS=0 scripts/load.sh   the same with kept lists off
#
# Figures from a shared 2-core machine are noisy: compare runs made one
# after another on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# As the Makefile: binaryen's wasm-opt from npm, cargo's tools, and the
# output name cargo-leptos uses.
export PATH="$PWD/end2end/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export LEPTOS_OUTPUT_NAME=everai_console

CONNECTIONS=${CONNECTIONS:-200}
DURATION=${DURATION:-60}
THREADS=${THREADS:-2}
APP_PATH=${APP_PATH:-/namespaces/default/apps/image-resize/workers}
SITE=127.0.0.1:${LOAD_PORT:-3310}
SIM=127.0.0.1:${LOAD_SIM_PORT:-3312}
SIM_TOKEN=load-simulator
OUT=target/load
mkdir -p "$OUT"

scripts/setup.sh --load
scripts/port-free.sh "$SITE"
scripts/port-free.sh "$SIM"
echo "load: building the release console and simulator"
{ cargo leptos build --release --precompress --split && cargo build --release -p everai-sim; } >"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log"; exit 1; }

work=$(mktemp -d)
cleanup() {
  for p in ${pid:-} ${sim_pid:-}; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

target/release/everai-sim --addr "$SIM" --token "$SIM_TOKEN" >"$OUT/simulator.log" 2>&1 &
sim_pid=$!
LEPTOS_SITE_ADDR=$SITE LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=everai_console \
  EVERAI_ENDPOINT="http://$SIM" EVERAI_TOKEN=$SIM_TOKEN CONSOLE_AUTH=none \
  CONSOLE_DATABASE_URL="sqlite://$work/audit.sqlite3" RUST_LOG=${RUST_LOG:-warn} \
  target/release/everai-console >"$OUT/console.log" 2>&1 &
pid=$!
calls() { curl -fsS -H "Authorization: Bearer $SIM_TOKEN" "http://$SIM/_sim/calls"; }
for _ in $(seq 100); do
  curl -fsS "http://$SITE/healthz" >/dev/null 2>&1 && calls >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$OUT/console.log"; exit 1; }
  sleep 0.1
done

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }

curl -fsS -o /dev/null "http://$SITE$APP_PATH"   # one warm-up read
rss_before=$(rss_kb)
before=$(calls)
echo "load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency http://$SITE$APP_PATH"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://$SITE$APP_PATH" | tee "$OUT/wrk.txt"
after=$(calls)
rss_after=$(rss_kb)
# Where memory settles once the load has passed: fifteen quiet seconds
# (the console gives unused memory back every 10 s), then one more page.
sleep 15
curl -fsS -o /dev/null "http://$SITE$APP_PATH"
rss_settled=$(rss_kb)

list_calls() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("list_workers", 0))' "$1"; }
upstream=$(( $(list_calls "$after") - $(list_calls "$before") ))
rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk.txt")
total=$(awk '/requests in/ { print $1 }' "$OUT/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses/ { print $5 }' "$OUT/wrk.txt")
sockerr=$(awk '/Socket errors/ { print $0 }' "$OUT/wrk.txt")
cache=${CONSOLE_LIST_CACHE_MS:-5000}
if [ "$cache" -gt 0 ]; then
  expected="at most one per $cache ms: $(( (DURATION * 1000 + cache - 1) / cache ))"
else
  expected="kept lists off: only overlapping reads shared"
fi

{
  echo "# Load on the worker page ($(date -u +%F))"
  echo
  echo "wrk, $CONNECTIONS connections, $THREADS threads, ${DURATION} s, on \`$APP_PATH\`;"
  echo "release console and release \`everai-sim\` (separate processes) on loopback, kept lists ${cache} ms."
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| requests | $total |"
  echo "| requests per second | $rps |"
  echo "| latency p50 | $p50 |"
  echo "| latency p99 | $p99 |"
  echo "| non-2xx answers | ${non2xx:-0} |"
  echo "| socket errors | ${sockerr:-none} |"
  echo "| platform list calls during the run | $upstream ($expected) |"
  echo "| console memory (RSS) before / at the end / 15 s later | $((rss_before / 1024)) / $((rss_after / 1024)) / $((rss_settled / 1024)) MiB |"
} | tee "$OUT/report.md"
