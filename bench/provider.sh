#!/usr/bin/env bash
# Provider overhead: `terraform apply`, then a no-change `plan`, of N backup_vault resources on the
# embedded engine, beside the same N built-in terraform_data resources, in the same run; and, on
# a line of its own, what one start of the plugin costs (Terraform starts it several times per
# command): process start, the provider's start-up and go-plugin's mTLS handshake.
# Target: <= 1.5x terraform_data for both apply and plan.
# BENCH_PROVIDER_PPROF=DIR writes the provider's CPU and alloc profiles of every plan there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/provider"
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=../scripts/lib/tfdev.sh
source "$root/scripts/lib/tfdev.sh"
tfdev_setup "$work"

sizes=${BENCH_PROVIDER_SIZES:-"50 200 1000"}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

gen() { # gen KIND N DIR
  local kind=$1 n=$2 dir=$3
  mkdir -p "$dir"
  if [ "$kind" = vault ]; then
    cat >"$dir/main.tf" <<TF
terraform {
  required_providers {
    backup = { source = "strongroom/backup" }
  }
}
provider "backup" {
  data_dir = "$dir/engine"
}
resource "backup_vault" "v" {
  count = $n
  name  = "bench-vault-\${count.index}"
  tags  = { bench = "provider", index = tostring(count.index) }
}
TF
  else
    cat >"$dir/main.tf" <<TF
resource "terraform_data" "v" {
  count = $n
  input = { name = "bench-vault-\${count.index}", bench = "provider", index = tostring(count.index) }
}
TF
  fi
  terraform -chdir="$dir" init -input=false -no-color >"$dir/init.log" 2>&1 || { cat "$dir/init.log"; exit 1; }
}

# measure DIR -> "APPLY PLAN APPLY_CPU PLAN_CPU": wall seconds, and CPU seconds of Terraform and
# the plugins it started (user + system, children included). On a loaded machine the wall times
# mostly measure the other processes; the CPU times much less so.
measure() {
  local dir=$1 rc
  /usr/bin/time -f "%e %U %S" -o "$dir/apply.time" terraform -chdir="$dir" apply -input=false -auto-approve -no-color >"$dir/apply.log" 2>&1 || { tail -20 "$dir/apply.log"; exit 1; }
  set +e
  BACKUP_PROVIDER_PPROF="${BENCH_PROVIDER_PPROF:+$BENCH_PROVIDER_PPROF/$(basename "$dir")}" /usr/bin/time -f "%e %U %S" -o "$dir/plan.time" \
    terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode >"$dir/plan.log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then echo "plan after apply was not clean (exit $rc) in $dir" >&2; tail -20 "$dir/plan.log" >&2; exit 1; fi
  local aw au as pw pu ps
  read -r aw au as <"$dir/apply.time"
  read -r pw pu ps <"$dir/plan.time"
  echo "$aw $pw $(awk -v u="$au" -v s="$as" 'BEGIN { printf "%.2f", u + s }') $(awk -v u="$pu" -v s="$ps" 'BEGIN { printf "%.2f", u + s }')"
}

(cd "$root" && go build -trimpath -o "$work/bin/pluginstart" ./bench/pluginstart)
read -r start_p50 start_min start_max start_cpu < <("$work/bin/pluginstart" "$PROVIDER_BIN")
printf 'plugin start (process, init, mTLS handshake): median %s ms of 15, min %s, max %s; plugin CPU median %s ms\n\n' "$start_p50" "$start_min" "$start_max" "$start_cpu"

uptime | sed 's/^/machine load: /'
printf '%-8s %-16s %10s %10s %12s %12s\n' "N" "resources" "apply (s)" "plan (s)" "apply CPU s" "plan CPU s"
for n in $sizes; do
  gen vault "$n" "$work/vault-$n"
  gen data "$n" "$work/data-$n"
  read -r va vp vac vpc < <(measure "$work/vault-$n")
  read -r da dp dac dpc < <(measure "$work/data-$n")
  printf '%-8s %-16s %10s %10s %12s %12s\n' "$n" "backup_vault" "$va" "$vp" "$vac" "$vpc"
  printf '%-8s %-16s %10s %10s %12s %12s\n' "$n" "terraform_data" "$da" "$dp" "$dac" "$dpc"
  printf '%-8s %-16s %9sx %9sx %11sx %11sx   (target <= 1.50x)\n' "$n" "ratio" "$(ratio "$va" "$da")" "$(ratio "$vp" "$dp")" "$(ratio "$vac" "$dac")" "$(ratio "$vpc" "$dpc")"
done
