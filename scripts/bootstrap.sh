#!/usr/bin/env bash
# Creates the project-local virtualenv (./.venv) with the pinned test tools:
# moto's server (the AWS emulator) and the real aws CLI, after the Debian
# packages the build needs. Idempotent: a venv
# whose requirements file has not changed since the last install is left alone.
set -euo pipefail

# The Debian packages the build needs: OpenSSL's headers for azure_identity's
# certificate credential, pkg-config to find them, and Python's venv module.
need=()
pkg-config --exists openssl 2>/dev/null || need+=(libssl-dev pkg-config)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
  echo "bootstrap: installing ${need[*]}" >&2
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

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
