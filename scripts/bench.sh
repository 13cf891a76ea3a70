#!/usr/bin/env bash
# The console's performance figures, side by side in one run, against its
# targets (see the README's performance section). Writes
# target/bench/report.md (and the raw outputs next to it).
#
#   scripts/bench.sh                 everything, 3 rounds of each measurement
#   ROUNDS=5 scripts/bench.sh        more rounds (figures are medians)
#
# What runs: the release console and the release `everai-sim` as separate
# processes on loopback; the simulator gets two big apps (1,000 and 10,000
# running workers). Two consoles serve the same simulator: one with kept
# lists off (CONSOLE_LIST_CACHE_MS=0), one with the default 5 s.
#
#  1. page weight: the wasm, JS and CSS a worker page loads, brotli-compressed
#  2. server render: wrk on the 1,000-worker page vs wrk on the simulator's
#     raw JSON of that list, alternating, ROUNDS times each
#  3. viewers: 100 connections for 30 s on one page; platform calls per endpoint
#     and the console's memory after it
#  4. the start page with 200 more apps: platform calls per refresh, its
#     time on the server, and its calls under 20 viewers
#  5. the browser (Playwright, Debian's Chromium): first view of 1,000
#     workers, keystroke to table with 10,000 workers, first paint of the
#     start page of all those apps
#
# A shared 2-core machine is noisy: ratios within one run and medians of
# rounds are the figures to read, not single absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export LEPTOS_OUTPUT_NAME=everai_console

ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-10}
ONE_SLICE_SECONDS=${ONE_SLICE_SECONDS:-2}
ONE_SLICES=$(( SECONDS_EACH / ONE_SLICE_SECONDS > 0 ? SECONDS_EACH / ONE_SLICE_SECONDS : 1 ))
CONNECTIONS=${CONNECTIONS:-32}
VIEWERS=${VIEWERS:-100}
VIEWERS_SECONDS=${VIEWERS_SECONDS:-30}
SIM=127.0.0.1:${BENCH_SIM_PORT:-3322}
OFF=127.0.0.1:${BENCH_PORT:-3320}    # kept lists off
ON=127.0.0.1:${BENCH_CACHED_PORT:-3321}
SIM_TOKEN=bench-simulator
OUT=target/bench
BIG=fleet-1000
HUGE=fleet-10000
PAGE=/namespaces/bench/apps/$BIG/workers
RAW=/api/apps/v1/namespaces/bench/apps/$BIG/workers
rm -rf "$OUT"
mkdir -p "$OUT"

scripts/setup.sh --test
scripts/setup.sh --load
for addr in "$SIM" "$OFF" "$ON"; do scripts/port-free.sh "$addr"; done
echo "bench: building the release console and simulator"
{ cargo leptos build --release --precompress --split && cargo build --release -p everai-sim; } >"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log"; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

sim_call() { curl -fsS -H "Authorization: Bearer $SIM_TOKEN" "$@"; }
wait_for() { # URL PID LOG
  for _ in $(seq 200); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3"; exit 1; }
    sleep 0.1
  done
  echo "bench: $1 did not answer" >&2
  exit 1
}

target/release/everai-sim --addr "$SIM" --token "$SIM_TOKEN" >"$OUT/simulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do sim_call -o /dev/null "http://$SIM/_sim/calls" 2>/dev/null && break; sleep 0.1; done
sim_call -X PUT -d '{"live":1000,"maxWorkers":1200}' "http://$SIM/_sim/apps/bench/$BIG" >/dev/null
sim_call -X PUT -d '{"live":10000,"maxWorkers":12000}' "http://$SIM/_sim/apps/bench/$HUGE" >/dev/null

