#!/usr/bin/env bash
# make demo: build the provider, point Terraform at it with a throwaway CLI config
# (dev_overrides), and apply examples/quickstart on the embedded engine. Needs only Go and
# terraform; everything it writes is under .demo/ and is reset on each run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

rm -rf "$demo"
mkdir -p "$demo/data" "$demo/work"

say "Building the provider"
# shellcheck source=lib/tfdev.sh
source "$root/scripts/lib/tfdev.sh"
tfdev_setup "$demo"
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
"$PROVIDER_BIN" engine credentials --data-dir "$demo/data" | sed 's/SECRET_ACCESS_KEY=.*/SECRET_ACCESS_KEY=.../; s/^/    /'
echo "    (run \`terraform-provider-backup engine serve --data-dir $demo/data\` to reach it with the AWS CLI)"

say "Done. Clean up with: make clean"
