#!/usr/bin/env bash
# Data path: the engine's repository (internal/engine/content + resources/efs, driven by
# bench/backupbench exactly as the job runner drives them) beside its peers, on the same data, in
# the same run:
#   initial backup of a mixed dataset    vs restic backup and tar -cf - | zstd -1 -T2
#   CPU seconds per GB of that backup    vs restic
#   no-change re-backup of a 100k tree   vs find -printf (the stat floor)
#   restore of the mixed dataset         vs tar -x (and restic restore, for reference)
#   peak RSS backing up 1M files
# Targets (issue 14): backup >= 2.5x restic and >= 1.1x tar|zstd, as the median of three runs
# with the spread reported; re-backup <= 1.5x the stat floor; restore >= 1.0x tar -x; CPU/GB
# <= 0.5x restic (issue 5); peak RSS for 1M files <= 250 MB.
#
# For reference beside the initial backup: tar | zstd followed by an fsync of the archive (the
# durability the engine gives before it reports a point done), and the Go floor (backupbench
# zstd-floor: read, the engine's zstd on every core, write; nothing else), which says how close
# any Go engine without cgo could come to the C pipeline on this machine.
#
# Datasets are generated once under .bench/backup/data (BENCH_BACKUP_MIB, BENCH_TREE_FILES,
# BENCH_RSS_FILES change their sizes; BENCH_RSS_FILES=0 skips the 1M-file run).
#
# The machine may be shared: the report gives the cores each side used and the load average, and
# `backupbench -cpu-timeline 250ms backup ...` shows, interval by interval, whether the engine kept
# the cores busy or waited while cores were idle.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/backup"
data="$work/data"
runs="$work/runs"
mixed_mib=${BENCH_BACKUP_MIB:-2048}
tree_files=${BENCH_TREE_FILES:-100000}
rss_files=${BENCH_RSS_FILES:-1000000}

if ! command -v restic >/dev/null 2>&1; then
  echo "installing restic (Debian package) ..."
  apt-get install -y restic >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y restic >/dev/null; }
fi
for t in zstd tar find /usr/bin/time; do
  command -v "$t" >/dev/null 2>&1 || { echo "bench/backup.sh: $t is required" >&2; exit 1; }
done

rm -rf "$runs"
mkdir -p "$data" "$runs"
bb="$work/backupbench"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bb" ./bench/backupbench)
export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR="$runs/restic-cache"

gen() { # gen NAME KIND ARG: make a dataset once
  local name=$1 kind=$2 arg=$3
  if [ ! -f "$data/$name.done-$arg" ]; then
    echo "generating $name ($kind $arg) ..."
    rm -rf "${data:?}/$name" "$data/$name".done-*
    "$bb" "gen-$kind" "$data/$name" "$arg"
    touch "$data/$name.done-$arg"
  fi
}
gen mixed mixed "$mixed_mib"
gen tree tree "$tree_files"
[ "$rss_files" -gt 0 ] && gen tree1m tree "$rss_files"

# measure NAME CMD...: run CMD under /usr/bin/time; sets M_WALL M_CPU M_RSS_KB
measure() {
  local name=$1; shift
  sync # start from clean page cache state: no writeback of an earlier step competes
  /usr/bin/time -f "%e %U %S %M" -o "$runs/$name.time" "$@" >"$runs/$name.out" 2>"$runs/$name.err" || {
    echo "bench/backup.sh: $name failed:" >&2; cat "$runs/$name.err" >&2; exit 1; }
  read -r M_WALL u s M_RSS_KB <"$runs/$name.time"
  M_CPU=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
}
best_of() { # best_of N NAME CMD...: the fastest of N runs
  local n=$1 name=$2; shift 2
  local best=""
  for i in $(seq "$n"); do
    measure "$name-$i" "$@"
    if [ -z "$best" ] || awk -v a="$M_WALL" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$M_WALL; fi
  done
  M_WALL=$best
}
r2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }
verdict() { # verdict RATIO OP TARGET
  if awk -v r="$1" -v t="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? r >= t : r <= t) }'; then echo met; else echo "NOT met"; fi
}

