#!/usr/bin/env bash
# Memory per idle legacy `/sse` stream. Starts the release server (SQLite in a
# temporary directory, no PMS needed), records its resident memory (VmRSS),
# opens N streams from a separate client process (each reads its `endpoint`
# event, then stays idle past a keep-alive), records VmRSS again and prints
# (after - before) / N. It measures; it asserts nothing. With SERVER=floor it
# measures the same against `examples/idle_stream_floor.rs` instead: our
# accept loop and axum holding a bare event stream (FLOOR=server), or
# hyper's HTTP/1 connection alone (FLOOR=hyper), what any server on hyper
# keeps per idle stream.
#
# Usage: crates/quendoo-mcp/bench/legacy_sse_idle_streams.sh
# Environment (all optional):
#   STREAMS=5000  PORT=18282  KEEPALIVE=1s
#   CARGO_TARGET_DIR    where the release binary is built (cargo's default otherwise)
#   BUILD=0             take the binary already built there
#   SERVER=floor        the bare stream (examples/idle_stream_floor.rs) instead
#   FLOOR=server|hyper  which bare stream: our accept loop and axum, or hyper alone
# Needs: python3, curl. The client and the server each hold STREAMS sockets:
# `ulimit -n` must exceed STREAMS (+ a few).
set -euo pipefail

STREAMS=${STREAMS:-5000}
PORT=${PORT:-18282}
KEEPALIVE=${KEEPALIVE:-1s}

cd "$(dirname "$0")/../../.."
TARGET="${CARGO_TARGET_DIR:-target}/release"
WORK=$(mktemp -d)
if [ "${SERVER:-}" = floor ]; then
    [ "${BUILD:-1}" = 0 ] || cargo build --release --quiet -p quendoo-mcp --example idle_stream_floor
    "$TARGET/examples/idle_stream_floor" "$PORT" "${FLOOR:-server}" >"$WORK/server.log" 2>&1 &
else
    [ "${BUILD:-1}" = 0 ] || cargo build --release --quiet -p quendoo-mcp
    BIN="$TARGET/quendoo-mcp"
    eval "$("$BIN" keygen)"
    export ENCRYPTION_KEY JWT_SECRET
    "$BIN" serve --port "$PORT" --database-url "sqlite://$WORK/bench.db" \
        --legacy-sse-keepalive "$KEEPALIVE" --legacy-sse-max-streams-per-address "$STREAMS" --log-filter warn >"$WORK/server.log" 2>&1 &
fi
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
    sleep 0.1
done
# Warm the path once (first-use allocations are not per stream).
curl -fs -N --max-time 1 "http://127.0.0.1:$PORT/sse" >/dev/null || true
sleep 1

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
BEFORE=$(rss_kib)

python3 - "$PORT" "$STREAMS" "$SERVER_PID" "$BEFORE" <<'PY'
import asyncio, sys

port, streams, pid, before = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

async def open_stream(gate):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await writer.drain()
        seen = b""
        while b"event: endpoint" not in seen:
            chunk = await reader.read(1024)
            if not chunk:
                raise RuntimeError(f"stream closed: {seen[:200]!r}")
            seen += chunk
        return reader, writer

async def main():
    gate = asyncio.Semaphore(200)  # stay within the listen backlog
    held = await asyncio.gather(*(open_stream(gate) for _ in range(streams)))
    await asyncio.sleep(3)  # past a keep-alive or two: every stream has written since
    after = rss_kib()
    alive = sum(1 for reader, _ in held if not reader.at_eof())
    delta = after - before
    print(f"streams open: {alive} of {streams}")
    print(f"server VmRSS before: {before} KiB, after: {after} KiB, delta: {delta} KiB")
    print(f"per idle stream: {delta * 1024 / streams:.0f} bytes ({delta / streams:.2f} KiB)")
    for _, writer in held:
        writer.close()

asyncio.run(main())
PY
