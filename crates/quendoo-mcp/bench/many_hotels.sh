#!/usr/bin/env bash
# Does serving many hotels slow a call down (issue 13)? The release server
# pinned to core 0 serves `ping` and `tools/call get_rooms_details` on /mcp
# at 16 connections (wrk and the simulator on core 1), first for one hotel,
# then for HOTELS hotels, each with its own Quendoo key and its own token:
# every request carries the next hotel's token. Each run is warmed first,
# so every hotel is in the caches (answers to who is calling, the hotel
# cache) before it is measured. Prints req/s and the server's CPU per
# request for both, their ratio, and the server's RSS with one hotel and
# with all of them (the difference divided by HOTELS: memory per cached
# hotel, everything included). A measurement, never a test assertion.
#
# With CALLGRIND=1 the server runs under callgrind with its cache simulator
# instead, unpinned, and each line is what a request costs in counts, not
# seconds: instructions, first- and last-level cache misses (simulated, the
# host's cache sizes) and callgrind's estimate of cycles from them; the
# ratio is then one hotel's estimate over many hotels'. Where CPU time moves
# by 10% and more from run to run, these counts move by about 1%; what they
# miss is what the model leaves out (TLB misses, prefetching, the kernel).
# Under valgrind a request takes about 50 times as long: the warm-up (every
# hotel once) takes minutes.
#
# Usage: crates/quendoo-mcp/bench/many_hotels.sh
# Environment (optional): HOTELS=10000  DURATION=10s
#   CALLGRIND=1 (above; KEEP=DIR keeps its dumps there)
#   ONE_PROPERTY=1 (the simulator answers every hotel's key from one
#   property's data, so its memory stays small: what is left of a slowdown
#   is ours)
#   DATABASE_URL=postgres://... (an empty database of its own; default: a
#   SQLite file in the work directory)
# Needs: wrk (Debian's package), python3, curl, taskset.
source "$(dirname "$0")/lib.sh"
HOTELS=${HOTELS:-10000}
DURATION=${DURATION:-10s}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
[ "${BUILD:-1}" = 0 ] || (cd "$root" && cargo build --release --quiet -p quendoo-mcp --example bench_hotels)
load() { uptime | sed 's/.*load average: /load /'; }

export ENCRYPTION_KEY JWT_SECRET DATABASE_URL=$db_url
ENCRYPTION_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
echo "== $HOTELS hotels into $(sed -E 's#//[^@/]*@#//***@#' <<<"$DATABASE_URL") ($(load))"
started=$(date +%s)
"$target/release/examples/bench_hotels" "$DATABASE_URL" "$HOTELS" >tokens.all
head -1 tokens.all >tokens.one
echo "made in $(($(date +%s) - started)) s"

# The simulator with every hotel's key (its data for 10,000 properties
# takes about 3 GB and 20 s to make; with ONE_PROPERTY=1 the others are
# aliases of the first), and the server with the secrets the tokens were
# signed with (exported above; `--dev` keeps given secrets).
mapfile -t keys < <(seq 1 "$HOTELS" | sed 's/^/bench-key-/')
if [ "${ONE_PROPERTY:-0}" = 1 ]; then
  sim_aliases=("${keys[@]:1}")
  keys=("${keys[0]}")
