# The common opening of the bench scripts (sourced, not run): the release
# build (BUILD=0 takes the binaries already in $CARGO_TARGET_DIR/release, to
# compare builds), a work directory removed on exit with every process
# started here, free ports, the CLI on the bench database (a SQLite file in
# the work directory, or DATABASE_URL: an empty database of its own), a
# hotel with its key and token, and starting a server and reading its CPU
# time and memory from /proc.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
[ "${BUILD:-1}" = 0 ] || (cd "$root" && cargo build --release --quiet -p quendoo-mcp -p quendoo-sim)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

db_url=${DATABASE_URL:-sqlite://$work/bench.db}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mcp() { "$target/release/quendoo-mcp" --dev --database-url "$db_url" "$@"; }

# The hotel `bench`, whose Quendoo key is `bench-key`; sets $token.
bench_hotel() {
  mcp tenant create --name "Bench Hotel" --id bench >/dev/null
  printf 'bench-key' | mcp api-key set --tenant bench --name QUENDOO_API_KEY
  token=$(mcp token --tenant bench --ttl 1h)
}

# The PMS simulator on core 1 (beside the load generator), with the
# property of each key given (default: `bench-key`), and the keys of
# $sim_aliases (an array, if set) answered as the first key's property;
# sets $sim_url and $sim_pid. Many properties take a while to make: it is
# waited for up to a minute.
start_sim() { # [key...]
  local sim_port keys=("$@") aliases=("${sim_aliases[@]+"${sim_aliases[@]}"}")
  [ $# -gt 0 ] || keys=(bench-key)
  sim_port=$(free_port)
  taskset -c 1 "$target/release/quendoo-sim" --port "$sim_port" \
    "${keys[@]/#/--api-key=}" "${aliases[@]/#/--alias-key=}" >sim.log 2>&1 &
  sim_pid=$!
  sim_url="http://127.0.0.1:$sim_port/api/pms/v1"
  wait_until_up "$sim_url/Property/getRoomsDetails?api_key=${keys[0]}" 600
}

wait_until_up() { # URL [tries, 0.1 s apart; default 100]
  for _ in $(seq 1 "${2:-100}"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return; sleep 0.1; done
  echo "nothing answers at $1"; cat ./*.log; exit 1
}

# The server on the bench database, asking `base` for the PMS, with extra
# environment assignments; $pin (e.g. "taskset -c 0", or "$callgrind") runs
# it under that command. Sets $port and $server_pid.
server_pid=""
start_server() { # upstream base URL, then NAME=value...
  local base=$1; shift
  port=$(free_port)
  ${pin:-} env "$@" "$target/release/quendoo-mcp" --dev --database-url "$db_url" serve \
    --port "$port" --quendoo-base-url "$base" >>server.log 2>&1 &
  server_pid=$!
  # Under valgrind the start takes seconds.
  wait_until_up "http://127.0.0.1:$port/health" 600
}

# Counting instead of timing: `pin="$callgrind" start_server ...` runs the
# server under callgrind (valgrind), whose counts are nearly the same run to
# run whatever else the machine is doing. User space only: a system call
# counts as one instruction, the kernel's work not at all.
callgrind="valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$work/callgrind.%p"
callgrind_zero() { callgrind_control -z "$server_pid" >/dev/null 2>&1; }
# Dumps what was counted since callgrind_zero; prints the dump's path
# (KEEP=DIR keeps it there as callgrind.NAME, for callgrind_annotate).
callgrind_dump() { # name
  local dump kept
  callgrind_control -d "$1" "$server_pid" >/dev/null 2>&1
  dump=$(ls -t "$work"/callgrind.*.* | head -1)
  if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    kept=$KEEP/callgrind.$(printf %s "$1" | tr -c '[:alnum:]' _)
    mv "$dump" "$kept"
    dump=$kept
  fi
  echo "$dump"
}
# A dump's totals divided by `requests`, as JSON: each event (Ir, the
# instructions; with --cache-sim=yes also I1mr, D1mr, D1mw: first-level
# misses, ILmr, DLmr, DLmw: last-level misses) and, with the misses,
# callgrind's estimate of cycles: Ir + 10 x L1 misses + 100 x LL misses.
per_request() { # dump, requests
  python3 - "$1" "$2" <<'PY'
import json, sys
dump, requests = sys.argv[1], int(sys.argv[2])
lines = open(dump).read().splitlines()
names = next(line.split()[1:] for line in lines if line.startswith("events:"))
totals = next(line.split()[1:] for line in lines if line.startswith("summary:"))
each = {name: int(total) / max(requests, 1) for name, total in zip(names, totals)}
if "D1mr" in each:
    l1 = each["I1mr"] + each["D1mr"] + each["D1mw"]
    ll = each["ILmr"] + each["DLmr"] + each["DLmw"]
    each["cycles"] = each["Ir"] + 10 * l1 + 100 * ll
print(json.dumps(each))
PY
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

# Whether one answer from URL (body '' for a GET, then headers) is a
# success: HTTP 2xx and, for JSON-RPC, neither an error nor a tool's
# `isError` (a tool's failure is still HTTP 200). Says why not.
succeeds() { # name, URL, body, then headers (-H ...)
  local name=$1 url=$2 body=$3; shift 3
  local post=(-H "Content-Type: application/json" -d "$body")
  [ -z "$body" ] && post=()
  curl -fsS "$url" "${post[@]}" "$@" -o answer.json && python3 -c '
import json, sys
answer = json.load(open("answer.json"))
result = answer.get("result") if isinstance(answer, dict) else None
sys.exit(1 if "error" in answer or (isinstance(result, dict) and result.get("isError")) else 0)' && return
  echo "$name: not a success: $(head -c 300 answer.json 2>/dev/null)"
  return 1
}

# CPU time (user + system, in clock ticks) of the server, or of the PID given.
cpu_ticks() { awk '{print $14 + $15}' "/proc/${1:-$server_pid}/stat"; }
# Of which in the kernel (stime).
kernel_ticks() { awk '{print $15}' "/proc/${1:-$server_pid}/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$server_pid/status"; }
peak() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status"; }
