#!/usr/bin/env bash
# Runs every test of the workspace: installs the pinned test tools into ./.venv
# (moto's server, the aws CLI, the policy linters), self-checks the GCP and Azure
# contract fakes, then runs the unit and integration tests.
# Extra arguments go to the test runner, e.g. scripts/test.sh -E 'test(creds_exec)'.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
# The GCP and Azure contract fakes check themselves against the published specs first.
.venv/bin/python crates/testkit/fakes/gcp/selftest.py
.venv/bin/python crates/testkit/fakes/azure/selftest.py
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  echo "test: cargo-nextest not found, using cargo test" >&2
  cargo test --workspace --locked --no-fail-fast "$@"
fi
