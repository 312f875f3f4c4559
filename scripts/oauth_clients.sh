#!/usr/bin/env bash
# Drives the OAuth 2.1 authorization server of quendoo-mcp with real clients,
# against a loopback-only demo instance (fresh SQLite database in a temp
# folder; the demo prints the sign-in e-mail and password it seeded): the
# unauthenticated 401 and its WWW-Authenticate challenge; the official Python
# SDK's OAuthClientProvider (scripts/oauth_client.py) signing in, calling
# tools and refreshing its token, once registered by Dynamic Client
# Registration and once by a Client ID Metadata Document served from
# loopback (hence OAUTH_CIMD_ALLOW_LOOPBACK=true); and a person in headless
# Chromium (scripts/oauth_browser.mjs) signing in and clicking Allow, then
# Deny, on the consent page.
#
# Needs the built binary (builds nothing), the venv and Node 22 that
# scripts/conformance.sh put in target/conformance, npm, and Debian's
# chromium at /usr/bin/chromium (.ci/run installs it); installs
# playwright-core into target/conformance (registry only). Usage:
# scripts/oauth_clients.sh (QUENDOO_MCP_BIN=path picks the binary; the
# default is ${CARGO_TARGET_DIR:-target}/debug/quendoo-mcp).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
conformance="$root/target/conformance"
python="$conformance/venv/bin/python"
node="$conformance/node_modules/.bin/node"
chromium=/usr/bin/chromium
playwright_version=1.65.1

bin=${QUENDOO_MCP_BIN:-${CARGO_TARGET_DIR:-target}/debug/quendoo-mcp}
[ -x "$bin" ] || { echo "oauth: no server binary at $bin (build it with cargo build --bin quendoo-mcp, or set QUENDOO_MCP_BIN)"; exit 1; }
[ -x "$python" ] || { echo "oauth: run scripts/conformance.sh first (it makes the Python SDK venv)"; exit 1; }
[ -x "$node" ] || { echo "oauth: run scripts/conformance.sh first (it installs Node 22)"; exit 1; }

# Registry installs get three tries: a passing network hiccup should not fail CI.
retry() { for attempt in 1 2 3; do "$@" && return 0; echo "oauth: retrying ($attempt): $*"; sleep 5; done; return 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

OAUTH_CIMD_ALLOW_LOOPBACK=true "$bin" --dev serve --demo --host 127.0.0.1 --port "$port" \
  --database-url "sqlite://$work/oauth.db" >"$work/out.txt" 2>"$work/err.txt" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "oauth: the server did not start:"; tail -n 30 "$work/err.txt"; exit 1; }
  sleep 0.2
done
curl -fsS "$base/health" >/dev/null 2>&1 || { echo "oauth: /health did not answer within 20 s"; tail -n 30 "$work/err.txt"; exit 1; }

email= password=
for _ in $(seq 1 50); do
  email=$(sed -n 's/^ *Sign-in e-mail: *//p' "$work/out.txt" | head -n 1)
  password=$(sed -n 's/^ *Sign-in password: *//p' "$work/out.txt" | head -n 1)
  [ -n "$email" ] && [ -n "$password" ] && break
  sleep 0.2
done
if [ -z "$email" ] || [ -z "$password" ]; then
  echo "oauth: the demo printed no 'Sign-in e-mail:' and 'Sign-in password:' lines:"; cat "$work/out.txt"; exit 1
fi

failed=0
# The challenge every client starts from (RFC 9728 §5.1): 401 naming the
# protected resource metadata and the scopes.
headers=$(curl -sS -o /dev/null -D - -X POST "$base/mcp" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  --data '{"jsonrpc":"2.0","id":1,"method":"ping"}' | tr -d '\r')
challenge=$(grep -i '^www-authenticate:' <<<"$headers" || true)
if head -n 1 <<<"$headers" | grep -q ' 401' \
   && grep -qF "resource_metadata=\"$base/.well-known/oauth-protected-resource/mcp\"" <<<"$challenge" \
   && grep -qF 'scope="pms:read pms:write comms:send"' <<<"$challenge"; then
  echo "oauth: /mcp without a token: 401 with the Bearer challenge"
else
  echo "oauth: /mcp without a token: FAILED: $(head -n 1 <<<"$headers"); ${challenge:-no WWW-Authenticate}"
  failed=$((failed + 1))
fi

"$python" "$root/scripts/oauth_client.py" "$base/mcp" "$email" "$password" || failed=$((failed + 1))
"$python" "$root/scripts/oauth_client.py" "$base/mcp" "$email" "$password" --cimd || failed=$((failed + 1))

if [ -x "$chromium" ]; then
  installed=$("$node" -p "require('$conformance/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
  if [ "$installed" != "$playwright_version" ]; then
    echo "oauth: installing playwright-core@$playwright_version into $conformance"
    (cd "$conformance" && retry npm install --no-audit --no-fund --silent --save-exact "playwright-core@$playwright_version" >/dev/null) \
      || { echo "oauth: could not install playwright-core@$playwright_version"; exit 1; }
  fi
  # The browser check resolves playwright-core from beside itself.
  cp "$root/scripts/oauth_browser.mjs" "$conformance/oauth_browser.mjs"
  (cd "$conformance" && CHROMIUM="$chromium" "$node" oauth_browser.mjs "$base" "$email" "$password") || failed=$((failed + 1))
else
  echo "oauth: browser: FAILED: no $chromium (Debian's chromium: apt-get install --no-install-recommends chromium)"
  failed=$((failed + 1))
fi

if [ "$failed" -ne 0 ]; then
  echo "oauth: $failed check(s) failed; the server's last log lines:"
  tail -n 30 "$work/err.txt"
  exit 1
fi
echo "oauth: the authorization server serves the Python SDK (DCR, CIMD) and a browser"
