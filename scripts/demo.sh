#!/usr/bin/env bash
# make demo: build the provider, point Terraform at it with a throwaway CLI config
# (dev_overrides), and apply examples/quickstart on the embedded engine: protect a sample
# directory, back it up, list the recovery point, restore it to a new directory and prove the
# copy identical. Needs only Go and terraform; everything it writes is under .demo/ and is reset
# on each run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo="$root/.demo"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

rm -rf "$demo"
mkdir -p "$demo/data" "$demo/work"
sample="$demo/sample"
restored="$demo/restored"
started=$(date +%s)

say "Building the provider: go build into .demo/bin (the first build compiles every dependency: a minute or two)"
# shellcheck source=lib/tfdev.sh
source "$root/scripts/lib/tfdev.sh"
build_started=$(date +%s)
tfdev_setup "$demo"
echo "    built $PROVIDER_BIN in $(( $(date +%s) - build_started ))s; a CLI config in .demo/terraformrc points Terraform at it (dev_overrides)"
cp "$root"/examples/quickstart/*.tf "$demo/work/"
tf() { terraform -chdir="$demo/work" "$@"; }
vars=(-var "data_dir=$demo/data" -var "source_dir=$sample" -var "restore_dir=$restored")

say "A sample directory to protect: $sample"
mkdir -p "$sample/docs/guides" "$sample/empty" "$sample/bin"
for i in $(seq 1 40); do printf 'customer %d: account in good standing\n' "$i" >"$sample/docs/customer-$i.txt"; done
printf '# Runbook\nRestore with backup_restore_job.\n' >"$sample/docs/guides/runbook.md"
printf '#!/bin/sh\necho deploy\n' >"$sample/bin/deploy.sh" && chmod 755 "$sample/bin/deploy.sh"
head -c 8388608 /dev/urandom >"$sample/bin/model.bin"
ln -s docs/guides/runbook.md "$sample/RUNBOOK"
touch -d '2020-02-29 12:00:00' "$sample/docs/guides/runbook.md"
echo "    $(find "$sample" -type f | wc -l) files, $(find "$sample" -type d | wc -l) directories (one empty), a symlink; $(du -sh "$sample" | cut -f1)"

say "terraform init (the provider comes from the dev override; nothing is downloaded)"
tf init -input=false -no-color >"$demo/init.log" 2>&1 || { cat "$demo/init.log"; exit 1; }
grep -E 'Terraform has been successfully initialized' "$demo/init.log" | sed 's/^/    /'

say "terraform apply: register, vault, on-demand backup, list recovery points, restore"
TF_LOG_PROVIDER=INFO tf apply -input=false -auto-approve -no-color "${vars[@]}" 2>"$demo/provider.log" |
  grep -E '^(backup_|data\.backup_|Apply complete)' | sed 's/^/    /'
echo "    progress the provider logged while it waited:"
grep -E '(backup|restore) job [0-9A-F-]+( started|:| completed)' "$demo/provider.log" |
  sed -E 's/^.*\[INFO\] +provider[^:]*: //; s/: [@a-z_]+=.*$//' | sed 's/^/      /' || true

say "What happened"
tf output -no-color | sed 's/^/    /'

say "Is the restored copy identical? diff -r $sample $restored"
if diff -r --no-dereference "$sample" "$restored"; then
  echo "    Identical: same files, bytes, empty directory and symlink."
  (cd "$sample" && find . -printf '%p %m %Y %TY-%Tm-%Td\n' | sort) >"$demo/a.lst"
  (cd "$restored" && find . -printf '%p %m %Y %TY-%Tm-%Td\n' | sort) >"$demo/b.lst"
  if cmp -s "$demo/a.lst" "$demo/b.lst"; then echo "    Modes and modification dates match too."; else diff "$demo/a.lst" "$demo/b.lst" | sed 's/^/    /'; exit 1; fi
else
  echo "    The restored tree differs!" >&2
  exit 1
fi

say "terraform plan after apply: expecting no changes"
tf plan -input=false -no-color -detailed-exitcode "${vars[@]}" >/dev/null && echo "    No changes: every resource reads back exactly as written."

say "The engine answers the AWS Backup API; its key is in the data dir"
"$PROVIDER_BIN" engine credentials --data-dir "$demo/data" | sed 's/SECRET_ACCESS_KEY=.*/SECRET_ACCESS_KEY=.../; s/^/    /'
cat <<MSG
    To walk the restore with the AWS CLI:
      $PROVIDER_BIN engine serve --data-dir $demo/data --allow-path $demo &
      eval "\$($PROVIDER_BIN engine credentials --data-dir $demo/data)"
      aws --endpoint-url http://127.0.0.1:9191 backup list-recovery-points-by-backup-vault \\
          --backup-vault-name prod-primary-vault --by-resource-type EFS
MSG

say "Done in $(( $(date +%s) - started ))s. Clean up with: make clean"
cat <<MSG
    Next:
      docs/guides/time-travel.md   fast-forward the engine's clock and watch lifecycle, retention and
                                   locks act (its terraform test is in examples/guides/time-travel)
      examples/                    every resource, data source and action, and the quickstart you just ran
MSG
