#!/usr/bin/env bash
# make bench: every benchmark runs its peer tool on the same data in the same run and prints the
# ratio. Targets live on the issues; the figures are reported, not asserted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for b in "$root"/bench/*.sh; do
  echo
  echo "######## $(basename "$b")"
  bash "$b"
done