console() { # ADDR CACHE_MS NAME
  LEPTOS_SITE_ADDR=$1 LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=everai_console \
    EVERAI_ENDPOINT="http://$SIM" EVERAI_TOKEN=$SIM_TOKEN CONSOLE_AUTH=none \
    CONSOLE_LIST_CACHE_MS=$2 CONSOLE_DATABASE_URL="sqlite://$work/$3.sqlite3" RUST_LOG=warn \
    target/release/everai-console >"$OUT/console-$3.log" 2>&1 &
  pids+=($!)
  wait_for "http://$1/healthz" "$!" "$OUT/console-$3.log"
}
console "$OFF" 0 uncached
console "$ON" 5000 cached
sim_pid=${pids[0]}
off_pid=${pids[1]}
on_pid=${pids[2]}
rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# The platform calls so far of each endpoint a worker page reads, as JSON.
page_calls() { sim_call "http://$SIM/_sim/calls" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(json.dumps({k: c.get(k, 0) for k in ["list_workers", "get_app", "list_queue", "list_events"]}))'; }

# 1. Page weight.
echo "bench: page weight"
node end2end/bench/weight.mjs "http://$ON$PAGE" target/site >"$OUT/weight.json"

# Every answer must be whole and good: an error status, or a connection
# closed mid-answer (a read error: the server dropped it), fails the bench.
check_wrk() { # FILE
  if grep -q "Non-2xx" "$1" || grep -Eq "Socket errors: connect [0-9]+, read [1-9]|write [1-9]|timeout [1-9]" "$1"; then
    echo "bench: error answers or dropped connections in $1:" >&2
    cat "$1" >&2
    exit 1
  fi
}

# 2. Server render cost: the same wrk on raw JSON and on the page, rounds
# alternating so that both see the same machine.
wrk_rps() { # NAME CONNECTIONS URL [wrk args...]
  local name=$1 conns=$2 url=$3
  shift 3
  wrk -t"$(( conns < 2 ? 1 : 2 ))" -c"$conns" -d"${SECONDS_EACH}s" --latency "$@" "$url" >"$OUT/wrk-$name.txt"
  check_wrk "$OUT/wrk-$name.txt"
  awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk-$name.txt"
}
# One wrk slice with one connection: prints its request count and seconds.
one_slice() { # FILE URL [wrk args...]
  local f=$1 url=$2
  shift 2
  wrk -t1 -c1 -d"${ONE_SLICE_SECONDS}s" "$@" "$url" >"$f"
  check_wrk "$f"
  awk '/requests in/ { sub(/s,$/, "", $4); print $1, $4 }' "$f"
}
# CPU time a process has used so far, in clock ticks (user + system).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# One connection, ONE_SLICES alternating slices of ONE_SLICE_SECONDS each
# (SECONDS_EACH in all per side): prints the raw JSON rate and the page rate,
# then the requests of each side and the CPU ticks used meanwhile by the
# simulator (raw slices), the simulator (page slices) and the console
# (page slices): what each request costs, whatever the machine's speed.
one_connection() { # ROUND
  local slice raw_n=0 raw_s=0 page_n=0 page_s=0 n s t0 t1 c0 c1
  local sim_raw=0 sim_page=0 console_page=0
  for slice in $(seq "$ONE_SLICES"); do
    t0=$(cpu_ticks "$sim_pid")
    read -r n s < <(one_slice "$OUT/wrk-raw-one-$1-$slice.txt" "http://$SIM$RAW" \
      -H "Authorization: Bearer $SIM_TOKEN")
    [ -n "$s" ] || exit 1
    t1=$(cpu_ticks "$sim_pid")
    sim_raw=$((sim_raw + t1 - t0))
    raw_n=$((raw_n + n)); raw_s=$(python3 -c "print($raw_s + $s)")
    t0=$(cpu_ticks "$sim_pid"); c0=$(cpu_ticks "$off_pid")
    read -r n s < <(one_slice "$OUT/wrk-page-uncached-one-$1-$slice.txt" "http://$OFF$PAGE")
    [ -n "$s" ] || exit 1
    t1=$(cpu_ticks "$sim_pid"); c1=$(cpu_ticks "$off_pid")
    sim_page=$((sim_page + t1 - t0)); console_page=$((console_page + c1 - c0))
    page_n=$((page_n + n)); page_s=$(python3 -c "print($page_s + $s)")
  done
  python3 -c "print(f'{$raw_n / $raw_s:.2f} {$page_n / $page_s:.2f} $raw_n $page_n $sim_raw $sim_page $console_page')"
}
curl -fsS -o /dev/null "http://$OFF$PAGE"
curl -fsS -o /dev/null "http://$ON$PAGE"
: >"$OUT/render.tsv"
for round in $(seq "$ROUNDS"); do
  echo "bench: render round $round of $ROUNDS"
  raw=$(wrk_rps "raw-$round" "$CONNECTIONS" "http://$SIM$RAW" -H "Authorization: Bearer $SIM_TOKEN")
  off=$(wrk_rps "page-uncached-$round" "$CONNECTIONS" "http://$OFF$PAGE")
  on=$(wrk_rps "page-cached-$round" "$CONNECTIONS" "http://$ON$PAGE")
  # One connection: no two page reads overlap, so none is shared and
  # every page costs a platform call. Here both sides' time is mostly CPU,
  # and this machine's speed drifts within seconds, so the two alternate
  # in short slices and each rate is its slices' total.
  # (Run in a subshell: a failed slice ends it with no rates.)
  read -r raw1 off1 cpu1 < <(one_connection "$round") || true
  [ -n "$cpu1" ] || { echo "bench: the one-connection slices of round $round failed" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$raw" "$off" "$on" "$raw1" "$off1" "${cpu1// /$'\t'}" >>"$OUT/render.tsv"
done
page_bytes=$(curl -fsS "http://$OFF$PAGE" | wc -c)
raw_bytes=$(sim_call "http://$SIM$RAW" | wc -c)

# 3. Viewers of one app, on the console with kept lists.
echo "bench: $VIEWERS viewers for $VIEWERS_SECONDS s"
before=$(page_calls)
wrk -t2 -c"$VIEWERS" -d"${VIEWERS_SECONDS}s" --latency "http://$ON$PAGE" >"$OUT/wrk-viewers.txt"
check_wrk "$OUT/wrk-viewers.txt"
viewer_calls=$(python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps({k: b[k]-a[k] for k in a}))' "$before" "$(page_calls)")
rss_end=$(rss_mib "$on_pid")
sleep 15 # the console hands unused memory back every 10 s
rss_settled=$(rss_mib "$on_pid")
rss_uncached=$(rss_mib "$off_pid")

# 4. The start page of many apps: START_APPS more small apps, each
# deployed with a few workers (the big ones stay). Its platform calls per
# refresh on the console with kept reads off, its time on the server, and
# its calls under START_VIEWERS viewers with kept reads on.
START_APPS=${START_APPS:-200}
START_VIEWERS=${START_VIEWERS:-20}
START_SECONDS=${START_SECONDS:-15}
echo "bench: the start page with $START_APPS more apps"
for i in $(seq 0 $((START_APPS - 1))); do
  sim_call -X PUT -d "{\"live\":$((1 + i % 4)),\"maxWorkers\":8}" "http://$SIM/_sim/apps/fleet/app-$i" >/dev/null
done
apps_listed=$(sim_call "http://$SIM/api/apps/v1/apps" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["apps"]))')
start_calls() { sim_call "http://$SIM/_sim/calls" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(json.dumps({k: c.get(k, 0) for k in ["list_apps", "list_queue", "list_workers", "get_app", "list_events"]}))'; }
curl -fsS -o /dev/null "http://$OFF/"
before=$(start_calls)
start_times=()
for _ in 1 2 3 4 5; do
  start_times+=("$(curl -fsS -o "$OUT/start.html" -w '%{time_total}' "http://$OFF/")")
done
start_calls_5=$(python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps({k: b[k]-a[k] for k in a}))' "$before" "$(start_calls)")
start_rows=$(grep -o '<tr data-app=' "$OUT/start.html" | wc -l)
start_unread=$(grep -c 'data-testid="unread"' "$OUT/start.html" || true)
before=$(start_calls)
wrk -t2 -c"$START_VIEWERS" -d"${START_SECONDS}s" "http://$ON/" >"$OUT/wrk-start-viewers.txt"
check_wrk "$OUT/wrk-start-viewers.txt"
start_viewer_calls=$(python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(json.dumps({k: b[k]-a[k] for k in a}))' "$before" "$(start_calls)")

# 5. The browser.
echo "bench: the browser"
BENCH_BASE_URL="http://$ON" BENCH_START_URL="http://$OFF/" BENCH_OUT="$PWD/$OUT/browser.json" EVERAI_SIM_ADDR=$SIM EVERAI_SIM_TOKEN=$SIM_TOKEN \
  bash -c 'cd end2end && playwright test --config bench/bench.config.ts' >"$OUT/playwright.txt" 2>&1 ||
  { cat "$OUT/playwright.txt"; exit 1; }

CLK_TCK=$(getconf CLK_TCK) ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS SECONDS_EACH=$SECONDS_EACH ONE_SLICES=$ONE_SLICES ONE_SLICE_SECONDS=$ONE_SLICE_SECONDS VIEWERS=$VIEWERS \
  VIEWERS_SECONDS=$VIEWERS_SECONDS VIEWER_CALLS=$viewer_calls RSS_END=$rss_end \
  RSS_SETTLED=$rss_settled RSS_UNCACHED=$rss_uncached PAGE_BYTES=$page_bytes RAW_BYTES=$raw_bytes \
  START_APPS_LISTED=$apps_listed START_TIMES="${start_times[*]}" START_CALLS_5=$start_calls_5 START_ROWS=$start_rows \
  START_UNREAD=$start_unread START_VIEWERS=$START_VIEWERS START_SECONDS=$START_SECONDS START_VIEWER_CALLS=$start_viewer_calls \
  python3 scripts/bench-report.py "$OUT" | tee "$OUT/report.md"
