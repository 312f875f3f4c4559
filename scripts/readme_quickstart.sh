#!/usr/bin/env bash
# Runs the README's first command exactly as written, in a fresh folder
# (a copy of this checkout, so no earlier database or dev secrets help it),
# waits for the bearer token it prints, lists and calls the tools with the
# official Python SDK (the venv scripts/conformance.sh made), and stops it.
# Usage: scripts/readme_quickstart.sh (after scripts/conformance.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
work="$root/target/quickstart"
python="$root/target/conformance/venv/bin/python"
[ -x "$python" ] || { echo "quickstart: run scripts/conformance.sh first (it makes the Python SDK venv)"; exit 1; }

# The first line of the README's first code block that runs the server.
command=$(awk '/^```/{n++; next} n==1' README.md | grep -m1 ' serve' | sed 's/[[:space:]]#.*$//')
[ -n "$command" ] || { echo "quickstart: no serve command in the README's first code block"; exit 1; }

rm -rf "$work" && mkdir -p "$work"
git ls-files -z | xargs -0 cp --parents -t "$work"
cd "$work"
echo "quickstart: $command"
# Builds land in the shared target folder, as they would in the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
setsid bash -c "$command" >out.txt 2>err.txt &
server=$!
trap 'kill -- -$server 2>/dev/null || true' EXIT

token=
for _ in $(seq 1 900); do
  token=$(sed -n 's/^ *Bearer token: *//p' out.txt | head -n 1)
  [ -n "$token" ] && break
  kill -0 $server 2>/dev/null || { echo "quickstart: the command stopped:"; tail -n 20 err.txt; exit 1; }
  sleep 1
done
[ -n "$token" ] || { echo "quickstart: no token printed within 15 minutes"; tail -n 20 err.txt; exit 1; }
url=$(sed -n 's/^ *MCP endpoint: *\([^ ]*\).*/\1/p' out.txt | head -n 1)
"$python" "$root/scripts/python_client.py" "$url" "$token"
# The legacy transport with the same token, as a standard 2024-11-05 client.
"$python" "$root/scripts/python_client.py" "${url%/mcp}/sse" "$token"
echo "quickstart: the README's first command serves $url"