mixed_bytes=$(du -sb "$data/mixed" | cut -f1)
mixed_gb=$(awk -v b="$mixed_bytes" 'BEGIN { printf "%.3f", b / 1e9 }')
echo "mixed dataset: $(awk -v b="$mixed_bytes" 'BEGIN { printf "%.2f GiB", b / 1073741824 }'), $(find "$data/mixed" -type f | wc -l) files; tree: $tree_files files; rss tree: $rss_files files; $(nproc) cores"
# Settle writeback of generated data, and warm the page cache so every tool reads the same
# cached data. The archive goes through a pipe: GNU tar writing to /dev/null itself skips reading
# the files' contents, which left the first run of round 1 reading cold data (twice as slow).
sync
tar -cf - -C "$data" mixed tree | cat >/dev/null

# 1. Initial backup. The machine is shared and its speed varies, so each side runs three times,
# interleaved (engine, tar | zstd, restic; then tar | zstd, restic, engine; ...), and the median
# counts; the spread
# (slowest - fastest, as a share of the median) says how much the figure can be trusted.
rounds=${BENCH_BACKUP_ROUNDS:-3}
ours_walls=() ours_cpus=() tz_walls=() tz_cpus=() restic_walls=() restic_cpus=() loads=()
tzs_walls=() tzs_cpus=() gofloor_walls=() gofloor_cpus=()
backup_ours() {
  measure "ours-backup-$round" "$bb" backup "$runs/ours-repo" "$data/mixed"
  ours_walls+=("$M_WALL") ours_cpus+=("$M_CPU")
}
backup_tarzstd() {
  measure "tarzstd-backup-$round" bash -c "tar -cf - -C '$data' mixed | zstd -1 -T2 -q >'$runs/mixed.tar.zst'"
  tz_walls+=("$M_WALL") tz_cpus+=("$M_CPU")
}
# For reference, two more sides. tar | zstd, then an fsync of the archive: the same durability
# as the engine, which fsyncs its packs and index before it reports the point done. And the Go
# floor (backupbench zstd-floor): read, zstd as the engine does on every core, write; no
# chunking, hashing, encryption or fsync. What the engine costs past the floor is its own.
backup_tarzstdsync() {
  measure "tarzstdsync-backup-$round" bash -c "tar -cf - -C '$data' mixed | zstd -1 -T2 -q >'$runs/mixed.tar.zst' && sync '$runs/mixed.tar.zst'"
  tzs_walls+=("$M_WALL") tzs_cpus+=("$M_CPU")
  rm -f "$runs/mixed.tar.zst"
}
backup_gofloor() {
  measure "gofloor-backup-$round" "$bb" zstd-floor "$data/mixed" "$runs/gofloor.zst"
  gofloor_walls+=("$M_WALL") gofloor_cpus+=("$M_CPU")
  rm -f "$runs/gofloor.zst"
}
backup_restic() {
  restic init --repo "$runs/restic-repo" >/dev/null
  measure "restic-backup-$round" restic backup --repo "$runs/restic-repo" -q "$data/mixed"
  restic_walls+=("$M_WALL") restic_cpus+=("$M_CPU")
}
sides=(ours tarzstd restic tarzstdsync gofloor)
for round in $(seq "$rounds"); do
  rm -rf "$runs/ours-repo" "$runs/mixed.tar.zst" "$runs/restic-repo"
  # Other work on the machine takes cores from whichever side runs: the load says how much.
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  # Each round starts with another side, so a load that comes and goes in step with the rounds
  # does not always fall on the same one.
  for k in "${!sides[@]}"; do
    "backup_${sides[(round - 1 + k) % ${#sides[@]}]}"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f%%", (v[NR] - v[1]) / m * 100 }'; }
ours_b_wall=$(median "${ours_walls[@]}") ours_b_cpu=$(median "${ours_cpus[@]}") ours_b_spread=$(spread "${ours_walls[@]}")
tz_wall=$(median "${tz_walls[@]}") tz_cpu=$(median "${tz_cpus[@]}") tz_spread=$(spread "${tz_walls[@]}")
tzs_wall=$(median "${tzs_walls[@]}") gofloor_wall=$(median "${gofloor_walls[@]}") gofloor_cpu=$(median "${gofloor_cpus[@]}")
restic_b_wall=$(median "${restic_walls[@]}") restic_b_cpu=$(median "${restic_cpus[@]}") restic_b_spread=$(spread "${restic_walls[@]}")
snap=$(cat "$runs/ours-backup-$rounds.out")
ours_repo_bytes=$(du -sb "$runs/ours-repo" | cut -f1)
restic_repo_bytes=$(du -sb "$runs/restic-repo" | cut -f1)
tz_bytes=$(stat -c %s "$runs/mixed.tar.zst")
rm -f "$runs/mixed.tar.zst"

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }

