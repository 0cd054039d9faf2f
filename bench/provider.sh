#!/usr/bin/env bash
# Provider overhead: `terraform apply`, then a no-change `plan`, of N backup_vault resources on the
# embedded engine, beside the same N built-in terraform_data resources and N floor_item resources
# of the floor provider (bench/floorprovider: the least a terraform-plugin-framework provider can
# cost), in the same run; and, on lines of their own, what one start of each plugin costs
# (Terraform starts it several times per command): process start, the provider's start-up and
# go-plugin's mTLS handshake.
# Target: ours <= 1.5x terraform_data for both apply and plan. floor/terraform_data is what any
# framework provider pays; ours/floor is what is ours to cut. floor_vault (the floor provider's
# resource with backup_vault's schema and no I/O) splits that: fvault/floor is what the schema
# costs (in the framework and in Terraform), ours/fvault what the provider's own work costs.
# BENCH_PROVIDER_PPROF=DIR writes the provider's CPU and alloc profiles of every plan there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="${BENCH_DIR:-$root/.bench}/provider"
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=../scripts/lib/tfdev.sh
source "$root/scripts/lib/tfdev.sh"
tfdev_setup "$work"

# The floor provider, installed as strongroom/floor the way tfdev_setup installs ours.
floor_platform="$(go env GOOS)_$(go env GOARCH)"
floor_mirror="$work/mirror/registry.terraform.io/strongroom/floor/0.0.1/$floor_platform"
mkdir -p "$work/floorbin" "$floor_mirror"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$work/floorbin/terraform-provider-floor" ./bench/floorprovider)
cp "$work/floorbin/terraform-provider-floor" "$floor_mirror/terraform-provider-floor_v0.0.1"
FLOOR_BIN="$work/floorbin/terraform-provider-floor"
cat >"$TF_CLI_CONFIG_FILE" <<RC
provider_installation {
  dev_overrides {
    "strongroom/backup" = "$work/bin"
    "strongroom/floor"  = "$work/floorbin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/strongroom/backup", "registry.terraform.io/strongroom/floor"]
  }
}
RC

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
  elif [ "$kind" = floorvault ]; then
    cat >"$dir/main.tf" <<TF
terraform {
  required_providers {
    floor = { source = "strongroom/floor" }
  }
}
resource "floor_vault" "v" {
  count = $n
  name  = "bench-vault-\${count.index}"
  tags  = { bench = "provider", index = tostring(count.index) }
}
TF
  elif [ "$kind" = floor ]; then
    cat >"$dir/main.tf" <<TF
