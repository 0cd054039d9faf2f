#!/usr/bin/env bash
# Vault storage in S3 (issue 15): the engine's data path backing up into, and restoring from, a
# versitygw on loopback, beside restic with its S3 backend on the same server, in the same run:
#   initial backup of the mixed dataset to S3   vs restic -r s3:...           target >= 2x restic
#   no-change re-backup of the 100k-file tree   vs the same re-backup local   target <= 2x local
#   restore from S3                             vs restic restore from S3     target >= 1.5x restic
#   peak RSS of the S3 backups                  vs restic                     target <= 300 MB (1M files)
# Datasets are bench/backup.sh's, under .bench/backup/data (BENCH_BACKUP_MIB, BENCH_TREE_FILES size
# them; BENCH_S3_RSS_FILES=N adds a backup of an N-file tree to S3 for peak RSS, 0 skips it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/s3"
data="${BENCH_DIR:-$root/.bench}/backup/data"
runs="$work/runs"
mixed_mib=${BENCH_BACKUP_MIB:-2048}
tree_files=${BENCH_TREE_FILES:-100000}
rss_files=${BENCH_S3_RSS_FILES:-0}

if ! command -v restic >/dev/null 2>&1; then
  echo "installing restic (Debian package) ..."
  apt-get install -y restic >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y restic >/dev/null; }
fi
vgw="$root/.tools/bin/versitygw"
[ -x "$vgw" ] || vgw=$(command -v versitygw) || { echo "bench/s3.sh: versitygw is required: run scripts/install-test-deps.sh" >&2; exit 1; }
command -v aws >/dev/null || { echo "bench/s3.sh: the AWS CLI is required" >&2; exit 1; }

rm -rf "$runs"
mkdir -p "$data" "$runs/gw"
bb="$work/backupbench"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bb" ./bench/backupbench)

gen() { # gen NAME KIND ARG: make a dataset once (bench/backup.sh's naming, so both share them)
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
[ "$rss_files" -gt 0 ] && gen "tree$rss_files" tree "$rss_files"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=benchsecretbenchsecret AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
endpoint="http://127.0.0.1:$port"
"$vgw" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port "127.0.0.1:$port" --quiet posix "$runs/gw" >"$runs/versitygw.log" 2>&1 &
gw_pid=$!
trap 'kill $gw_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
for b in engine restic; do aws --endpoint-url "$endpoint" s3api create-bucket --bucket "$b" >/dev/null; done
export BACKUPBENCH_MASTER_KEY="$runs/master.key" RESTIC_PASSWORD=bench RESTIC_CACHE_DIR="$runs/restic-cache"
ours() { echo "s3://engine/$1?endpoint=$endpoint"; }
restic_repo="s3:$endpoint/restic"

measure() { # measure NAME CMD...: sets M_WALL M_CPU M_RSS_KB
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$runs/$name.time" "$@" >"$runs/$name.out" 2>"$runs/$name.err" || {
    echo "bench/s3.sh: $name failed:" >&2; cat "$runs/$name.err" >&2; exit 1; }
  read -r M_WALL u s M_RSS_KB <"$runs/$name.time"
  M_CPU=$(awk -v a="$u" -v b="$s" 'BEGIN { printf "%.2f", a + b }')
}
r2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
verdict() { if awk -v r="$1" -v t="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? r >= t : r <= t) }'; then echo met; else echo "NOT met"; fi; }

mixed_bytes=$(du -sb "$data/mixed" | cut -f1)
echo "mixed dataset: $(awk -v b="$mixed_bytes" 'BEGIN { printf "%.2f GiB", b / 1073741824 }'); tree: $tree_files files; $(nproc) cores; versitygw on loopback"
# Warm the page cache for every tool alike, through a pipe: GNU tar writing to /dev/null itself
# skips reading the files' contents.
tar -cf - -C "$data" mixed tree | cat >/dev/null

# 1. Initial backup to S3.
measure ours-backup "$bb" backup "$(ours mixed)" "$data/mixed"
ours_b_wall=$M_WALL ours_b_rss=$(mb "$M_RSS_KB")
snap=$(cat "$runs/ours-backup.out")
restic init --repo "$restic_repo" >/dev/null
measure restic-backup restic backup --repo "$restic_repo" -q "$data/mixed"
restic_b_wall=$M_WALL restic_b_rss=$(mb "$M_RSS_KB")

# 2. Restore from S3, twice each; the faster run of each counts. Both restored trees are deleted
# only after both restores of a round: on ext4 without a journal (as on the machine this was
# measured on), creating files soon after many were deleted is several times slower, because the
# allocator skips inodes freed in the last minutes (tar -x of the mixed set: 10.7 s into a fresh
# directory, 39.3 s right after deleting an earlier copy). So no restore of a round runs right
# after the other side's tree was deleted, and the second round shows how much the effect costs.
ours_r_wall="" restic_r_wall="" ours_r_runs=() restic_r_runs=()
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }
for round in 1 2; do
  rm -rf "$runs/ours-restored" "$runs/restic-restored"
  measure "ours-restore-$round" "$bb" restore "$(ours mixed)" "$snap" "$runs/ours-restored"
  ours_r_wall=$(best "$M_WALL" "$ours_r_wall") ours_r_runs+=("$M_WALL")
  if [ "$round" = 1 ]; then
    diff -r "$data/mixed" "$runs/ours-restored" >/dev/null || { echo "bench/s3.sh: the tree restored from S3 differs" >&2; exit 1; }
  fi
  measure "restic-restore-$round" restic restore --repo "$restic_repo" latest --target "$runs/restic-restored" -q
  restic_r_wall=$(best "$M_WALL" "$restic_r_wall") restic_r_runs+=("$M_WALL")
