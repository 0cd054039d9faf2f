# Sourced by demo and bench: build the provider into $1/bin and write a Terraform CLI config that
# uses it (dev_overrides for plan/apply, a filesystem mirror so `terraform init` works offline).
# Exports TF_CLI_CONFIG_FILE and PROVIDER_BIN.
tfdev_setup() {
  local work=$1 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  mkdir -p "$work/bin"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$work/bin/terraform-provider-backup" .)
  local platform mirror
  platform="$(go env GOOS)_$(go env GOARCH)"
  mirror="$work/mirror/registry.terraform.io/strongroom/backup/0.0.1/$platform"
  mkdir -p "$mirror"
  cp "$work/bin/terraform-provider-backup" "$mirror/terraform-provider-backup_v0.0.1"
  cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "strongroom/backup" = "$work/bin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/strongroom/backup"]
  }
}
RC
  export TF_CLI_CONFIG_FILE="$work/terraformrc"
  export TF_IN_AUTOMATION=1
  export PROVIDER_BIN="$work/bin/terraform-provider-backup"
}
