#!/usr/bin/env bash
# A tool call's own cost on this machine (issue 13): the release server on
# SQLite (or on DATABASE_URL, an empty PostgreSQL database of its own)
# pinned to core 0, the PMS simulator and the load generator (oha)
# pinned to core 1, loopback only. For each request: req/s and p50/p99 at 16
# connections, and the server's CPU per request (utime+stime from
# /proc/PID/stat over the run / requests answered); p50/p99 at a fixed
# 1,000 calls/s (latency counted from when each call was due, so a stall is
# not hidden); idle RSS (and its anonymous part) and the time from start
# to the first answered /health; memory per idle /sse stream; the seed's
# Python server (bench/seed_app.py) on the same core and simulator, and our
# ratio to it. A measurement, never a test assertion:
# the machine is shared, so the load average is printed with each figure.
#
# Usage: crates/quendoo-mcp/bench/hot_path.sh
# Environment (optional): DURATION=10s  RATE=1000  SEED=1 (0 skips Python)
#   ROUNDS=1 (the 16-connection lines run that many times in turn, then
#   each one's median: a shared host moves a single figure by 10% and more)
#   DATABASE_URL (default: a SQLite file in the work directory)
#   SYSCALLS=1 also counts, per request, the measured process's system
#   calls and context switches (perf's tracepoints; they add to the
#   kernel's time, so take the CPU figures from a run without it)
#   STREAMS=2000 (idle /sse streams)
#   RUST_LOG (the server's filter; unset means its default, as deployed)
# Needs: oha (`cargo install oha --locked --root "$CARGO_TARGET_DIR/bench-tools"`;
# found there or on PATH), python3 (the seed's app gets a venv under
# $CARGO_TARGET_DIR/bench-tools/seed-venv), curl, taskset.
source "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-10s}
RATE=${RATE:-1000}
tools=$target/bench-tools
PATH=$tools/bin:$PATH
command -v oha >/dev/null || { echo "needs oha: cargo install oha --locked --root $tools"; exit 1; }

load() { uptime | sed 's/.*load average: /load /'; }

# The cost of one kind of request to the process $measured (the server by
# default): name, URL, body ('' for a GET), then headers (-H ...); $rate
# holds oha's options for a fixed rate. One line of figures; the req/s and
# the CPU per request are also added to rps.<name> and cpu.<name>, and
# the name to `names`.
measure() {
  local name=$1 url=$2 body=$3; shift 3
  local method=(-m POST -T application/json -d "$body")
  [ -z "$body" ] && method=()
  # shellcheck disable=SC2086 # $rate is a list of options
  local oha=(taskset -c 1 oha --no-tui --output-format json -c 16 ${rate:-} "${method[@]}" "$@")
  succeeds "$name" "$url" "$body" "$@" || return 0
  "${oha[@]}" -n 200 "$url" >/dev/null # warm up
  local pid=${measured:-$server_pid} before after kernel_before kernel_after perf=""
  if [ "${SYSCALLS:-0}" = 1 ]; then
    perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$pid" -o perf.csv &
    perf=$!
  fi
  before=$(cpu_ticks "$pid") kernel_before=$(kernel_ticks "$pid")
  "${oha[@]}" -z "$DURATION" "$url" >oha.json
  after=$(cpu_ticks "$pid") kernel_after=$(kernel_ticks "$pid")
  if [ -n "$perf" ]; then kill -INT "$perf"; wait "$perf" || true; else rm -f perf.csv; fi
  python3 - "$name" "$before" "$after" "$(getconf CLK_TCK)" "$(load)" \
    "$((kernel_after - kernel_before))" <<'PY'
import json, os, sys
name, before, after, hz, load = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
kernel = float(sys.argv[6])
r = json.load(open("oha.json"))
codes = r.get("statusCodeDistribution", {})
ok = sum(n for code, n in codes.items() if code.startswith("2"))
total = sum(codes.values())
p = r["latencyPercentiles"]
ms = lambda s: f"{s * 1000:.2f} ms" if s is not None else "-"
cpu = (after - before) / hz / max(total, 1) * 1e6
kernel = kernel / hz / max(total, 1) * 1e6
counted = ""
if os.path.exists("perf.csv"):
    # perf's CSV: count, unit, event, ...
    events = {f[2]: float(f[0]) for f in (l.split(",") for l in open("perf.csv")) if len(f) > 3 and f[0].isdigit()}
    counted = (f"  {events.get('raw_syscalls:sys_enter', 0) / max(total, 1):.1f} syscalls"
               f" {events.get('context-switches', 0) / max(total, 1):.2f} switches")
bad = f", {total - ok} not 2xx {codes}" if ok != total else ""
file = "".join(c if c.isalnum() else "_" for c in name)
print(r["summary"]["requestsPerSec"], file=open("rps." + file, "a"))
print(cpu, file=open("cpu." + file, "a"))
print(name, file=open("names", "a"))
print(f"{name:<44} {r['summary']['requestsPerSec']:>8.0f} req/s  p50 {ms(p['p50']):>9}  p99 {ms(p['p99']):>9}  "
      f"CPU {cpu:>4.0f} µs/req (kernel {kernel:>3.0f}){counted}  ({load}){bad}")
PY
}

