"""Summarizes the org-scan benchmark (P1, P1b): medians, ratios, the floor, and the checks.

Reads, from the benchmark's work folder:
- times.tsv: one line per timed run: scenario, tool, run, seconds, exit code,
  cloudbuilder_scan_error rows (or -);
- stats/SCENARIO-TOOL-RUN.json: the fault proxy's counters after that run, and
  stats/SCENARIO-warmup.json: its counters after cloudbuilder's recording pass;
- ids/SCENARIO-TOOL-RUN.txt: the instance ids that run found (P1).

The floor is what no scanner can beat under the benchmark's latency and token
buckets, from the requests cloudbuilder's recording pass needed (no retries):
the organization listing (its ListAccounts pages, one after another) and one
AssumeRole must precede a member's requests, then every (account, region,
service) proceeds in parallel, each bounded below by its longest pagination
(pages one after another, one round trip each) and, where a bucket applies, by
the time the bucket takes to admit its n requests, (n - burst) / refill, plus a
round trip. Unlimited concurrency and zero client cost are assumed.

Usage: report.py WORK SCENARIO LATENCY_MS BURST REFILL ALL_SERVICES(0|1) TABLES DESCRIPTION
Prints a block for BENCHMARKS.md; exits 1 when a check fails.
"""

import collections
import csv
import json
import pathlib
import statistics
import sys

TOOLS = {
    "runbook": "runbook (aws CLI: assume-role, then describe-instances per region, sequentially)",
    "boto3": "boto3, 16-thread ThreadPoolExecutor",
    "cloudbuilder": "cloudbuilder scan aws",
}


def floor(stats, rtt, burst, refill, all_services, tables):
    requests = stats["requests"]
    management = stats["default_account"]
    # Discovery lists the accounts; the aws_organizations_account table lists them again.
    listings = 2 if "aws_organizations_account" in tables else 1
    listing = max(1, sum(
        services.get("organizations", {}).get("ListAccounts", 0) for services in requests[management].values()
    ) // listings)
    slowest, why = 0.0, ""
    for account, regions in requests.items():
        for region, services in regions.items():
            for service, actions in services.items():
                if service in ("sts", "organizations"):
                    continue
                n, chain = sum(actions.values()), max(actions.values())
                bound, reason = chain * rtt, f"{chain} page(s) of one listing"
                bucketed = burst and refill and (service == "ec2" or all_services)
                if bucketed and (n - burst) / refill + rtt > bound:
                    bound, reason = (n - burst) / refill + rtt, f"{n} requests through a {burst:g}/{refill:g} bucket"
                if bound > slowest:
                    slowest, why = bound, f"{service} in {account}/{region}: {reason}"
    total = rtt * (listing + 1) + slowest
    explain = (f"{rtt * 1000:.0f} ms x ({listing} ListAccounts page(s) + 1 AssumeRole) "
               f"+ {slowest:.2f} s for the slowest (account, region, service), {why}")
    return total, explain


def main():
    work, scenario, latency, burst, refill, all_services, tables, description = sys.argv[1:9]
    work = pathlib.Path(work)
    burst, refill, rtt = float(burst), float(refill), float(latency) / 1000
    runs = collections.defaultdict(list)
    for row in csv.reader(open(work / "times.tsv"), delimiter="\t"):
        if row[0] == scenario:
            runs[row[1]].append({"run": row[2], "seconds": float(row[3]), "exit": int(row[4]), "errors": row[5]})
    failures = []
    print(f"{scenario}: {description}")
    medians = {}
    for tool, label in TOOLS.items():
        if tool not in runs:
            continue
        times = [r["seconds"] for r in runs[tool]]
        medians[tool] = statistics.median(times)
        stats = [json.load(open(work / f"stats/{scenario}-{tool}-{r['run']}.json")) for r in runs[tool]]
        throttled = [s["throttled"] for s in stats]
        misses = sum(s["replay_misses"] for s in stats)
        requests = statistics.median(s["total"] for s in stats)
        line = (f"  {label}: median {medians[tool]:.2f} s over {len(times)} runs "
                f"(min {min(times):.2f}, max {max(times):.2f}); {requests:.0f} requests; throttled answers per run {throttled}")
        by_service = collections.Counter()
        for s in stats:
            for regions in s["throttled_by"].values():
                for services in regions.values():
                    by_service.update(services)
        if by_service:
            line += f" (by service, all runs: {dict(sorted(by_service.items()))})"
        if tool == "cloudbuilder":
            line += f"; cloudbuilder_scan_error rows per run {[r['errors'] for r in runs[tool]]}"
            line += f"; exit codes {sorted({r['exit'] for r in runs[tool]})}"
            if any(r["errors"] != "0" for r in runs[tool]):
                failures.append("cloudbuilder recorded scan errors")
        print(line)
        if misses:
            failures.append(f"{tool}: {misses} requests had no recorded answer")
    for tool in ("runbook", "boto3"):
        if tool in medians and "cloudbuilder" in medians:
            print(f"  cloudbuilder is {medians[tool] / medians['cloudbuilder']:.1f}x faster than {tool}")
    warmup = json.load(open(work / f"stats/{scenario}-warmup.json"))
    total, explain = floor(warmup, rtt, burst, refill, all_services == "1", tables.split(","))
    print(f"  floor: {total:.2f} s = {explain}")
    if "cloudbuilder" in medians:
        print(f"  cloudbuilder / floor: {medians['cloudbuilder'] / total:.2f}x")

    id_files = sorted((work / "ids").glob(f"{scenario}-*.txt"))
    if id_files:
        sets = {f.stem: frozenset(f.read_text().split()) for f in id_files}
        distinct = set(sets.values())
        if len(distinct) == 1:
            print(f"  instance ids: every run of every tool found the same {len(next(iter(distinct)))}")
        else:
            reference = sets[max(sets, key=lambda k: len(sets[k]))]
            for name, found in sorted(sets.items()):
                if found != reference:
                    failures.append(f"{name}: {len(found)} ids, {len(reference - found)} missing, {len(found - reference)} extra")
    for failure in failures:
        print(f"  CHECK FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
