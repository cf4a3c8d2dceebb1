#!/usr/bin/env bash
# Where P1's time goes: one cloudbuilder org scan of the P1 organization (ACCOUNTS
# (50) x 4 regions x INSTANCES (3)), replayed through the fault proxy at LATENCY_MS
# (80), with the proxy's request log turned into a timeline: when each phase's
# requests left and were answered (ms from process start), and what came after
# the last answer. Not a benchmark of its own: it explains bench/org-scan's figure.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

accounts=${ACCOUNTS:-50}
regions=us-east-1,eu-west-1,ap-southeast-2,sa-east-1
instances=${INSTANCES:-3}
latency=${LATENCY_MS:-80}
external_id=bench-external-id

start_moto
"$py" bench/org-scan/seed.py "$moto_url" "$external_id" --accounts "$accounts" --regions "$regions" --instances "$instances" >"$work/org.json"
start_proxy --upstream "$moto_url" --log "$work/requests.jsonl"
export AWS_ENDPOINT_URL="$proxy_url"
scan() {
  "$cb" scan aws --org --external-id "$external_id" --tables aws_ec2_instance --regions "$regions" --store "$1" \
    >"$work/scan.log" 2>&1 || { echo "cloudbuilder scan failed:" >&2; cat "$work/scan.log" >&2; exit 1; }
}
proxy POST config '{"mode": "record"}' >/dev/null
scan "$work/record.db"
proxy POST config "{\"mode\": \"replay\", \"latency_ms\": $latency, \"bucket_burst\": 100, \"bucket_refill\": 20}" >/dev/null
: >"$work/requests.jsonl"
proxy POST reset >/dev/null
start=$(now)
scan "$work/run.db"
end=$(now)

"$py" - "$work/requests.jsonl" "$start" "$end" <<'PY'
import collections, json, sys
path, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
log = [json.loads(line) for line in open(path)]
log = [r for r in log if start <= r["at"] <= end]
ms = lambda t: (t - start) * 1000
phases = collections.OrderedDict()
for r in sorted(log, key=lambda r: r["at"]):
    phases.setdefault(f"{r['service']} {r['action']}", []).append(r)
print(f"one scan, {len(log)} requests, {ms(end):.0f} ms from process start to exit")
for name, rs in phases.items():
    print(f"  {name:36} {len(rs):4} requests  sent {ms(rs[0]['at']):6.1f} .. {ms(rs[-1]['at']):6.1f}  answered by {ms(max(r['done'] for r in rs)):6.1f}")
last = max(r["done"] for r in log)
print(f"  after the last answer: {ms(end) - ms(last):.1f} ms (store commits, summary, exit)")
PY