terraform {
  required_providers {
    floor = { source = "strongroom/floor" }
  }
}
resource "floor_item" "v" {
  count = $n
  name  = "bench-vault-\${count.index}"
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
# mostly measure the other processes; the CPU times much less so. The apply runs $apply_runs times
# from nothing (BENCH_PROVIDER_APPLY_RUNS, default 3), then the no-change plan runs $plan_runs
# times (BENCH_PROVIDER_PLAN_RUNS, default 3), and each column is the median, so one burst of
# another process's work does not make the figure.
plan_runs=${BENCH_PROVIDER_PLAN_RUNS:-3}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
apply_runs=${BENCH_PROVIDER_APPLY_RUNS:-3}
measure() {
  local dir=$1 rc i
  : >"$dir/apply.times"
  for i in $(seq "$apply_runs"); do
    # Each apply starts from nothing: no state, and for backup_vault a new engine data dir.
    rm -rf "$dir/terraform.tfstate" "$dir/terraform.tfstate.backup" "$dir/engine"
    sync
    /usr/bin/time -f "%e %U %S" -o "$dir/apply.time" terraform -chdir="$dir" apply -input=false -auto-approve -no-color >"$dir/apply.log" 2>&1 || { tail -20 "$dir/apply.log"; exit 1; }
    cat "$dir/apply.time" >>"$dir/apply.times"
  done
  : >"$dir/plan.times"
  for i in $(seq "$plan_runs"); do
    set +e
    BACKUP_PROVIDER_PPROF="${BENCH_PROVIDER_PPROF:+$BENCH_PROVIDER_PPROF/$(basename "$dir")}" /usr/bin/time -f "%e %U %S" -o "$dir/plan.time" \
      terraform -chdir="$dir" plan -input=false -no-color -detailed-exitcode >"$dir/plan.log" 2>&1
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then echo "plan after apply was not clean (exit $rc, run $i) in $dir" >&2; tail -20 "$dir/plan.log" >&2; exit 1; fi
    cat "$dir/plan.time" >>"$dir/plan.times"
  done
  local aw ac pw pc
  aw=$(awk '{ print $1 }' "$dir/apply.times" | median)
  ac=$(awk '{ printf "%.2f\n", $2 + $3 }' "$dir/apply.times" | median)
  pw=$(awk '{ print $1 }' "$dir/plan.times" | median)
  pc=$(awk '{ printf "%.2f\n", $2 + $3 }' "$dir/plan.times" | median)
  echo "$aw $pw $ac $pc"
}

(cd "$root" && go build -trimpath -o "$work/bin/pluginstart" ./bench/pluginstart)
# pluginstart BINARY NAME: one line of what a start of that plugin costs.
pluginstart() {
  local p50 min max cpu
  read -r p50 min max cpu < <("$work/bin/pluginstart" "$1")
  printf 'plugin start of %-6s (process, init, mTLS handshake): median %s ms of 15, min %s, max %s; plugin CPU median %s ms\n' "$2" "$p50" "$min" "$max" "$cpu"
}
pluginstart "$PROVIDER_BIN" ours
pluginstart "$FLOOR_BIN" floor
echo

uptime | sed 's/^/machine load: /'
echo "apply: the median of $apply_runs applies from nothing; plan: the median of $plan_runs no-change plans after the last"
printf '%-8s %-16s %10s %10s %12s %12s\n' "N" "resources" "apply (s)" "plan (s)" "apply CPU s" "plan CPU s"
row() { printf '%-8s %-16s %10s %10s %12s %12s%s\n' "$@"; }
ratios() { # ratios N LABEL A P AC PC A0 P0 AC0 PC0 [NOTE]
  row "$1" "$2" "$(ratio "$3" "$7")x" "$(ratio "$4" "$8")x" "$(ratio "$5" "$9")x" "$(ratio "$6" "${10}")x" "${11:-}"
}
for n in $sizes; do
  gen vault "$n" "$work/vault-$n"
  gen floor "$n" "$work/floor-$n"
  gen floorvault "$n" "$work/floorvault-$n"
  gen data "$n" "$work/data-$n"
  read -r va vp vac vpc < <(measure "$work/vault-$n")
  read -r fa fp fac fpc < <(measure "$work/floor-$n")
  read -r sa sp sac spc < <(measure "$work/floorvault-$n")
  read -r da dp dac dpc < <(measure "$work/data-$n")
  row "$n" "backup_vault" "$va" "$vp" "$vac" "$vpc"
  row "$n" "floor_vault" "$sa" "$sp" "$sac" "$spc"
  row "$n" "floor_item" "$fa" "$fp" "$fac" "$fpc"
  row "$n" "terraform_data" "$da" "$dp" "$dac" "$dpc"
  ratios "$n" "ours/data" "$va" "$vp" "$vac" "$vpc" "$da" "$dp" "$dac" "$dpc" "   (target <= 1.50x)"
  ratios "$n" "floor/data" "$fa" "$fp" "$fac" "$fpc" "$da" "$dp" "$dac" "$dpc" "   (any framework provider)"
  ratios "$n" "ours/floor" "$va" "$vp" "$vac" "$vpc" "$fa" "$fp" "$fac" "$fpc" "   (ours to cut)"
  ratios "$n" "fvault/floor" "$sa" "$sp" "$sac" "$spc" "$fa" "$fp" "$fac" "$fpc" "   (backup_vault's schema, no I/O)"
  ratios "$n" "ours/fvault" "$va" "$vp" "$vac" "$vpc" "$sa" "$sp" "$sac" "$spc" "   (the provider's own work)"
done
