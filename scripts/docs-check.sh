#!/usr/bin/env bash
# Fails when docs/ is not what tfplugindocs generates from the provider, templates/ and examples/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Copy the tracked tree (plus untracked, unignored files) so generation never touches the work tree.
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$scratch"/ 2>/dev/null || true)
(cd "$scratch" && go tool tfplugindocs generate --provider-name backup --rendered-provider-name backup >/dev/null)
if ! diff -ru "$root/docs" "$scratch/docs"; then
  echo "docs-check: docs/ is stale; run 'make docs' and commit the result." >&2
  exit 1
fi
echo "docs-check: docs/ is up to date."
