#!/usr/bin/env bash
# The tail of a tool call at a fixed rate, for builds side by side (issue
# 13's p99 target): each build's release server on a SQLite file of its own,
# all pinned to core 0 and asking one simulator (core 1, beside oha) for
# the PMS; `get_rooms_details` at RATE calls/s from 16 connections, latency
# counted from when each call was due, on each transport, the builds taking
# turns within each round so that the host's moods fall on all of them
# alike. Prints each run's p50 / p99 / p99.9, then each build's median p99
# by transport. A measurement, never a test assertion.
#
# Usage: BUILDS="/tmp/a /tmp/b" crates/quendoo-mcp/bench/tail_ab.sh
# Environment (optional): BUILDS (target directories, each holding
#   release/quendoo-mcp and release/quendoo-sim; default: this one's, built
#   unless BUILD=0)  ROUNDS=3  DURATION=10s  RATE=1000
#   TRANSPORTS="mcp rest legacy"
# Needs: oha (as hot_path.sh), python3, curl, taskset.
# Builds given are compared as they are.
[ -n "${BUILDS:-}" ] && BUILD=0
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10s}
RATE=${RATE:-1000}
read -r -a builds <<<"${BUILDS:-$target}"
PATH=$root/target/bench-tools/bin:$PATH
command -v oha >/dev/null || { echo "needs oha: cargo install oha --locked --root $root/target/bench-tools"; exit 1; }

target=${builds[0]}
start_sim
rooms='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_rooms_details","arguments":{}}}'
declare -a ports tokens connections
for i in "${!builds[@]}"; do
  target=${builds[$i]}
  db_url=sqlite://$work/build$i.db
  bench_hotel
  pin="taskset -c 0" start_server "$sim_url" TENANT_CALLS_PER_MINUTE=0 TENANT_CALLS_IN_FLIGHT=0
  ports[i]=$port
  tokens[i]=$token
  connections[i]=$(curl -fsS -X POST "http://127.0.0.1:$port/mcp/connect" -H "Authorization: Bearer $token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["connection_id"])')
done

# One run: build index, transport. Appends "transport build p99" to p99s.
run() {
  local i=$1 transport=$2 at=http://127.0.0.1:${ports[$1]} url body headers=()
  case $transport in
  mcp)
    url=$at/mcp body=$rooms
    headers=(-H "Authorization: Bearer ${tokens[i]}" -H "Accept: application/json, text/event-stream"
      -H "MCP-Protocol-Version: 2025-11-25") ;;
  rest)
    url=$at/mcp/tools/execute
    body="{\"connection_id\":\"${connections[i]}\",\"tool_name\":\"get_rooms_details\",\"tool_args\":{}}" ;;
  legacy)
    url="$at/messages/?session_id=task_bench" body=$rooms headers=(-H "X-Quendoo-Api-Key: bench-key") ;;
  *) echo "unknown transport $transport"; exit 1 ;;
  esac
  succeeds "$transport" "$url" "$body" "${headers[@]}" || exit 1
  local oha=(taskset -c 1 oha --no-tui --output-format json -c 16 -m POST -T application/json -d "$body" "${headers[@]}")
  "${oha[@]}" -n 200 "$url" >/dev/null # warm up
  "${oha[@]}" -q "$RATE" --latency-correction -z "$DURATION" "$url" >oha.json
  python3 - "$transport" "$i" "${builds[$i]}" "$(uptime | sed 's/.*load average: /load /')" <<'PY'
import json, sys
transport, i, build, load = sys.argv[1:]
r = json.load(open("oha.json"))
codes = r.get("statusCodeDistribution", {})
bad = sum(n for code, n in codes.items() if not code.startswith("2"))
p = r["latencyPercentiles"]
ms = lambda key: f"{p[key] * 1000:.2f}" if p.get(key) is not None else "-"
print(f"{transport:<7} {build:<28} p50 {ms('p50'):>6}  p99 {ms('p99'):>6}  p99.9 {ms('p99.9'):>6} ms  ({load})"
      + (f"  {bad} not 2xx" if bad else ""))
print(transport, i, p["p99"] * 1000, file=open("p99s", "a"))
PY
}

for round in $(seq "${ROUNDS:-3}"); do
  echo "== round $round: $RATE calls/s for $DURATION each"
  for transport in ${TRANSPORTS:-mcp rest legacy}; do
    for i in "${!builds[@]}"; do run "$i" "$transport"; done
  done
done
echo "== median p99 (ms) of ${ROUNDS:-3} rounds"
python3 - "${builds[@]}" <<'PY'
import statistics, sys
builds = sys.argv[1:]
runs = {}
for line in open("p99s"):
    transport, i, p99 = line.split()
    runs.setdefault(transport, {}).setdefault(int(i), []).append(float(p99))
for transport, by_build in runs.items():
    for i, values in sorted(by_build.items()):
        each = ", ".join(f"{v:.2f}" for v in values)
        print(f"{transport:<7} {builds[i]:<28} {statistics.median(values):>6.2f}  ({each})")
PY