mcp_call() { # JSON-RPC method and params
  echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"
}
rooms='{"name":"get_rooms_details","arguments":{}}'
mcp_headers=(-H "Authorization: Bearer TOKEN" -H "Accept: application/json, text/event-stream"
  -H "MCP-Protocol-Version: 2025-11-25")

bench_hotel
echo "== start-up and idle memory ($(load))"
python3 - "$target/release/quendoo-mcp" "$db_url" <<'PY'
import os, socket, statistics, subprocess, sys, time
binary, db_url = sys.argv[1], sys.argv[2]
times, rss = [], []
for attempt in range(5):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    started = time.monotonic()
    server = subprocess.Popen(["taskset", "-c", "0", binary, "--dev", "--database-url", db_url,
                               "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if c.recv(64).startswith(b"HTTP/1.1 200"):
                    break
        except OSError:
            time.sleep(0.001)
    times.append((time.monotonic() - started) * 1000)
    time.sleep(1)
    status = {l.split(":")[0]: int(l.split()[1]) / 1024 for l in open(f"/proc/{server.pid}/status") if l.startswith(("VmRSS", "RssAnon"))}
    rss.append((status["VmRSS"], status["RssAnon"]))
    server.terminate(); server.wait()
print(f"start to first answered /health: median {statistics.median(times):.0f} ms (of 5: {', '.join(f'{t:.0f}' for t in times)})")
# Most of it is the binary's code, mapped from the file (shared with the
# page cache; how much is mapped depends on what the cache holds): the
# anonymous part is the server's own.
print(f"idle RSS 1 s after start: median {statistics.median(r for r, _ in rss):.1f} MiB, "
      f"of which anonymous {statistics.median(a for _, a in rss):.1f} MiB")
PY

start_sim
# The per-hotel limits off: one hotel makes every call here (their own cost
# is measured by operations.sh).
pin="taskset -c 0" start_server "$sim_url" TENANT_CALLS_PER_MINUTE=0 TENANT_CALLS_IN_FLIGHT=0
at=http://127.0.0.1:$port
mcp_headers[1]="Authorization: Bearer $token"
connection=$(curl -fsS -X POST "http://127.0.0.1:$port/mcp/connect" -H "Authorization: Bearer $token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["connection_id"])')
rest_body="{\"connection_id\":\"$connection\",\"tool_name\":\"get_rooms_details\",\"tool_args\":{}}"
legacy_path="/messages/?session_id=task_bench"
legacy_headers=(-H "X-Quendoo-Api-Key: bench-key")

for round in $(seq "${ROUNDS:-1}"); do
  echo "== 16 connections, $DURATION each (server on core 0; simulator and oha on core 1), round $round"
  measure "GET /health" "$at/health" ''
  measure "ping on /mcp" "$at/mcp" "$(mcp_call ping '{}')" "${mcp_headers[@]}"
  measure "tools/list on /mcp" "$at/mcp" "$(mcp_call tools/list '{}')" "${mcp_headers[@]}"
  measure "get_rooms_details on /mcp" "$at/mcp" "$(mcp_call tools/call "$rooms")" "${mcp_headers[@]}"
  measure "get_rooms_details on REST" "$at/mcp/tools/execute" "$rest_body"
  measure "get_rooms_details on legacy" "$at$legacy_path" "$(mcp_call tools/call "$rooms")" "${legacy_headers[@]}"
done
if [ "${ROUNDS:-1}" -gt 1 ]; then
  echo "== medians of $ROUNDS rounds"
  python3 - <<'PY'
import statistics
for name in dict.fromkeys(open("names").read().splitlines()):
    file = "".join(c if c.isalnum() else "_" for c in name)
    values = [float(line) for line in open("rps." + file)]
    cpu = [float(line) for line in open("cpu." + file)]
    print(f"{name:<44} {statistics.median(values):>8.0f} req/s  CPU {statistics.median(cpu):>4.0f} µs/req"
          f"  (CPU of each round: {', '.join(f'{c:.0f}' for c in cpu)})")
PY
fi

echo "== a fixed $RATE calls/s, $DURATION each (latency from when each call was due)"
rate="-q $RATE --latency-correction"
measured=$sim_pid measure "getRoomsDetails on the simulator alone" "$sim_url/Property/getRoomsDetails?api_key=bench-key" ''
measure "get_rooms_details on /mcp at $RATE/s" "$at/mcp" "$(mcp_call tools/call "$rooms")" "${mcp_headers[@]}"
measure "get_rooms_details on REST at $RATE/s" "$at/mcp/tools/execute" "$rest_body"
measure "get_rooms_details on legacy at $RATE/s" "$at$legacy_path" "$(mcp_call tools/call "$rooms")" "${legacy_headers[@]}"
rate=""
echo "server RSS after the runs: $(rss_mib)"
stop_server

echo "== memory per idle /sse stream (legacy_sse_idle_streams.sh, STREAMS=${STREAMS:-2000})"
BUILD=0 STREAMS=${STREAMS:-2000} PORT=$(free_port) "$root/crates/quendoo-mcp/bench/legacy_sse_idle_streams.sh" | tail -1

[ "${SEED:-1}" = 0 ] && exit 0
echo "== the seed's Python server (bench/seed_app.py, uvicorn, one worker on core 0), 16 connections"
venv=$tools/seed-venv
[ -x "$venv/bin/uvicorn" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q fastapi uvicorn httpx cryptography; }
export SEED_DB=$work/seed.db QUENDOO_BASE_URL=$sim_url
SEED_FERNET_KEY=$("$venv/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export SEED_FERNET_KEY PYTHONPATH=$root/crates/quendoo-mcp/bench
"$venv/bin/python" -m seed_app bench bench-key
seed_port=$(free_port)
taskset -c 0 "$venv/bin/uvicorn" --port "$seed_port" --log-level warning seed_app:app >seed.log 2>&1 &
server_pid=$!
wait_until_up "http://127.0.0.1:$seed_port/docs"
seed_connection=$(curl -fsS -X POST "http://127.0.0.1:$seed_port/mcp/connect?tenant_id=bench" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["connection_id"])')
measure "get_rooms_details on the seed's REST" "http://127.0.0.1:$seed_port/mcp/tools/execute" \
  "{\"connection_id\":\"$seed_connection\",\"tool_name\":\"get_rooms_details\",\"tool_args\":{}}"
python3 - <<'PY'
import statistics
rps = lambda name: statistics.median(float(line) for line in open(f"rps.get_rooms_details_on_{name}"))
seed = rps("the_seed_s_REST")
for transport in ("_mcp", "REST", "legacy"):
    print(f"get_rooms_details on {transport.strip('_')}: {rps(transport) / seed:.0f} times the seed's req/s")
PY
