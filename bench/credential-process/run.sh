#!/usr/bin/env bash
# Benchmark P2: how fast a cached credential is served, since credential_process
# runs on every aws CLI call. Compares, in one run, against the same role:
#   - cloudbuilder creds assume --format credential-process, served from its cache;
#   - awsume (PyPI), served from its cache: awsume 4.5 caches the MFA session
#     (GetSessionToken) and assumes the role from it, so its warm path is a cache
#     read plus one AssumeRole against the local emulator;
#   - the runbook's own `aws sts assume-role` (no cache), for reference.
# The role profile requires MFA, so both tools take their cached path. Prints
# medians and ratios; BENCHMARKS.md records them as row P2.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=${RUNS:-200}

./scripts/bootstrap.sh bench/requirements.txt
if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine (Debian package)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq hyperfine >/dev/null
fi
cargo build --release --locked --quiet -p cloudbuilder
cb="$root/target/release/cloudbuilder"
export PATH="$root/.venv/bin:$PATH"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null && break
  sleep 0.2
done

# Everything in a private home: AWS files, awsume's config and cache, cloudbuilder's cache.
export HOME="$work" XDG_CACHE_HOME="$work/.cache" AWS_CONFIG_FILE="$work/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$work/.aws/credentials"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
mkdir -p "$work/.aws"
setup() { AWS_ACCESS_KEY_ID=AKIASETUPEXAMPLE0000 AWS_SECRET_ACCESS_KEY=setup aws "$@"; }
setup iam create-user --user-name bench >/dev/null
read -r key_id key_secret < <(setup iam create-access-key --user-name bench --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
role_arn=$(setup iam create-role --role-name CloudBuilder --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}' \
  --query Role.Arn --output text)
printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key_id" "$key_secret" >"$AWS_SHARED_CREDENTIALS_FILE"
cat >"$AWS_CONFIG_FILE" <<CFG
[profile cloud-builder]
role_arn = $role_arn
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/bench
region = us-east-1
CFG

# Fill both caches (the MFA code is asked for only on a miss), and check them.
"$cb" creds assume --profile cloud-builder --token-code 123456 --format credential-process >/dev/null
awsumepy cloud-builder --mfa-token 123456 >/dev/null 2>&1
first=$("$cb" creds assume --profile cloud-builder --format credential-process)
again=$("$cb" creds assume --profile cloud-builder --format credential-process)
[[ "$first" == "$again" ]] || { echo "cloudbuilder did not serve from its cache" >&2; exit 1; }
awsumepy cloud-builder 2>/dev/null | grep -q "^Awsume" || { echo "awsume's warm path failed" >&2; exit 1; }

hyperfine -N --style basic --warmup 10 --runs "$runs" --export-json "$work/cb.json" \
  "$cb creds assume --profile cloud-builder --format credential-process" >&2
hyperfine -N --style basic --warmup 3 --runs "$(( runs / 4 ))" --export-json "$work/awsume.json" \
  "awsumepy cloud-builder" >&2
hyperfine -N --style basic --warmup 3 --runs "$(( runs / 4 ))" --export-json "$work/cli.json" \
  "aws sts assume-role --profile base --role-arn $role_arn --role-session-name runbook" >&2

python3 - "$work" <<'PY'
import json, platform, os, sys
work = sys.argv[1]
def median_ms(name):
    r = json.load(open(f"{work}/{name}.json"))["results"][0]
    return r["median"] * 1000, len(r["times"])
cb, n_cb = median_ms("cb")
aw, n_aw = median_ms("awsume")
cli, n_cli = median_ms("cli")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"machine: {os.cpu_count()} cores, {cpu}")
print(f"cloudbuilder creds assume --format credential-process (cache hit): median {cb:.2f} ms over {n_cb} runs")
print(f"awsumepy cloud-builder (MFA session from cache + AssumeRole):     median {aw:.2f} ms over {n_aw} runs")
print(f"aws sts assume-role (the runbook's step 3, no cache):              median {cli:.2f} ms over {n_cli} runs")
print(f"cloudbuilder is {aw / cb:.1f}x faster than awsume and {cli / cb:.1f}x faster than the aws CLI")
print(f"target: <= 5 ms median and >= 30x awsume: {'met' if cb <= 5 and aw / cb >= 30 else 'NOT met'}")
PY