# 2. Restore into fresh directories (tar -x of an uncompressed tar made beforehand), twice,
# interleaved; the faster run of each counts.
tar -cf "$runs/mixed.tar" -C "$data" mixed
ours_r_wall="" tar_r_wall=""
for round in 1 2; do
  rm -rf "$runs/ours-restored" "$runs/tar-restored"
  measure "ours-restore-$round" "$bb" restore "$runs/ours-repo" "$snap" "$runs/ours-restored"
  ours_r_wall=$(best "$M_WALL" "$ours_r_wall")
  if [ "$round" = 1 ] && ! diff -r "$data/mixed" "$runs/ours-restored" >/dev/null; then
    echo "bench/backup.sh: the restored tree differs from the source" >&2; exit 1
  fi
  mkdir -p "$runs/tar-restored"
  measure "tar-restore-$round" tar -xf "$runs/mixed.tar" -C "$runs/tar-restored"
  tar_r_wall=$(best "$M_WALL" "$tar_r_wall")
done
rm -rf "$runs/ours-restored" "$runs/tar-restored"
measure restic-restore restic restore --repo "$runs/restic-repo" latest --target "$runs/restic-restored" -q
restic_r_wall=$M_WALL
rm -rf "$runs/restic-restored" "$runs/mixed.tar"

# 3. No-change re-backup of the 100k-file tree.
measure ours-tree-initial "$bb" backup "$runs/ours-tree-repo" "$data/tree"
tree_snap=$(cat "$runs/ours-tree-initial.out")
best_of 3 ours-rebackup "$bb" backup "$runs/ours-tree-repo" "$data/tree" "$tree_snap"
ours_nc_wall=$M_WALL
grep -q " 0 files read" "$runs/ours-rebackup-1.err" || { echo "bench/backup.sh: the no-change re-backup read files:" >&2; cat "$runs/ours-rebackup-1.err" >&2; exit 1; }
best_of 3 find-stat find "$data/tree" -printf '%s %T@ %C@ %i %m %U %G\n'
find_wall=$M_WALL
restic init --repo "$runs/restic-tree-repo" >/dev/null
measure restic-tree-initial restic backup --repo "$runs/restic-tree-repo" -q "$data/tree"
best_of 3 restic-rebackup restic backup --repo "$runs/restic-tree-repo" -q "$data/tree"
restic_nc_wall=$M_WALL

