#!/usr/bin/env bash
# Copy jobs: a copy job of a recovery point into a vault of another region (its repository on
# another storage directory, under another data key) beside `cp -r` of the source vault's pack
# files — the same data, in the same run. The destination is a vault of the same account, so the
# chunks keep their IDs: the copy decrypts each under the source vault's key and seals it under
# the destination's (no decompressing or re-hashing), and writes (and fsyncs) new packs and index
# files; cp -r only moves bytes. Target (issue 6): the copy job moves data at >= 0.8x the rate of
# cp -r.
#
# The dataset (BENCH_COPY_MIB, default 1024) is generated once under .bench/copy/data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/copy"
data="$work/data"
runs="$work/runs"
mib=${BENCH_COPY_MIB:-1024}
for t in /usr/bin/time cp du sync; do
  command -v "$t" >/dev/null 2>&1 || { echo "bench/copy.sh: $t is required" >&2; exit 1; }
done

rm -rf "$runs"
mkdir -p "$data" "$runs"
bb="$work/backupbench"
cb="$work/copybench"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bb" ./bench/backupbench && CGO_ENABLED=0 go build -trimpath -o "$cb" ./bench/copybench)
if [ ! -f "$data/mixed.done-$mib" ]; then
  echo "generating the mixed dataset ($mib MiB) ..."
  rm -rf "$data/mixed" "$data"/mixed.done-*
  "$bb" gen-mixed "$data/mixed" "$mib"
  touch "$data/mixed.done-$mib"
fi

engine_dir="$runs/engine"
echo "backing the dataset up into the source vault ..."
src_repo=$("$cb" prepare "$engine_dir" "$data/mixed")
pack_bytes=$(du -sb "$src_repo/packs" | cut -f1)
# Settle writeback of the backup, and warm the page cache with the source packs, so both sides
# read the same cached data.
sync
cat "$src_repo"/packs/*/* >/dev/null

best_copy="" best_cp="" best_cp_sync=""
for i in 1 2 3; do
  sync
  /usr/bin/time -f "%e %U %S" -o "$runs/copy-$i.time" "$cb" copy "$engine_dir" >"$runs/copy-$i.out" 2>"$runs/copy-$i.err" || {
    echo "bench/copy.sh: the copy job failed:" >&2; cat "$runs/copy-$i.err" >&2; exit 1; }
  read -r secs copied dst_repo <"$runs/copy-$i.out"
  read -r _ cu cs <"$runs/copy-$i.time"
  copy_cpu=$(awk -v a="$cu" -v b="$cs" 'BEGIN { printf "%.2f", a + b }')
  dst_bytes=$(du -sb "$dst_repo/packs" | cut -f1)
  if [ -z "$best_copy" ] || awk -v a="$secs" -v b="$best_copy" 'BEGIN { exit !(a < b) }'; then best_copy=$secs best_copy_cpu=$copy_cpu; fi

  sync
  /usr/bin/time -f "%e" -o "$runs/cp-$i.time" cp -r "$src_repo/packs" "$runs/cp-$i"
  cp_secs=$(cat "$runs/cp-$i.time")
  if [ -z "$best_cp" ] || awk -v a="$cp_secs" -v b="$best_cp" 'BEGIN { exit !(a < b) }'; then best_cp=$cp_secs; fi
  rm -rf "$runs/cp-$i"

  sync
  /usr/bin/time -f "%e" -o "$runs/cpsync-$i.time" bash -c "cp -r '$src_repo/packs' '$runs/cpsync-$i' && sync -f '$runs/cpsync-$i'"
  cps_secs=$(cat "$runs/cpsync-$i.time")
  if [ -z "$best_cp_sync" ] || awk -v a="$cps_secs" -v b="$best_cp_sync" 'BEGIN { exit !(a < b) }'; then best_cp_sync=$cps_secs; fi
  rm -rf "$runs/cpsync-$i"
done

mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }
copy_mbps=$(mbps "$pack_bytes" "$best_copy")
cp_mbps=$(mbps "$pack_bytes" "$best_cp")
cps_mbps=$(mbps "$pack_bytes" "$best_cp_sync")
ratio=$(awk -v a="$best_cp" -v b="$best_copy" 'BEGIN { printf "%.2f", a / b }')
ratio_sync=$(awk -v a="$best_cp_sync" -v b="$best_copy" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v r="$ratio" 'BEGIN { if (r >= 0.8) print "met"; else print "NOT met" }')

echo
echo "source vault: $(awk -v b="$pack_bytes" 'BEGIN { printf "%.2f GiB", b / 1073741824 }') of packs ($copied bytes backed up); $(nproc) cores; best of 3"
printf '%-34s %14s %26s %9s %10s  %s\n' "measure" "engine" "peer" "ratio" "target" ""
printf '%-34s %9s MB/s %21s MB/s %8sx %10s  %s\n' "cross-region copy job" "$copy_mbps" "cp -r $cp_mbps" "$ratio" ">= 0.8x" "$verdict"
echo
echo "for reference:"
printf '  copy job %s s (CPU %s s), cp -r %s s, cp -r + sync -f %s s (%s MB/s, ratio %s)\n' "$best_copy" "$best_copy_cpu" "$best_cp" "$best_cp_sync" "$cps_mbps" "$ratio_sync"
printf '  destination packs %s bytes (source %s)\n' "$dst_bytes" "$pack_bytes"
rm -rf "$engine_dir"
