# Shared by the benchmarks that scan through moto and the fault proxy (org-scan,
# startup, memory). Sourced after `set -euo pipefail`; it installs the tools,
# builds cloudbuilder (skipped with SKIP_BUILD=1; CLOUDBUILDER_BIN picks the
# binary), makes a private temporary folder and home, and stops what it started
# on exit. Sets: root, cb, py, work, and after start_moto / start_proxy,
# moto_url / proxy_url.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./scripts/bootstrap.sh bench/requirements.txt
if [[ -z "${SKIP_BUILD:-}" ]]; then
  cargo build --release --locked --quiet -p cloudbuilder
fi
cb=${CLOUDBUILDER_BIN:-$root/target/release/cloudbuilder}
py="$root/.venv/bin/python"
export PATH="$root/.venv/bin:$PATH"

work=$(mktemp -d)
started=()
stop_started() {
  for pid in "${started[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_started EXIT

# Nothing of the user's is read or written: home, caches, AWS files, store.
mkdir -p "$work/home"
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache" XDG_DATA_HOME="$work/home/.local/share"
export AWS_CONFIG_FILE="$work/home/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$work/home/.aws/credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
# The management account's keys (moto's default account, 123456789012).
export AWS_ACCESS_KEY_ID=AKIAADMINEXAMPLE0000 AWS_SECRET_ACCESS_KEY=admin-setup-secret
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts moto's server on a free port; sets moto_url.
start_moto() {
  local port
  port=$(free_port)
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  started+=($!)
  moto_url="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    "$py" -c "import urllib.request as u; u.urlopen('$moto_url/moto-api/', timeout=1)" 2>/dev/null && return
    sleep 0.2
  done
  echo "moto did not start; its log:" >&2
  cat "$work/moto.log" >&2
  exit 1
}

# Starts the fault proxy with the given flags; sets proxy_url.
start_proxy() {
  "$py" crates/testkit/fakes/fault_proxy.py "$@" >"$work/proxy.out" 2>"$work/proxy.log" &
  started+=($!)
  for _ in $(seq 1 100); do
    if grep -qs '^listening ' "$work/proxy.out"; then
      proxy_url="http://127.0.0.1:$(awk '{print $2}' "$work/proxy.out")"
      return
    fi
    sleep 0.1
  done
  echo "the fault proxy did not start; its log:" >&2
  cat "$work/proxy.log" >&2
  exit 1
}

# proxy METHOD NAME [JSON]: calls the proxy's control endpoint /_proxy/NAME; prints its answer.
proxy() {
  "$py" - "$proxy_url/_proxy/$2" "$1" "${3:-}" <<'PY'
import sys, urllib.request
url, method, body = sys.argv[1:]
request = urllib.request.Request(url, body.encode() if body else None, {"Content-Type": "application/json"}, method=method)
print(urllib.request.urlopen(request).read().decode())
PY
}

# Seconds since the epoch, with microseconds.
now() { echo "$EPOCHREALTIME"; }
