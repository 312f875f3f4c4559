#!/usr/bin/env bash
# Throughput of /mcp on this machine: the release server pinned to core 0,
# the PMS simulator (a separate process) and wrk sharing core 1, loopback
# only, 10 s per scenario. A measurement, never a test assertion.
# Usage: crates/quendoo-mcp/bench/mcp_throughput.sh  (needs wrk: apt-get install wrk)
source "$(dirname "$0")/lib.sh"
bench_hotel
start_sim
pin="taskset -c 0" start_server "$sim_url" RUST_LOG=warn
mcp_port=$port

from=$(date -d '+10 days' +%F); to=$(date -d '+39 days' +%F)
run() { # name, JSON-RPC body
  cat >req.lua <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
wrk.body = [[$2]]
LUA
  echo "== $1"
  taskset -c 1 wrk -t1 -c16 -d10s --latency -s req.lua "http://127.0.0.1:$mcp_port/mcp" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
}
run "tools/list" '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
run "tools/call get_property_settings (names=property)" '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_property_settings","arguments":{"names":"property"}}}'
run "tools/call get_availability (30 nights, all rooms)" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_availability\",\"arguments\":{\"date_from\":\"$from\",\"date_to\":\"$to\",\"sysres\":\"qdo\"}}}"
echo "server RSS after the runs: $(rss_mib)"
