#!/usr/bin/env bash
# The runbook, end to end, against a local AWS emulator (moto), touching none of
# your own AWS files: create the scanner identity and the CloudBuilder role with
# an external id, launch a few EC2 instances, mint short-lived credentials with
# cloudbuilder and use them the four ways people do; then seed an organization
# and scan every account and region of it into SQLite, and query the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ -t 1 ]]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi

./scripts/bootstrap.sh
say "Building cloudbuilder"
cargo build --quiet --locked -p cloudbuilder
cb="$root/target/debug/cloudbuilder"
export PATH="$root/.venv/bin:$PATH"

# A private home for the demo: config, credentials and cache live here.
demo=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$demo/moto.log" 2>&1 &
moto_pid=$!
cleanup() { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -rf "$demo"; }
trap cleanup EXIT
# http METHOD URL [BODY]: a tiny HTTP client, so the demo needs nothing but python3.
http() {
  python3 -c 'import sys, urllib.request as u
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
u.urlopen(u.Request(sys.argv[2], data=data, method=sys.argv[1], headers={"Content-Type": "text/plain"}), timeout=2)' "$@"
}
for _ in $(seq 1 150); do
  http GET "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
  sleep 0.2
done
export AWS_CONFIG_FILE="$demo/config" AWS_SHARED_CREDENTIALS_FILE="$demo/credentials" XDG_CACHE_HOME="$demo/cache"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID=AKIAADMINEXAMPLE0000 AWS_SECRET_ACCESS_KEY=admin-setup-secret
echo "moto (AWS emulator) on $AWS_ENDPOINT_URL, demo files in $demo"

say "Runbook step 3.1: the scanner identity (an IAM user that may only assume roles)"
user_arn=$(aws iam create-user --user-name steampipe-scanner --query User.Arn --output text)
read -r key_id key_secret < <(aws iam create-access-key --user-name steampipe-scanner \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
aws iam put-user-policy --user-name steampipe-scanner --policy-name assume-cloud-builder \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:GetCallerIdentity"],"Resource":"*"}]}'
# It lists the organization itself, to find the accounts to scan.
aws iam put-user-policy --user-name steampipe-scanner --policy-name list-organization \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:Describe*","organizations:List*","ec2:DescribeRegions"],"Resource":"*"}]}'
echo "scanner: $user_arn"

say "An organization: three member accounts in OU 'workloads', with buckets and instances"
python3 "$root/scripts/demo_seed_org.py" "$AWS_ENDPOINT_URL"

say "Runbook steps 1 and 2.1, planned: cloudbuilder role plan (changes nothing)"
role_flags=(--cloud aws --scope organization --trusted-principal "$user_arn" --external-id demo-tenant-42 --trail-bucket org-cloudtrail-logs)
"$cb" role plan "${role_flags[@]}" --out "$demo/plan"
ls "$demo/plan"

say "Applied in every account of the organization: cloudbuilder role apply"
"$cb" role apply "${role_flags[@]}"
say "Applied again: nothing to change"
"$cb" role apply "${role_flags[@]}"
role_arn="arn:aws:iam::123456789012:role/CloudBuilder"
say "Read back in every account: cloudbuilder role verify"
"$cb" role verify "${role_flags[@]}" --no-probe

say "Some EC2 instances for the scanner to find"
ami=$(aws ec2 describe-images --owners amazon --query 'Images[0].ImageId' --output text)
for name in web-1 web-2 batch-1; do
  aws ec2 run-instances --image-id "$ami" --instance-type t3.micro --count 1 \
    --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$name}]" --query 'Instances[0].InstanceId' --output text
done

# From here on moto checks signatures, identity policies and trust policies.
http POST "$AWS_ENDPOINT_URL/moto-api/reset-auth" 0
export AWS_ACCESS_KEY_ID="$key_id" AWS_SECRET_ACCESS_KEY="$key_secret"

say "Who am I before assuming? (cloudbuilder creds whoami)"
"$cb" creds whoami

say "A wrong external id is refused (exit code shown)"
"$cb" creds assume --role-arn "$role_arn" --external-id wrong-guess || echo "exit code $?"

say "Runbook step 3: short-lived credentials (cloudbuilder creds assume --format json)"
"$cb" creds assume --role-arn "$role_arn" --external-id demo-tenant-42 --duration 1h --format json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); d["SecretAccessKey"]=d["SecretAccessKey"][:4]+"…"; d["SessionToken"]=d["SessionToken"][:8]+"…"; print(json.dumps(d, indent=2, ensure_ascii=False))'

say "eval \"\$(cloudbuilder creds assume …)\" then aws sts get-caller-identity"
( eval "$("$cb" creds assume --role-arn "$role_arn" --external-id demo-tenant-42)"; aws sts get-caller-identity --query Arn --output text )

