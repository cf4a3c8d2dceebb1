#!/usr/bin/env bash
# Creates the project-local virtualenv (./.venv) with the pinned test tools:
# moto's server (the AWS emulator) and the real aws CLI. Idempotent: a venv
# whose requirements file has not changed since the last install is left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${CLOUDBUILDER_VENV:-$root/.venv}"
req="$root/scripts/requirements-test.txt"
extra=()
for f in "$@"; do extra+=(-r "$f"); done
stamp="$venv/.cloudbuilder-installed"
want=$(cat "$req" "$@" | sha256sum | cut -d' ' -f1)
if [[ -x "$venv/bin/moto_server" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" "${extra[@]}"
echo "$want" > "$stamp"
echo "bootstrap: test tools installed in $venv" >&2
