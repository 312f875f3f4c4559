#!/usr/bin/env bash
# Instructions per request, counted by callgrind (valgrind): nearly the same
# total for the same binary and requests whatever else the machine is doing,
# so two builds can be told apart where CPU time (hot_path.sh) moves by ±10%
# from run to run on a shared host. User-space instructions only: system
# calls count as one each, the kernel's work not at all. The release server
# on SQLite runs under callgrind; each request is sent WARM times, the
# counters zeroed, then sent N times (oha, 4 connections) and the count
# divided by N (under 1% apart from run to run). A measurement, never a
# test assertion.
#
# Usage: crates/quendoo-mcp/bench/instructions.sh
# Environment (optional): N=1000  WARM=200  BUILD=0 (take the binaries built)
#   KEEP=DIR keeps each request's callgrind dump there, for callgrind_annotate
# Needs: valgrind, oha (as hot_path.sh), curl.
source "$(dirname "$0")/lib.sh"
N=${N:-1000}
WARM=${WARM:-200}
PATH=$target/bench-tools/bin:$PATH
command -v oha >/dev/null || { echo "needs oha: cargo install oha --locked --root $target/bench-tools"; exit 1; }
command -v valgrind >/dev/null || { echo "needs valgrind"; exit 1; }

bench_hotel
start_sim
pin=$callgrind start_server "$sim_url" TENANT_CALLS_PER_MINUTE=0 TENANT_CALLS_IN_FLIGHT=0
at=http://127.0.0.1:$port
connection=$(curl -fsS -X POST "$at/mcp/connect" -H "Authorization: Bearer $token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["connection_id"])')

# name, URL, body ('' for a GET), then headers (-H ...)
count() {
  local name=$1 url=$2 body=$3 dump; shift 3
  local method=(-m POST -T application/json -d "$body")
  [ -z "$body" ] && method=()
  local oha=(oha --no-tui --output-format json -c 4 "${method[@]}" "$@")
  succeeds "$name" "$url" "$body" "$@" || return 0
  "${oha[@]}" -n "$WARM" "$url" >oha.json
  callgrind_zero
  "${oha[@]}" -n "$N" "$url" >oha.json
  dump=$(callgrind_dump "$name")
  python3 - "$name" "$(per_request "$dump" "$N")" <<'PY'
import json, sys
name, each = sys.argv[1], json.loads(sys.argv[2])
codes = json.load(open("oha.json")).get("statusCodeDistribution", {})
bad = sum(v for k, v in codes.items() if not k.startswith("2"))
print(f"{name:<34} {each['Ir'] / 1000:>8.1f}k instructions per request" + (f"  ({bad} not 2xx {codes})" if bad else ""))
PY
}
mcp=(-H "Authorization: Bearer $token" -H "Accept: application/json, text/event-stream"
  -H "MCP-Protocol-Version: 2025-11-25")
call() { echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"; }
rooms='{"name":"get_rooms_details","arguments":{}}'
count "GET /health" "$at/health" ''
count "ping on /mcp" "$at/mcp" "$(call ping '{}')" "${mcp[@]}"
count "tools/list on /mcp" "$at/mcp" "$(call tools/list '{}')" "${mcp[@]}"
count "get_rooms_details on /mcp" "$at/mcp" "$(call tools/call "$rooms")" "${mcp[@]}"
count "get_rooms_details on REST" "$at/mcp/tools/execute" \
  "{\"connection_id\":\"$connection\",\"tool_name\":\"get_rooms_details\",\"tool_args\":{}}"
count "get_rooms_details on legacy" "$at/messages/?session_id=task_bench" "$(call tools/call "$rooms")" \
  -H "X-Quendoo-Api-Key: bench-key"
