#!/usr/bin/env bash
# Benchmark P5: start-up on a large organization, i.e. the time from starting
# `cloudbuilder scan aws --org` to its first request signed as a member account.
#
# An organization of ACCOUNTS (1000) member accounts, a CloudBuilder role in
# each, is seeded in moto with botocore (bench/org-scan/seed.py, 4 workers; the
# seeding time is printed). cloudbuilder scans aws_ec2_instance in us-east-1
# through the fault proxy (no latency), first once in record mode (moto's
# answers), then RUNS (5) times in replay mode, so that moto's own speed (about
# 130 requests/s) is not what is measured. The proxy notes when each account
# made its first request (first_request_at); the figure is the earliest member
# account's, less the time the process was started. Also printed: the time to
# the first request at all, the whole scan's time, and the timeline of the
# median run up to the first member's request (from the proxy's request log).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

accounts=${ACCOUNTS:-1000}
runs=${RUNS:-5}
external_id=bench-external-id

start_moto
echo "P5: seeding $accounts member accounts in moto" >&2
seed_start=$(now)
"$py" bench/org-scan/seed.py "$moto_url" "$external_id" --accounts "$accounts" --regions us-east-1 >"$work/org.json"
seed_seconds=$("$py" -c "print(f'{$(now) - $seed_start:.1f}')")
echo "  seeded in $seed_seconds s" >&2

start_proxy --upstream "$moto_url" --log "$work/requests.jsonl"
export AWS_ENDPOINT_URL="$proxy_url"
scan() {
  "$cb" scan aws --org --external-id "$external_id" --tables aws_ec2_instance --regions us-east-1 --store "$1" \
    >"$work/scan.log" 2>&1 || { echo "cloudbuilder scan failed:" >&2; cat "$work/scan.log" >&2; exit 1; }
}

echo "P5: recording moto's answers" >&2
proxy POST config '{"mode": "record"}' >/dev/null
record_start=$(now)
scan "$work/record.db"
echo "  recorded in $("$py" -c "print(f'{$(now) - $record_start:.1f}')") s (cloudbuilder against moto)" >&2

proxy POST config '{"mode": "replay"}' >/dev/null
for run in $(seq 1 "$runs"); do
  proxy POST reset >/dev/null
  start=$(now)
  scan "$work/run-$run.db"
  end=$(now)
  proxy GET stats >"$work/stats-$run.json"
  echo "$start $end" >"$work/times-$run"
done

"$py" - "$work" "$runs" "$accounts" "$seed_seconds" "$cb" <<'PY'
import json, statistics, sys
work, runs, accounts, seeded, cb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
log = [json.loads(line) for line in open(f"{work}/requests.jsonl")]
first_member, first_any, whole, listing, misses, spans = [], [], [], set(), 0, []
for run in range(1, runs + 1):
    start, end = map(float, open(f"{work}/times-{run}").read().split())
    spans.append((start, end))
    stats = json.load(open(f"{work}/stats-{run}.json"))
    firsts = stats["first_request_at"]
    members = [t for account, t in firsts.items() if account != stats["default_account"]]
    if len(members) != accounts:
        sys.exit(f"run {run}: {len(members)} member accounts made requests, not {accounts}")
    first_member.append(min(members) - start)
    first_any.append(min(firsts.values()) - start)
    whole.append(end - start)
    misses += stats["replay_misses"]
    org = stats["requests"][stats["default_account"]]["us-east-1"]["organizations"]
    listing.add(", ".join(f"{n} {action}" for action, n in sorted(org.items())))
ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"
print(f"P5: {accounts} member accounts, aws_ec2_instance in us-east-1, replayed moto answers, no latency, {runs} runs; cloudbuilder: {cb}")
print(f"  seeding the organization in moto: {seeded} s")
print(f"  process start -> first member-account request: median {ms(first_member)}")
print(f"  process start -> first request of all: median {ms(first_any)}")
print(f"  whole scan: median {ms(whole)}")
print(f"  organization requests per scan: {' | '.join(sorted(listing))}")
median_run = sorted(range(runs), key=lambda r: first_member[r])[runs // 2]
start, end = spans[median_run]
first = start + first_member[median_run]
before = [r for r in log if start <= r["at"] < first]
print(f"  timeline of the median run (ms from process start) up to the first member request:")
for r in before:
    if r["service"] != "sts":
        print(f"    {(r['at'] - start) * 1000:7.1f} -> {(r['done'] - start) * 1000:7.1f}  {r['service']} {r['action']}")
sts = [r for r in before if r["service"] == "sts"]
if sts:
    print(f"    {(sts[0]['at'] - start) * 1000:7.1f} ... {(sts[-1]['done'] - start) * 1000:7.1f}  {len(sts)} AssumeRole requests")
print(f"    {first_member[median_run] * 1000:7.1f}  first member-account request")
if misses:
    sys.exit(f"  CHECK FAILED: {misses} requests had no recorded answer")
PY
