#!/usr/bin/env bash
# What the operations bounds cost and what they save, on this machine
# (release build, loopback, SQLite). A measurement, never a test assertion.
#  1. Peak RSS (VmHWM) of a fresh server under the bursts of issue 10:
#     32 concurrent tools/call whose upstream answers are 40 MiB, then 7 MiB
#     (with the answers-in-flight budget, and with it lifted), and 40
#     concurrent 1 MB JSON bodies of zeros.
#  2. The per-hotel limits' cost: wrk on tools/call get_property_settings (names=property) with
#     the limits off, counted in the process, and counted in Redis; req/s
#     and the server's CPU per request (from /proc).
# Usage: crates/quendoo-mcp/bench/operations.sh  (needs wrk, curl, python3; Redis at 127.0.0.1:6379)
source "$(dirname "$0")/lib.sh"
export RUST_LOG=error
bench_hotel
call() { # JSON-RPC body file: one line, the HTTP status and, for a tool result, ok or its error's kind
  local code answer="answer.$BASHPID"
  code=$(curl -s -o "$answer" -w '%{http_code}' "http://127.0.0.1:$port/mcp" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' --data-binary "@$1")
  python3 -c 'import json,sys
try: r=json.load(open(sys.argv[2])).get("result",{})
except Exception: r={}
kind="" if not r else (r.get("structuredContent") or {}).get("error","error") if r.get("isError") else "ok"
print(("HTTP "+sys.argv[1]+" "+kind).strip())' "$code" "$answer"
  rm -f "$answer"
}
tally() { sort "$1" | uniq -c | awk '{n=$1; $1=""; printf "%s%d x%s", sep, n, $0; sep=", "}'; }
together() { # count, command...: runs count copies at once and waits for them
  local count=$1; shift
  local pids=()
  for _ in $(seq 1 "$count"); do "$@" & pids+=($!); done
  wait "${pids[@]}"
}
echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_bookings","arguments":{}}}' >bookings.json

echo "== 1. peak RSS under bursts (fresh server each time)"
for size_mib in 40 7; do
  up=$(free_port)
  python3 "$root/crates/quendoo-mcp/bench/big_upstream.py" "$up" $((size_mib * 1024 * 1024)) &
  upstream_pid=$!
  sleep 0.5
  for mode in defaults no-budget; do
    if [ "$mode" = defaults ]; then extra=(TOOL_CALL_TIMEOUT=60s); else extra=(TOOL_CALL_TIMEOUT=60s QUENDOO_MAX_RESPONSE_BYTES=$((48 * 1024 * 1024)) QUENDOO_ANSWERS_IN_FLIGHT_BYTES=$((4096 * 1024 * 1024))); fi
    start_server "http://127.0.0.1:$up/api/pms/v1" TENANT_CALLS_IN_FLIGHT=0 "${extra[@]}"
    idle=$(peak)
    together 32 call bookings.json >codes.txt
    echo "32 calls, ${size_mib} MiB answers, $mode: peak RSS $(peak) (idle $idle); $(tally codes.txt)"
    stop_server
  done
  kill "$upstream_pid"; wait "$upstream_pid" 2>/dev/null || true
done
start_sim
python3 - <<'PY'
zeros = ",".join(["0"] * 500_000)
open("zeros.json", "w").write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_bookings","arguments":{"x":[' + zeros + ']}}}')
PY
start_server "$sim_url"
idle=$(peak)
together 40 call zeros.json >codes.txt
echo "40 bodies of 1 MB zeros: peak RSS $(peak) (idle $idle); $(tally codes.txt)"
stop_server

echo "== 2. the limits' cost (server on core 0; simulator and wrk on core 1; 10 s each)"
cat >req.lua <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_property_settings","arguments":{"names":"property"}}}'
LUA
for mode in off local redis; do
  case $mode in
    off) extra=(TENANT_CALLS_PER_MINUTE=0 TENANT_CALLS_IN_FLIGHT=0) ;;
    local) extra=(TENANT_CALLS_PER_MINUTE=100000000 TENANT_CALLS_IN_FLIGHT=1000) ;;
    redis) extra=(TENANT_CALLS_PER_MINUTE=100000000 TENANT_CALLS_IN_FLIGHT=1000 REDIS_URL=redis://127.0.0.1:6379) ;;
  esac
  pin="taskset -c 0" start_server "$sim_url" "${extra[@]}"
  before=$(cpu_ticks)
  out=$(taskset -c 1 wrk -t1 -c16 -d10s --latency -s req.lua "http://127.0.0.1:$port/mcp")
  after=$(cpu_ticks)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  hz=$(getconf CLK_TCK)
  echo "limits $mode: $rps req/s, p99 $p99, server CPU $(python3 -c "print(round(($after - $before) / $hz / $requests * 1e6))") µs per call"
  stop_server
done