# 4. Peak RSS backing up 1M files.
if [ "$rss_files" -gt 0 ]; then
  measure ours-rss "$bb" backup "$runs/ours-rss-repo" "$data/tree1m"
  ours_rss_mb=$(awk -v k="$M_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  ours_rss_wall=$M_WALL
  rss_snap=$(cat "$runs/ours-rss.out")
  measure ours-rss-again "$bb" backup "$runs/ours-rss-repo" "$data/tree1m" "$rss_snap"
  ours_rss2_mb=$(awk -v k="$M_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  ours_rss2_wall=$M_WALL
  restic init --repo "$runs/restic-rss-repo" >/dev/null
  measure restic-rss restic backup --repo "$runs/restic-rss-repo" -q "$data/tree1m"
  restic_rss_mb=$(awk -v k="$M_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  restic_rss_wall=$M_WALL
fi

ours_tp=$(mbps "$mixed_bytes" "$ours_b_wall")
restic_tp=$(mbps "$mixed_bytes" "$restic_b_wall")
tz_tp=$(mbps "$mixed_bytes" "$tz_wall")
ours_cpugb=$(awk -v c="$ours_b_cpu" -v g="$mixed_gb" 'BEGIN { printf "%.2f", c / g }')
restic_cpugb=$(awk -v c="$restic_b_cpu" -v g="$mixed_gb" 'BEGIN { printf "%.2f", c / g }')
ratio_restic=$(r2 "$restic_b_wall" "$ours_b_wall")
ratio_tz=$(r2 "$tz_wall" "$ours_b_wall")
ratio_nc=$(r2 "$ours_nc_wall" "$find_wall")
ratio_restore=$(r2 "$tar_r_wall" "$ours_r_wall")
ratio_cpu=$(r2 "$ours_cpugb" "$restic_cpugb")

echo
printf '%-34s %14s %26s %9s %10s  %s\n' "measure" "engine" "peer" "ratio" "target" ""
printf '%-34s %10s MB/s %17s %4s MB/s %8sx %10s  %s\n' "initial backup, median of $rounds" "$ours_tp" "restic" "$restic_tp" "$ratio_restic" ">= 2.5x" "$(verdict "$ratio_restic" ">=" 2.5)"
printf '%-34s %15s %17s %4s MB/s %8sx %10s  %s\n' "" "" "tar | zstd -1 -T2" "$tz_tp" "$ratio_tz" ">= 1.1x" "$(verdict "$ratio_tz" ">=" 1.1)"
printf '%-34s %15s %26s\n' "  spread (slowest - fastest)" "$ours_b_spread" "restic $restic_b_spread, tar|zstd $tz_spread"
printf '%-34s %15s %17s %4s MB/s %8sx %10s  %s\n' "  for reference" "" "tar|zstd + fsync" "$(mbps "$mixed_bytes" "$tzs_wall")" "$(r2 "$tzs_wall" "$ours_b_wall")" "" "(the same durability as the engine)"
printf '%-34s %15s %17s %4s MB/s %8sx %10s  %s\n' "" "" "Go floor" "$(mbps "$mixed_bytes" "$gofloor_wall")" "$(r2 "$gofloor_wall" "$ours_b_wall")" "" "(read + Go zstd + write: $(r2 "$tz_wall" "$gofloor_wall")x tar|zstd)"
printf '%-34s %12s s %24s s %8sx %10s  %s\n' "CPU seconds per GB backed up" "$ours_cpugb" "restic $restic_cpugb" "$ratio_cpu" "<= 0.5x" "$(verdict "$ratio_cpu" "<=" 0.5)"
printf '%-34s %12s s %24s s %8sx %10s  %s\n' "no-change re-backup, $tree_files files" "$ours_nc_wall" "find -printf $find_wall" "$ratio_nc" "<= 1.5x" "$(verdict "$ratio_nc" "<=" 1.5)"
printf '%-34s %12s s %24s s %8sx %10s  %s\n' "restore" "$ours_r_wall" "tar -x $tar_r_wall" "$ratio_restore" ">= 1.0x" "$(verdict "$ratio_restore" ">=" 1.0)"
if [ "$rss_files" -gt 0 ]; then
  printf '%-34s %11s MB %24s MB %9s %10s  %s\n' "peak RSS, backup of $rss_files files" "$ours_rss_mb" "restic $restic_rss_mb" "" "<= 250 MB" "$(verdict "$ours_rss_mb" "<=" 250)"
fi
echo
echo "for reference:"
printf '  stored bytes: engine %s, restic %s, tar|zstd %s (of %s)\n' "$ours_repo_bytes" "$restic_repo_bytes" "$tz_bytes" "$mixed_bytes"
printf '  backup wall/CPU s, median of %s (spread of wall): engine %s/%s (%s), restic %s/%s (%s), tar|zstd %s/%s (%s)\n' "$rounds" \
  "$ours_b_wall" "$ours_b_cpu" "$ours_b_spread" "$restic_b_wall" "$restic_b_cpu" "$restic_b_spread" "$tz_wall" "$tz_cpu" "$tz_spread"
printf '  backup wall s of each run: engine %s; tar|zstd %s; restic %s; tar|zstd + fsync %s; Go floor %s (CPU s, median %s)\n' "${ours_walls[*]}" "${tz_walls[*]}" "${restic_walls[*]}" "${tzs_walls[*]}" "${gofloor_walls[*]}" "$gofloor_cpu"
cores() { awk -v c="$1" -v w="$2" 'BEGIN { printf "%.2f", c / w }'; }
printf '  cores used in backup (median CPU / median wall, of %s): engine %s, restic %s, tar|zstd %s; load average at the start of each round: %s\n' \
  "$(nproc)" "$(cores "$ours_b_cpu" "$ours_b_wall")" "$(cores "$restic_b_cpu" "$restic_b_wall")" "$(cores "$tz_cpu" "$tz_wall")" "${loads[*]}"
printf '  restore wall s: engine %s, tar -x %s, restic %s\n' "$ours_r_wall" "$tar_r_wall" "$restic_r_wall"
printf '  no-change re-backup wall s: engine %s, restic %s, find %s\n' "$ours_nc_wall" "$restic_nc_wall" "$find_wall"
if [ "$rss_files" -gt 0 ]; then
  printf '  %s files: engine initial %s s / %s MB, no-change %s s / %s MB; restic initial %s s / %s MB\n' "$rss_files" "$ours_rss_wall" "$ours_rss_mb" "$ours_rss2_wall" "$ours_rss2_mb" "$restic_rss_wall" "$restic_rss_mb"
fi
rm -rf "$runs"/*-repo
