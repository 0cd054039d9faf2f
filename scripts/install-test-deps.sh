#!/usr/bin/env bash
# Installs what the test suite needs beyond the base image (Go, terraform, PostgreSQL 15 binaries,
# Python with the AWS CLI). Idempotent: it only checks what is already present.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1 || { echo "install-test-deps: $1 is required on PATH ($2)" >&2; exit 1; }; }
need go "the Go toolchain"
need terraform "Terraform >= 1.5"
need aws "the AWS CLI, used by the external-client scenarios"
echo "install-test-deps: go $(go env GOVERSION), $(terraform version | head -1), $(aws --version 2>&1)"