fi
start_sim "${keys[@]}"
pin="taskset -c 0"
if [ "${CALLGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "needs valgrind"; exit 1; }
  pin="$callgrind --cache-sim=yes"
fi
start_server "$sim_url" TENANT_CALLS_PER_MINUTE=0 TENANT_CALLS_IN_FLIGHT=0

cat >rotate.lua <<'LUA'
-- Each request carries the next token of $TOKENS, from the $START-th on
-- (the connections of a thread share the place), so that every hotel is
-- called in turn.
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local next_token = 0
function init(args) next_token = (tonumber(os.getenv("START")) or 0) % #tokens end
function request()
  next_token = next_token % #tokens + 1
  return wrk.format("POST", nil, {
    ["Authorization"] = "Bearer " .. tokens[next_token],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2025-11-25",
  }, os.getenv("BODY"))
end
LUA

# One line: req/s and CPU per request of $BODY with the tokens of $TOKENS
# (with CALLGRIND=1: counts per request).
run() { # name, duration
  local before after counts='{}'
  before=$(cpu_ticks)
  [ "${CALLGRIND:-0}" = 1 ] && callgrind_zero
  taskset -c 1 wrk -t1 -c16 -d"$2" -s rotate.lua "http://127.0.0.1:$port/mcp" >wrk.out
  after=$(cpu_ticks)
  [ "${CALLGRIND:-0}" = 1 ] && counts=$(per_request "$(callgrind_dump "$1")" "$(requests)")
  python3 - "$1" "$before" "$after" "$(getconf CLK_TCK)" "$(load)" "$counts" <<'PY'
import json, re, sys
name, before, after, hz, load = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
counts = json.loads(sys.argv[6])
out = open("wrk.out").read()
requests = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
cpu = (after - before) / hz / max(requests, 1) * 1e6
# The simulator gives each property 9 to 11 rooms: the size of an answer
# says whether two lines did the same work.
size, unit = re.search(r"requests in [^,]+, ([\d.]+)([KMG]?B) read", out).groups()
answer = float(size) * {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[unit] / max(requests, 1)
if counts:
    # The cost compared is the estimate of cycles: fewer is faster.
    open("rps." + name.replace(" ", "_"), "w").write(str(1 / counts["cycles"]))
    l1 = counts["I1mr"] + counts["D1mr"] + counts["D1mw"]
    ll = counts["ILmr"] + counts["DLmr"] + counts["DLmw"]
    print(f"{name:<40} {counts['Ir'] / 1000:>7.1f}k instructions  {l1:>6.0f} L1 misses  {ll:>5.0f} LL misses  "
          f"~{counts['cycles'] / 1000:.1f}k cycles per request  {answer:>6.0f} B/answer  ({requests} requests)"
          + (f", {bad.group(1)} not 2xx" if bad else ""))
else:
    open("rps." + name.replace(" ", "_"), "w").write(str(rps))
    print(f"{name:<40} {rps:>8.0f} req/s  CPU {cpu:>4.0f} µs/req  {answer:>6.0f} B/answer  ({load})"
          + (f", {bad.group(1)} not 2xx" if bad else ""))
PY
}
requests() { grep -oE '^ *[0-9]+ requests in' wrk.out | grep -oE '[0-9]+'; }

# Warms the caches with every token of $TOKENS, then measures. One wrk
# thread keeps one place in the list for all its connections, and each
# run of the warm-up starts where the last one stopped (a random start,
# as before, began at the same place every time, so that under callgrind,
# where a run makes fewer requests than there are hotels, the measured run
# met hotels for the first time): as many requests as tokens call each
# hotel once.
measure() { # name
  local tokens sent=0
  tokens=$(wc -l <"$TOKENS")
  while [ "$sent" -le "$tokens" ]; do
    START=$sent taskset -c 1 wrk -t1 -c16 -d"$(python3 -c "print(min(30, max(2, $tokens // 1000 + 2)))")s" \
      -s rotate.lua "http://127.0.0.1:$port/mcp" >wrk.out
    sent=$((sent + $(requests)))
  done
  run "$1" "$DURATION"
}

export TOKENS BODY
for request in ping get_rooms_details; do
  if [ "$request" = ping ]; then
    BODY='{"jsonrpc":"2.0","id":1,"method":"ping","params":{}}'
  else
    BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_rooms_details","arguments":{}}}'
  fi
  TOKENS=tokens.one measure "$request, 1 hotel"
  [ "$request" = ping ] && one_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  TOKENS=tokens.all measure "$request, $HOTELS hotels"
  python3 -c "print(f'  {$HOTELS} hotels ÷ 1 hotel: {float(open(\"rps.${request},_${HOTELS}_hotels\").read()) / float(open(\"rps.${request},_1_hotel\").read()):.3f}')"
done
all_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
# Under valgrind the RSS is valgrind's.
[ "${CALLGRIND:-0}" = 1 ] || echo "server RSS: 1 hotel $((one_rss / 1024)) MiB, $HOTELS hotels $((all_rss / 1024)) MiB:" \
  "$(python3 -c "print(round(($all_rss - $one_rss) * 1024 / $HOTELS))") bytes per hotel"
grep " ERROR \| WARN " server.log | cut -d" " -f2- | cut -c1-240 | sort | uniq -c | sort -rn | head -5 || true
