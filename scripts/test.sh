#!/usr/bin/env bash
# Runs every test of the workspace: installs the pinned test tools into ./.venv
# (moto's server, the aws CLI), then runs the unit and integration tests.
# Extra arguments go to the test runner, e.g. scripts/test.sh -E 'test(creds_exec)'.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  echo "test: cargo-nextest not found, using cargo test" >&2
  cargo test --workspace --locked --no-fail-fast "$@"
fi
