#!/usr/bin/env bash
# Installs what the test suite needs beyond the base image (Go, terraform, PostgreSQL 15 binaries,
# Python with the AWS CLI). Idempotent: it checks what is already present, and builds only what
# is missing or of another version.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-test-deps: $1 is required on PATH ($2)" >&2; exit 1; }; }
need go "the Go toolchain"
need terraform "Terraform >= 1.5"
need aws "the AWS CLI, used by the external-client scenarios"

# versitygw, the S3-compatible server the S3 connector's tests run against, built from the Go
# module proxy into the repository's .tools/bin (gitignored), where s3test looks for it. The
# build is cached in Go's module and build caches, so a rebuild after `rm -rf .tools` is quick;
# the stamp file skips even that when the wanted version is there.
VERSITYGW_VERSION=v1.8.0
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
stamp="$bin/.versitygw-version"
if [[ ! -x "$bin/versitygw" || "$(cat "$stamp" 2>/dev/null)" != "$VERSITYGW_VERSION" ]]; then
	echo "install-test-deps: building versitygw $VERSITYGW_VERSION into .tools/bin"
	mkdir -p "$bin"
	GOBIN="$bin" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
	echo "$VERSITYGW_VERSION" >"$stamp"
fi
# OpenTofu, which the scenario tests run the quickstart and the time-travel guide's test with,
# built from the Go module proxy into .tools/bin. Its go.mod replaces a dependency (its hcl fork),
# which `go install module@version` refuses, so it is built from inside its module source, as its
# release does (dev=no drops the -dev version suffix).
TOFU_VERSION=v1.12.6
tofu_stamp="$bin/.tofu-version"
if [[ ! -x "$bin/tofu" || "$(cat "$tofu_stamp" 2>/dev/null)" != "$TOFU_VERSION" ]]; then
	echo "install-test-deps: building OpenTofu $TOFU_VERSION into .tools/bin (a few minutes the first time)"
	mkdir -p "$bin"
	src=$(cd / && GOFLAGS= go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d "$src" ]] || { echo "install-test-deps: could not download github.com/opentofu/opentofu@$TOFU_VERSION" >&2; exit 1; }
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$bin/tofu" ./cmd/tofu)
	echo "$TOFU_VERSION" >"$tofu_stamp"
fi
# Chromium from Debian, the real browser the console's tests drive (internal/engine/console,
# through chromedp). Installed only when missing; needs root (apt-get).
if [[ ! -x /usr/bin/chromium ]]; then
	echo "install-test-deps: installing chromium (Debian package) for the console's browser tests"
	if [[ $(id -u) -ne 0 ]]; then
		echo "install-test-deps: run as root, or install it yourself: apt-get install -y chromium" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium || {
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
	}
fi
echo "install-test-deps: go $(go env GOVERSION), $(terraform version | head -1), $(aws --version 2>&1), versitygw $VERSITYGW_VERSION, OpenTofu $TOFU_VERSION, $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
