#!/usr/bin/env bash
# Size of the tools/list result, per tool and in total: bytes of compact JSON
# and approximate tokens (bytes / 4, an approximation: real tokenizers differ
# by model). A measurement, never a test assertion.
# Usage: crates/quendoo-mcp/bench/tools_list_size.sh          (a running --demo server)
#        crates/quendoo-mcp/bench/tools_list_size.sh FILE     (a saved listing, e.g.
#        `git show REV:crates/quendoo-mcp/tests/snapshots/tools.json`)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
  cp "$1" "$work/tools.json"
else
  target=${CARGO_TARGET_DIR:-$root/target}
  (cd "$root" && cargo build --quiet --bin quendoo-mcp)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # --dev keeps its generated secrets in the working directory: the temporary one.
  (cd "$work" && exec "$target/debug/quendoo-mcp" --dev serve --demo --insecure-tenant demo-hotel \
    --host 127.0.0.1 --port "$port" --database-url "sqlite://$work/size.db" >"$work/server.log" 2>&1) &
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' >"$work/answer.json" \
    || { echo "tools_list_size: no answer from the server:"; cat "$work/server.log"; exit 1; }
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["result"]["tools"]))' \
    "$work/answer.json" >"$work/tools.json"
fi

python3 - "$work/tools.json" <<'PY'
import json, sys
tools = json.load(open(sys.argv[1]))
compact = lambda value: len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
print(f"{'tool':32} {'bytes':>7} {'~tokens':>8}")
for tool in tools:
    size = compact(tool)
    print(f"{tool['name']:32} {size:>7} {size // 4:>8}")
total = compact(tools)
print(f"{'total (' + str(len(tools)) + ' tools)':32} {total:>7} {total // 4:>8}")
print("tokens are bytes/4 of compact JSON, an approximation")
PY
