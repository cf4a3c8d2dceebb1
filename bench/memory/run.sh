#!/usr/bin/env bash
# Benchmark P4: peak memory (and rows/s) of a scan that streams 1,000,000 EC2 instances.
#
# The instances do not come from moto, which answers about 130 requests/s, but
# from the fault proxy in replay mode: an organization of ACCOUNTS (10: the
# management account and 9 members) is seeded in moto with one instance, and
# cloudbuilder's scan of it across 4 regions is recorded once; then the proxy
# gives every (account, region) PAGES x PER_PAGE (25 x 1000) one-instance
# reservations, each instance a copy of the recorded one with its own instance and
# reservation ids (10 x 4 x 25,000 = 1,000,000; about 3.3 KB of XML each, as moto
# writes them), paged by the request's MaxResults (at most PER_PAGE) and chained by
# NextToken. With the default concurrency (256) all 40 (account, region) units run
# at once, so cloudbuilder asks for pages of 200 (its row budget shared among them).
#
# Measured with /usr/bin/time -v (Maximum resident set size): the full scan, and,
# as the baseline in the same run, the same scan with PER_PAGE instances per
# (account, region) (40,000 in all); a scan that streams pages to the store should
# need about the same memory for both. Checks the row count.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

accounts=${ACCOUNTS:-10}
regions=us-east-1,eu-west-1,ap-southeast-2,sa-east-1
pages=${PAGES:-25}
per_page=${PER_PAGE:-1000}
external_id=bench-external-id
if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (Debian package)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
fi

start_moto
"$py" bench/org-scan/seed.py "$moto_url" "$external_id" --accounts $((accounts - 1)) --regions us-east-1 --instances 1 >"$work/org.json"
start_proxy --upstream "$moto_url"
export AWS_ENDPOINT_URL="$proxy_url"

# measure NAME PAGES: scans with PAGES synthesized pages per (account, region); prints "rows seconds peak_kb cpu_seconds".
measure() {
  proxy POST config "{\"mode\": \"replay\", \"synth_pages\": $2, \"synth_per_page\": $per_page}" >/dev/null
  proxy POST reset >/dev/null
  /usr/bin/time -v -o "$work/$1.time" "$cb" scan aws --org --external-id "$external_id" --tables aws_ec2_instance \
    --regions "$regions" --store "$work/$1.db" >"$work/$1.log" 2>&1 \
    || { echo "cloudbuilder scan failed:" >&2; cat "$work/$1.log" "$work/$1.time" >&2; exit 1; }
  local rows errors seconds peak cpu
  rows=$("$cb" query "SELECT count(*) AS n FROM aws_ec2_instance" --format csv --store "$work/$1.db" | tail -n 1)
  errors=$("$cb" query "SELECT count(*) AS n FROM cloudbuilder_scan_error" --format csv --store "$work/$1.db" | tail -n 1)
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/$1.time")
  peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$1.time")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$work/$1.time")
  local want=$((accounts * 4 * $2 * per_page))
  if [[ $rows != "$want" || $errors != 0 ]]; then
    echo "$1: $rows rows (want $want), $errors scan errors; proxy stats:" >&2
    proxy GET stats >&2
    exit 1
  fi
  echo "$rows $seconds $peak $cpu"
}

echo "P4: recording moto's answers for $accounts accounts x 4 regions" >&2
proxy POST config '{"mode": "record"}' >/dev/null
"$cb" scan aws --org --external-id "$external_id" --tables aws_ec2_instance --regions "$regions" \
  --store "$work/record.db" >"$work/record.log" 2>&1
echo "P4: baseline, $per_page instances per (account, region)" >&2
read -r base_rows base_seconds base_peak _ < <(measure baseline 1)
echo "P4: $((pages * per_page)) instances per (account, region)" >&2
read -r rows seconds peak cpu < <(measure full "$pages")

"$py" - "$rows" "$seconds" "$peak" "$base_rows" "$base_seconds" "$base_peak" "$cpu" "$work/full.db" "$cb" "$accounts" "$pages" "$per_page" <<'PY'
import os, sys
rows, seconds, peak, base_rows, base_seconds, base_peak, cpu = (float(a) for a in sys.argv[1:8])
store, cb, accounts, pages, per_page = sys.argv[8], sys.argv[9], *map(int, sys.argv[10:13])
print(f"P4: cloudbuilder scan aws --org --tables aws_ec2_instance, {accounts} accounts x 4 regions x {pages * per_page:,} "
      f"instances, replayed by the fault proxy; cloudbuilder: {cb}")
print(f"  {rows:,.0f} instances: peak RSS {peak / 1024:.0f} MB, {seconds:.1f} s, {rows / seconds:,.0f} rows/s; "
      f"cloudbuilder's CPU {cpu:.1f} s; store {os.path.getsize(store) / 2**20:.0f} MB")
print(f"  baseline, {per_page:,} instances per (account, region), {base_rows:,.0f} in all: peak RSS {base_peak / 1024:.0f} MB, "
      f"{base_seconds:.1f} s, {base_rows / base_seconds:,.0f} rows/s")
print(f"  peak RSS grows {(peak - base_peak) / 1024:.0f} MB for {rows / base_rows:.0f}x the rows")
PY
