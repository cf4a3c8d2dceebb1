#!/usr/bin/env bash
# Benchmarks P1 and P1b: scanning an organization, against a baseline in the same run.
#
# P1: ACCOUNTS (50) member accounts x 4 regions, INSTANCES (3) EC2 instances in
# each, one per RunInstances call. Timed, RUNS (5) times each, through the fault
# proxy at LATENCY_MS (80) per request and EC2's token buckets (burst 100,
# refill 20/s per account and region):
#   1. the runbook's own procedure with the real aws CLI: list the accounts, then
#      for each `aws sts assume-role` and `aws ec2 describe-instances` in every
#      region, one after another as written (RUNBOOK_RUNS overrides RUNS);
#   2. boto3_scanner.py: a 16-thread boto3 scanner, as a competent engineer writes it;
#   3. cloudbuilder scan aws --org --tables aws_ec2_instance --regions <the 4>.
# Checks that all three find the same instance ids and that cloudbuilder records
# no scan errors (throttling included); prints medians, ratios and the floor.
#
# P1b: P1B_ACCOUNTS (10) accounts seeded with what every inventory table reads
# (seed.py --extras), scanned by cloudbuilder for every AWS table but the cost
# tables (Cost Explorer answers must be preset in moto and each real request is
# billed) and aws_cloudtrail_event (moto has no LookupEvents; it needs a trail
# bucket with log files or the contract fake): buckets scaled tenfold down
# (burst 10, refill 2/s) for every service, so the rate limits dominate the floor.
#
# moto answers about 130 requests/s here, so each scenario is first run once
# through the proxy in record mode (moto answers), then timed in replay mode:
# the proxy serves the recorded answers itself (bench/proxy-capacity shows its
# capacity), with latency and buckets applied. Prints a block for BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

accounts=${ACCOUNTS:-50}
regions=${REGIONS:-us-east-1,eu-west-1,ap-southeast-2,sa-east-1}
instances=${INSTANCES:-3}
runs=${RUNS:-5}
runbook_runs=${RUNBOOK_RUNS:-$runs}
latency=${LATENCY_MS:-80}
p1b_accounts=${P1B_ACCOUNTS:-10}
external_id=bench-external-id
here="$root/bench/org-scan"
mkdir -p "$work/stats" "$work/ids" "$work/out"

