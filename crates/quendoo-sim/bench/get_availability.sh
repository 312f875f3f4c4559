#!/usr/bin/env bash
# Throughput of the simulator's getAvailability on ONE core.
#
# The simulator (release build) is pinned to CPU 0 and wrk to CPU 1, over
# loopback, for a 30-night and a 365-night range. It measures; it asserts
# nothing.
#
# Usage: crates/quendoo-sim/bench/get_availability.sh
# Environment (all optional):
#   DURATION=10s  CONNECTIONS=32  PORT=18181
#   RECORD_LIMIT=0      requests kept by the simulator (0 = recording off;
#                       the default of the binary is 10000)
#   SIM_CPU=0 LOAD_CPU=1
#   CARGO_TARGET_DIR    where the release binary is built (cargo's default otherwise)
# Needs: taskset (util-linux), wrk (apt-get install wrk), curl.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18181}
RECORD_LIMIT=${RECORD_LIMIT:-0}
SIM_CPU=${SIM_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
KEY=bench-key

cd "$(dirname "$0")/../../.."
cargo build --release --quiet -p quendoo-sim
BIN="${CARGO_TARGET_DIR:-target}/release/quendoo-sim"

taskset -c "$SIM_CPU" "$BIN" --port "$PORT" --api-key "$KEY" --record-limit "$RECORD_LIMIT" >/dev/null &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT

BASE="http://127.0.0.1:$PORT/api/pms/v1/Availability/getAvailability?api_key=$KEY&sysres=qdo"
for _ in $(seq 50); do
    curl -fs -o /dev/null "$BASE&date_from=$(date -u +%F)&date_to=$(date -u +%F)" && break
    sleep 0.1
done

FROM=$(date -u +%F)
for NIGHTS in 30 365; do
    TO=$(date -u -d "$FROM + $((NIGHTS - 1)) days" +%F)
    URL="$BASE&date_from=$FROM&date_to=$TO"
    BYTES=$(curl -fs "$URL" | wc -c)
    echo "== getAvailability, $NIGHTS nights ($BYTES-byte response), simulator on CPU $SIM_CPU =="
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$URL"
done
