#!/usr/bin/env bash
# Scheduler (issue 6): bench/schedbench measures, on the engine itself,
#   the latency from a rule's due instant to its job RUNNING (p99 over many hourly ticks of a
#   fake clock stepped to each instant)                               target: <= 1 s
#   resolving 100 selections over 10,000 registered resources         target: < 1 s
# and prints each figure with its ratio to the target (a scheduler has no peer tool to run).
# BENCH_SCHED_TICKS, BENCH_SCHED_RESOURCES and BENCH_SCHED_SELECTIONS change the sizes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/scheduler"
rm -rf "$work" && mkdir -p "$work"
(cd "$root" && go build -o "$work/schedbench" ./bench/schedbench)
"$work/schedbench" -dir "$work/run" \
  -ticks "${BENCH_SCHED_TICKS:-500}" \
  -resources "${BENCH_SCHED_RESOURCES:-10000}" \
  -selections "${BENCH_SCHED_SELECTIONS:-100}"
