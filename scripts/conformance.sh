#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios that apply to a
# real server, then the official Python and TypeScript SDKs as clients
# (scripts/python_client.py, scripts/ts_client.mjs) on /mcp and on the
# legacy /sse,
# against a loopback-only instance of quendoo-mcp whose bearer
# authentication is switched off (the suite cannot send auth headers): every
# request acts for one named demo tenant, backed by the built-in simulator.
#
# Needs the Rust toolchain, npm and python3; installs Node 22, the suite and
# the TypeScript SDK, and a venv with the Python SDK, into target/conformance
# (registries only). Usage: scripts/conformance.sh
# (QUENDOO_MCP_BIN=path uses an already built binary instead of building one).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
work="$root/target/conformance"
suite_version=0.1.16
python_sdk_version=2.3.0
ts_sdk_version=1.32.2
inspector_version=2.12.0
scenarios=(server-initialize ping tools-list dns-rebinding-protection server-sse-multiple-streams)

mkdir -p "$work"
# Registry installs get three tries: a passing network hiccup should not fail CI.
retry() { for attempt in 1 2 3; do "$@" && return 0; echo "conformance: retrying ($attempt): $*"; sleep 5; done; return 1; }
if [ ! -x "$work/node_modules/.bin/conformance" ] || [ ! -x "$work/node_modules/.bin/node" ] \
   || [ ! -d "$work/node_modules/@modelcontextprotocol/sdk" ] || [ ! -x "$work/node_modules/.bin/mcp-inspector" ]; then
  echo "conformance: installing Node 22, @modelcontextprotocol/conformance@$suite_version, the TypeScript SDK $ts_sdk_version and the Inspector $inspector_version"
  (cd "$work" && retry npm install --no-audit --no-fund --silent node@22 \
    "@modelcontextprotocol/conformance@$suite_version" "@modelcontextprotocol/sdk@$ts_sdk_version" \
    "@modelcontextprotocol/inspector@$inspector_version" >/dev/null)
fi
export PATH="$work/node_modules/.bin:$PATH"

bin=${QUENDOO_MCP_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet --bin quendoo-mcp
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/quendoo-mcp"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db="$work/conformance.db"
rm -f "$db" "$db-shm" "$db-wal"

"$bin" --dev serve --demo --insecure-tenant demo-hotel \
  --host 127.0.0.1 --port "$port" --database-url "sqlite://$db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "conformance: the server did not start:"; cat "$work/server.log"; exit 1; }
  sleep 0.2
done

failed=0
for scenario in "${scenarios[@]}"; do
  if conformance server --url "http://127.0.0.1:$port/mcp" --scenario "$scenario" >"$work/$scenario.log" 2>&1; then
    echo "conformance: $scenario passed"
  else
    echo "conformance: $scenario FAILED"; cat "$work/$scenario.log"; failed=$((failed + 1))
  fi
done
echo "conformance: $failed of ${#scenarios[@]} scenarios failed"

if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
  retry "$work/venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$python_sdk_version"
fi
# The Inspector's --strict check: tool schemas portable to every model
# provider (no bare `true` schema, no `null` in a `type` array), errors and
# warnings alike; and its HTTP+SSE client calling a tool on /sse.
if mcp-inspector --cli "http://127.0.0.1:$port/mcp" --transport http --method tools/list --strict \
     >"$work/inspector-strict.log" 2>&1 && ! grep -q '^Warning' "$work/inspector-strict.log"; then
  echo "inspector --strict: tools/list clean"
else
  echo "inspector --strict: FAILED"; grep -A3 '^Warning\|^Error\|error' "$work/inspector-strict.log" | head -40; failed=$((failed + 1))
fi
if mcp-inspector --cli "http://127.0.0.1:$port/sse" --transport sse --method tools/call \
     --tool-name get_bookings --tool-arg limit=1 >"$work/inspector-sse.log" 2>&1 \
   && grep -q '"isError": false' "$work/inspector-sse.log"; then
  echo "inspector (sse): tools/call ok"
else
  echo "inspector (sse): FAILED"; head -c 2000 "$work/inspector-sse.log"; failed=$((failed + 1))
fi

# The TypeScript client resolves the SDK from beside itself.
cp "$root/scripts/ts_client.mjs" "$work/ts_client.mjs"
for path in /mcp /sse; do
  "$work/venv/bin/python" "$root/scripts/python_client.py" "http://127.0.0.1:$port$path" || failed=$((failed + 1))
  node "$work/ts_client.mjs" "http://127.0.0.1:$port$path" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
