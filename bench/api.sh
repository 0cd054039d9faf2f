#!/usr/bin/env bash
# API cost: a Go SDK client (bench/apibench) against `engine serve` and against moto_server, in the
# same run, one client at a time (seq) and eight at once (par8). Reports req/s, p50 and p99, and the
# engine's ratio to moto where moto implements the operation (moto has no recovery points or
# backup jobs, so those rows are the engine's alone).
# Each server's CPU time per call (from /proc) is reported beside the rates: on a loaded machine
# the rates mostly measure the other processes, the CPU per call much less so.
# Targets: DescribeBackupVault >= 20x moto_server, seq and par8; a page of 100 recovery points in
# under 10 ms.
# The ceiling lines run the same client against apibench's canned server: net/http and a constant
# answer, nothing else. One client at a time, the client's own CPU (the SDK's middleware, signing,
# its transport) and the loopback bound the rate, whatever the server does; the ceiling's ratio to
# moto says how far any net/http server could go on this machine in this run.
# Nothing is committed while the DescribeBackupVault rows run, so after the first call the engine
# answers them from its kept answer (internal/engine/api/answers.go), as it answers a client that
# polls a vault; DescribeBackupJob and the page walk read the store on every call.
# BENCH_API_PPROF=FILE also writes a 10 s CPU profile of the engine under DescribeBackupVault.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/api"
rm -rf "$work" && mkdir -p "$work/bin" "$work/tiny"
calls=${BENCH_API_CALLS:-2000}
points=${BENCH_API_POINTS:-1000}

(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$work/bin/terraform-provider-backup" . && go build -trimpath -o "$work/bin/apibench" ./bench/apibench)
command -v moto_server >/dev/null || { echo "moto_server is not installed (pip install 'moto[server]')" >&2; exit 1; }

# The tiny directory the backup jobs copy.
printf 'hello\n' >"$work/tiny/a.txt"
printf 'world\n' >"$work/tiny/b.txt"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_port() { # wait_port PORT NAME LOG
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not start:" >&2; tail -20 "$3" >&2; exit 1
}

export AWS_ACCESS_KEY_ID=AKIABENCHAPI000000000 AWS_SECRET_ACCESS_KEY=bench-api-secret-key-0000000000000000000
engine_port=$(free_port) pprof_port=$(free_port) moto_port=$(free_port)
"$work/bin/terraform-provider-backup" engine serve --listen "127.0.0.1:$engine_port" --data-dir "$work/engine" \
  --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key "$AWS_SECRET_ACCESS_KEY" --log-level warn \
  --allow-path "$work/tiny" --pprof-listen "127.0.0.1:$pprof_port" >"$work/engine.log" 2>&1 &
engine_pid=$!
pids+=($!)
moto_server -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
pids+=($!)
# The ceiling: a bare net/http server answering from a constant (apibench canned).
canned_port=$(free_port)
"$work/bin/apibench" -listen "127.0.0.1:$canned_port" canned >"$work/canned.log" 2>&1 &
canned_pid=$!
pids+=($!)
wait_port "$engine_port" "engine serve" "$work/engine.log"
wait_port "$moto_port" "moto_server" "$work/moto.log"
wait_port "$canned_port" "apibench canned" "$work/canned.log"
engine="http://127.0.0.1:$engine_port" moto="http://127.0.0.1:$moto_port" canned="http://127.0.0.1:$canned_port"

if [ -n "${BENCH_API_PPROF:-}" ]; then
  curl -sf -o "$BENCH_API_PPROF" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=10" &
  pids+=($!)
  prof_pid=$!
fi
"$work/bin/apibench" -endpoint "$engine" -server-pid "$engine_pid" -calls "$calls" describe >"$work/engine-describe.txt"
if [ -n "${BENCH_API_PPROF:-}" ]; then
  # Keep the profiled window busy with the same call until it ends.
  while kill -0 "$prof_pid" 2>/dev/null; do "$work/bin/apibench" -endpoint "$engine" -calls 500 describe >/dev/null; done
fi
"$work/bin/apibench" -endpoint "$moto" -server-pid "$moto_pid" -calls "$(( calls / 4 ))" describe >"$work/moto-describe.txt"
"$work/bin/apibench" -endpoint "$canned" -server-pid "$canned_pid" -calls "$calls" describe >"$work/canned-describe.txt"
"$work/bin/apibench" -endpoint "$engine" -server-pid "$engine_pid" -calls "$calls" -dir "$work/tiny" -points "$points" jobs >"$work/engine-jobs.txt"

uptime | sed 's/^/machine load: /'
printf '%-36s %-5s %9s %8s %8s %9s | %8s %8s %9s | %7s %7s\n' operation mode "engine/s" "p50 µs" "p99 µs" "cpu µs/op" "moto/s" "p50 µs" "cpu µs/op" "ratio" "cpu"
awk '
  FNR == 1 { file++ }
  file == 1 { k = $1 " " $2; moto[k] = $4; motop50[k] = $5; motocpu[k] = $7; next }
  {
    k = $1 " " $2
    if (k in moto) {
      cpu = ($7 > 0 && motocpu[k] > 0) ? sprintf("%6.1fx", motocpu[k] / $7) : "      -"
      printf "%-36s %-5s %9s %8s %8s %9s | %8s %8s %9s | %6.1fx %s %s\n", $1, $2, $4, $5, $6, $7, moto[k], motop50[k], motocpu[k], $4 / moto[k], cpu, ($1 == "DescribeBackupVault" ? "(target >= 20x)" : "")
    } else {
      note = ($1 ~ /page/) ? "(target p50 < 10000 µs a page)" : "(moto_server does not implement it)"
      printf "%-36s %-5s %9s %8s %8s %9s | %8s %8s %9s | %7s %7s %s\n", $1, $2, $4, $5, $6, $7, "-", "-", "-", "-", "-", note
    }
  }' "$work/moto-describe.txt" "$work/engine-describe.txt" "$work/engine-jobs.txt"
echo "ratio: engine req/s over moto's; cpu: moto's CPU per call over the engine's (both servers measured from /proc)"
# The ceiling row: the same client against a server that does nothing but net/http. Its ratio to
# moto is the most any net/http server could show here; the engine's share of it is what is left.
awk '
  FNR == 1 { file++ }
  file == 1 { moto[$2] = $4; next }
  file == 2 { eng[$2] = $4; next }
  $1 == "DescribeBackupVault" {
    printf "ceiling, %-5s bare net/http, constant answer: %s req/s, p50 %s µs, cpu %s µs/op = %.1fx moto; the engine is at %.0f%% of it\n", $2, $4, $5, $7, $4 / moto[$2], eng[$2] / $4 * 100
  }' "$work/moto-describe.txt" "$work/engine-describe.txt" "$work/canned-describe.txt"