say "The runbook's EC2 listing: cloudbuilder creds exec -- aws ec2 describe-instances"
"$cb" creds exec --role-arn "$role_arn" --external-id demo-tenant-42 -- \
  aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,InstanceType,State.Name,Tags[?Key==`Name`]|[0].Value]' --output table

say "As the aws CLI's credential_process (served from cloudbuilder's cache)"
cat >"$AWS_CONFIG_FILE" <<CFG
[profile cloud-builder]
credential_process = $cb creds assume --role-arn $role_arn --external-id demo-tenant-42 --format credential-process
CFG
aws --profile cloud-builder sts get-caller-identity --query Arn --output text

say "cloudbuilder creds write-profile, for tools that only read ~/.aws/credentials"
"$cb" creds write-profile --name cloud-builder-static --role-arn "$role_arn" --external-id demo-tenant-42
aws --profile cloud-builder-static sts get-caller-identity --query Arn --output text

say "Scan the whole organization: every account, two regions (cloudbuilder scan aws --org)"
store="$demo/cloudbuilder.db"
# Every table except aws_lambda_function: with authentication on, moto checks the
# signature of Lambda's `GET /2015-03-31/functions/` differently from AWS.
# CloudTrail events come from the organization trail's bucket.
# Cost comes next, on its own.
tables=$("$cb" tables --cloud aws --format json | python3 -c 'import json, sys
print(",".join(t["name"] for t in json.load(sys.stdin)
               if t["name"] != "aws_lambda_function"
               and not t["name"].startswith("aws_cost_")))')
"$cb" scan aws --org --external-id demo-tenant-42 --regions us-east-1,eu-west-1 --tables "$tables" \
  --trail-bucket org-cloudtrail-logs --store "$store"

say "Instances per account and region (cloudbuilder query)"
"$cb" query --store "$store" "SELECT a.name AS account, i.region, count(*) AS instances
  FROM aws_ec2_instance i JOIN aws_organizations_account a ON a.id = i.account_id
  GROUP BY 1, 2 ORDER BY 1, 2"

say "Latest audit events across the organization"
"$cb" query --store "$store" "SELECT a.name AS account, e.event_time, e.event_source, e.event_name, e.user_type
  FROM aws_cloudtrail_event e JOIN aws_organizations_account a ON a.id = e.account_id
  ORDER BY e.event_time DESC LIMIT 6"

say "Buckets and their regions"
"$cb" query --store "$store" "SELECT account_id, name, bucket_region, tags ->> '$.team' AS team FROM aws_s3_bucket ORDER BY name"

say "Running instances by team tag, as JSON"
"$cb" query --store "$store" --format json "SELECT tags ->> '$.team' AS team, count(*) AS running
  FROM aws_ec2_instance WHERE instance_state = 'running' GROUP BY 1 ORDER BY 2 DESC"

say "Cost by service per day, from Cost Explorer in the management account"
# moto answers Cost Explorer from a queue of results: a week of spend for it to serve.
python3 - "$AWS_ENDPOINT_URL" <<'PY'
import datetime, json, sys, urllib.request
today = datetime.date.today()
spend = {"Amazon Elastic Compute Cloud - Compute": 41.20, "Amazon Relational Database Service": 18.75,
         "Amazon Simple Storage Service": 6.10, "AWS CloudTrail": 1.05}
days = []
for back in range(7, -1, -1):
    start = today - datetime.timedelta(days=back)
    days.append({"TimePeriod": {"Start": str(start), "End": str(start + datetime.timedelta(days=1))},
                 "Total": {}, "Estimated": back == 0,
                 "Groups": [{"Keys": [service], "Metrics": {"UnblendedCost": {"Amount": f"{usd * (1 + back / 50):.4f}", "Unit": "USD"}}}
                            for service, usd in spend.items()]})
body = json.dumps({"results": [{"ResultsByTime": days}]}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/moto-api/static/ce/cost-and-usage-results", data=body,
                                              headers={"Content-Type": "application/json"}))
PY
"$cb" scan aws --org --external-id demo-tenant-42 --regions us-east-1 --tables aws_cost_by_service_daily --store "$store"
"$cb" query --store "$store" "SELECT service, printf('%.2f', sum(unblended_cost_amount)) AS usd_last_8_days
  FROM aws_cost_by_service_daily GROUP BY 1 ORDER BY sum(unblended_cost_amount) DESC"

say "What the scans recorded about themselves"
"$cb" query --store "$store" "SELECT run_id, status, units, rows, errors FROM cloudbuilder_run"

say "Done: the emulator is stopped and the demo files removed"
