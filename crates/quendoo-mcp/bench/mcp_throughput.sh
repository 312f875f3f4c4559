#!/usr/bin/env bash
# Throughput of /mcp on this machine: the release server pinned to core 0,
# the PMS simulator (a separate process) and wrk sharing core 1, loopback
# only, 10 s per scenario. A measurement, never a test assertion.
# Usage: crates/quendoo-mcp/bench/mcp_throughput.sh  (needs wrk: apt-get install wrk)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --quiet -p quendoo-mcp -p quendoo-sim)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(free_port); mcp_port=$(free_port)
mcp() { "$target/release/quendoo-mcp" --dev --database-url "sqlite://$work/bench.db" "$@"; }

taskset -c 1 "$target/release/quendoo-sim" --port "$sim_port" --api-key bench-key >sim.log 2>&1 &
mcp tenant create --name "Bench Hotel" --id bench >/dev/null
printf 'bench-key' | mcp api-key set --tenant bench --name QUENDOO_API_KEY
token=$(mcp token --tenant bench --ttl 1h)
RUST_LOG=warn taskset -c 0 "$target/release/quendoo-mcp" --dev --database-url "sqlite://$work/bench.db" serve \
  --port "$mcp_port" --quendoo-base-url "http://127.0.0.1:$sim_port/api/pms/v1" >server.log 2>&1 &
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$mcp_port/health" >/dev/null 2>&1 && break; sleep 0.2; done

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
echo "server RSS after the runs: $(grep VmRSS /proc/$(pgrep -f "serve --port $mcp_port" | head -1)/status | awk '{print $2, $3}')"
