#!/usr/bin/env bash
# make demo: build the provider, point Terraform at it with a throwaway CLI config
# (dev_overrides), and apply examples/quickstart on the embedded engine. Needs only Go and
# terraform; everything it writes is under .demo/ and is reset on each run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

rm -rf "$demo"
mkdir -p "$demo/bin" "$demo/data" "$demo/work"

say "Building the provider"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$demo/bin/terraform-provider-backup" .)

# dev_overrides makes plan and apply use the binary just built. terraform init still wants to
# install the provider, so the same binary is also offered from a local filesystem mirror: init
# succeeds without reaching the registry.
platform="$(go env GOOS)_$(go env GOARCH)"
mirror="$demo/mirror/registry.terraform.io/strongroom/backup/0.0.1/$platform"
mkdir -p "$mirror"
cp "$demo/bin/terraform-provider-backup" "$mirror/terraform-provider-backup_v0.0.1"
cat >"$demo/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "strongroom/backup" = "$demo/bin"
  }
  filesystem_mirror {
    path    = "$demo/mirror"
    include = ["registry.terraform.io/strongroom/backup"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$demo/terraformrc"
export TF_IN_AUTOMATION=1
cp "$root"/examples/quickstart/*.tf "$demo/work/"
tf() { terraform -chdir="$demo/work" "$@"; }

say "terraform init (the provider comes from the dev override; nothing is downloaded)"
tf init -input=false -no-color >"$demo/init.log" 2>&1 || { cat "$demo/init.log"; exit 1; }
grep -E 'Installed|Terraform has been successfully initialized' "$demo/init.log" | sed 's/^/    /' 

say "terraform apply on the embedded engine (state in .demo/data)"
tf apply -input=false -auto-approve -no-color -var "data_dir=$demo/data"

say "terraform plan after apply: expecting no changes"
tf plan -input=false -no-color -detailed-exitcode -var "data_dir=$demo/data" >/dev/null && echo "    No changes. The vault matches the configuration."

say "The engine answers the AWS Backup API; its key is in the data dir"
"$demo/bin/terraform-provider-backup" engine credentials --data-dir "$demo/data" | sed 's/SECRET_ACCESS_KEY=.*/SECRET_ACCESS_KEY=.../; s/^/    /'
echo "    (run \`terraform-provider-backup engine serve --data-dir $demo/data\` to reach it with the AWS CLI)"

say "Done. Clean up with: make clean"