done
rm -rf "$runs/ours-restored" "$runs/restic-restored"

# 3. No-change re-backup of the tree: to S3, and the same to a local directory.
measure ours-tree-s3 "$bb" backup "$(ours tree)" "$data/tree"
tree_snap=$(cat "$runs/ours-tree-s3.out")
measure ours-rebackup-s3 "$bb" backup "$(ours tree)" "$data/tree" "$tree_snap"
s3_nc_wall=$M_WALL
measure ours-tree-local "$bb" backup "$runs/local-tree-repo" "$data/tree"
local_snap=$(cat "$runs/ours-tree-local.out")
measure ours-rebackup-local "$bb" backup "$runs/local-tree-repo" "$data/tree" "$local_snap"
local_nc_wall=$M_WALL

# 4. Peak RSS of a many-file backup to S3.
if [ "$rss_files" -gt 0 ]; then
  measure ours-rss "$bb" backup "$(ours rss)" "$data/tree$rss_files"
  ours_rss=$(mb "$M_RSS_KB")
  measure restic-rss restic backup --repo "$restic_repo" -q "$data/tree$rss_files"
  restic_rss=$(mb "$M_RSS_KB")
fi

ratio_b=$(r2 "$restic_b_wall" "$ours_b_wall")
ratio_r=$(r2 "$restic_r_wall" "$ours_r_wall")
ratio_nc=$(r2 "$s3_nc_wall" "$local_nc_wall")
echo
printf '%-40s %12s %22s %8s %10s  %s\n' "measure" "engine" "peer" "ratio" "target" ""
printf '%-40s %10s s %20s s %7sx %10s  %s\n' "initial backup to S3 ($mixed_mib MiB mixed)" "$ours_b_wall" "restic $restic_b_wall" "$ratio_b" ">= 2x" "$(verdict "$ratio_b" ">=" 2)"
printf '%-40s %10s s %20s s %7sx %10s  %s\n' "no-change re-backup to S3, $tree_files files" "$s3_nc_wall" "local $local_nc_wall" "$ratio_nc" "<= 2x" "$(verdict "$ratio_nc" "<=" 2)"
printf '%-40s %10s s %20s s %7sx %10s  %s\n' "restore from S3" "$ours_r_wall" "restic $restic_r_wall" "$ratio_r" ">= 1.5x" "$(verdict "$ratio_r" ">=" 1.5)"
printf '%-40s %9s MB %19s MB\n' "peak RSS, initial backup to S3" "$ours_b_rss" "restic $restic_b_rss"
printf '  restore wall s of each round: engine %s; restic %s (the faster of each counts)\n' "${ours_r_runs[*]}" "${restic_r_runs[*]}"
if [ "$rss_files" -gt 0 ]; then
  printf '%-40s %9s MB %19s MB %8s %10s  %s\n' "peak RSS, backup of $rss_files files to S3" "$ours_rss" "restic $restic_rss" "" "<= 300 MB" "$(verdict "$ours_rss" "<=" 300)"
fi