# The tools, each writing the instance ids it found to $1 (P1).
runbook() {
  local ids=$1 out="$work/out/runbook" account key secret token region
  rm -rf "$out" && mkdir -p "$out"
  for account in $(aws organizations list-accounts --query 'Accounts[?Status==`ACTIVE`].Id' --output text); do
    read -r key secret token < <(aws sts assume-role --role-arn "arn:aws:iam::$account:role/CloudBuilder" \
      --role-session-name runbook --external-id "$external_id" \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
    for region in ${regions//,/ }; do
      AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token \
        aws ec2 describe-instances --region "$region" >"$out/$account-$region.json"
    done
  done
  "$py" -c 'import json, sys
for path in sys.argv[1:]:
    for r in json.load(open(path))["Reservations"]:
        for i in r["Instances"]: print(i["InstanceId"])' "$out"/*.json >"$ids"
}
boto3_scan() { "$py" "$here/boto3_scanner.py" "$external_id" "$regions" "$1"; }
# cloudbuilder_scan STORE IDS TABLES [FLAGS…]: sets cb_exit; the scan's log is in $work/out/cloudbuilder.log.
cloudbuilder_scan() {
  cb_exit=0
  "$cb" scan aws --org --external-id "$external_id" --tables "$3" --regions "$regions" --store "$1" "${@:4}" \
    >"$work/out/cloudbuilder.log" 2>&1 || cb_exit=$?
  if [[ $cb_exit != 0 && $cb_exit != 2 ]]; then
    echo "cloudbuilder scan failed ($cb_exit):" >&2
    cat "$work/out/cloudbuilder.log" >&2
    exit 1
  fi
  if [[ -n "$2" ]]; then
    "$cb" query "SELECT instance_id FROM aws_ec2_instance" --format csv --store "$1" | tail -n +2 >"$2"
  fi
}
scan_errors() { "$cb" query "SELECT count(*) AS n FROM cloudbuilder_scan_error" --format csv --store "$1" | tail -n 1; }

# timed SCENARIO TOOL RUN COMMAND...: runs COMMAND with fresh proxy counters and buckets,
# appends its time to times.tsv and keeps the proxy's counters.
timed() {
  local scenario=$1 tool=$2 run=$3 start end errors=- exit=0
  shift 3
  proxy POST reset >/dev/null
  start=$(now)
  "$@"
  end=$(now)
  if [[ $tool == cloudbuilder ]]; then
    exit=$cb_exit
    errors=$(scan_errors "$work/$scenario-$run.db")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$tool" "$run" "$("$py" -c "print($end - $start)")" "$exit" "$errors" >>"$work/times.tsv"
  proxy GET stats >"$work/stats/$scenario-$tool-$run.json"
  echo "  $scenario $tool run $run: $("$py" -c "print(f'{$end - $start:.2f}')") s" >&2
}

start_moto
start_proxy --upstream "$moto_url"
export AWS_ENDPOINT_URL="$proxy_url"

echo "P1: seeding $accounts accounts x $(tr ',' '\n' <<<"$regions" | wc -l) regions x $instances instances in moto" >&2
start=$(now)
"$py" "$here/seed.py" "$moto_url" "$external_id" --accounts "$accounts" --regions "$regions" --instances "$instances" >"$work/p1-org.json"
echo "  seeded in $("$py" -c "print(f'{$(now) - $start:.1f}')") s" >&2

echo "P1: recording moto's answers (one pass of each tool)" >&2
proxy POST config '{"mode": "record", "latency_ms": 0, "bucket_burst": 0, "bucket_refill": 0}' >/dev/null
runbook "$work/ids/warmup-runbook.txt"
boto3_scan "$work/ids/warmup-boto3.txt"
proxy POST reset >/dev/null
cloudbuilder_scan "$work/p1-warmup.db" "$work/ids/warmup-cloudbuilder.txt" aws_ec2_instance
proxy GET stats >"$work/stats/P1-warmup.json"

echo "P1: timed runs, replayed, ${latency} ms latency, EC2 buckets 100/20" >&2
proxy POST config "{\"mode\": \"replay\", \"latency_ms\": $latency, \"bucket_burst\": 100, \"bucket_refill\": 20}" >/dev/null
for run in $(seq 1 "$runs"); do
  if ((run <= runbook_runs)); then
    timed P1 runbook "$run" runbook "$work/ids/P1-runbook-$run.txt"
  fi
  timed P1 boto3 "$run" boto3_scan "$work/ids/P1-boto3-$run.txt"
  timed P1 cloudbuilder "$run" cloudbuilder_scan "$work/P1-$run.db" "$work/ids/P1-cloudbuilder-$run.txt" aws_ec2_instance
done

echo "P1b: seeding $p1b_accounts accounts with every table's resources" >&2
"$py" -c "import urllib.request as u; u.urlopen(u.Request('$moto_url/moto-api/reset', b'', method='POST'))"
"$py" "$here/seed.py" "$moto_url" "$external_id" --accounts "$p1b_accounts" --regions "$regions" --instances "$instances" --extras >"$work/p1b-org.json"
p1b_tables=$("$cb" tables --format json | "$py" -c 'import json, sys
skip = {"aws_cost_by_service_daily", "aws_cost_by_account_monthly", "aws_cloudtrail_event"}
print(",".join(t["name"] for t in json.load(sys.stdin) if t["name"].startswith("aws_") and t["name"] not in skip))')
proxy POST config '{"mode": "record", "latency_ms": 0, "bucket_burst": 0, "bucket_refill": 0}' >/dev/null
proxy POST reset >/dev/null
cloudbuilder_scan "$work/p1b-warmup.db" "" "$p1b_tables" --rate-scale 0.1
proxy GET stats >"$work/stats/P1b-warmup.json"
echo "P1b: timed runs, replayed, ${latency} ms latency, buckets 10/2 for every service" >&2
proxy POST config "{\"mode\": \"replay\", \"latency_ms\": $latency, \"bucket_burst\": 10, \"bucket_refill\": 2, \"bucket_all_services\": true}" >/dev/null
for run in $(seq 1 "$runs"); do
  timed P1b cloudbuilder "$run" cloudbuilder_scan "$work/P1b-$run.db" "" "$p1b_tables" --rate-scale 0.1
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo
echo "machine: $(nproc) cores, $cpu; cloudbuilder: $cb ($("$cb" --version))"
status=0
"$py" "$here/report.py" "$work" P1 "$latency" 100 20 0 aws_ec2_instance \
  "$accounts accounts + management x $regions, $instances instances each ($(( accounts * instances * $(tr ',' '\n' <<<"$regions" | wc -l) )) in all), ${latency} ms latency, EC2 buckets 100/20 per (account, region), replayed moto answers" || status=1
"$py" "$here/report.py" "$work" P1b "$latency" 10 2 1 "$p1b_tables" \
  "$p1b_accounts accounts + management x $regions, tables $p1b_tables; ${latency} ms latency, buckets 10/2 per (account, region, service) for every service but STS, replayed moto answers" || status=1
exit $status
