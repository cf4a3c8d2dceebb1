#!/usr/bin/env bash
# Benchmark P3: rows per second into the SQLite store, for instance-shaped rows
# (aws_ec2_instance's real columns: ids, text, timestamps, tags and JSON),
# through Store::write as a scan's writer calls it — one transaction per unit.
# Baseline, in the same run: the same rows through Python's sqlite3
# executemany, one transaction per unit, as a Python scanner would write them.
# Prints both medians and the ratio; BENCHMARKS.md records them as row P3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rows=${ROWS:-1000000}
per_unit=${PER_UNIT:-1000}
runs=${RUNS:-5}
./scripts/bootstrap.sh
cargo bench --locked --quiet -p cloudbuilder-store --bench ingest -- "$rows" "$per_unit" "$runs" | tee /tmp/cloudbuilder-ingest.$$
cb=$(awk '/^median:/ {print $2}' /tmp/cloudbuilder-ingest.$$)
rm -f /tmp/cloudbuilder-ingest.$$
py=$(.venv/bin/python - "$rows" "$per_unit" "$runs" <<'PY'
import json, sqlite3, statistics, sys, tempfile, time, datetime, os
rows, per_unit, runs = map(int, sys.argv[1:4])
cols = ["account_id", "region", "instance_id", "instance_type", "instance_state", "image_id", "vpc_id",
        "subnet_id", "private_ip_address", "public_ip_address", "launch_time", "tags", "security_groups", "_run_id", "_scanned_at"]
rates = []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as d:
        db = sqlite3.connect(os.path.join(d, "baseline.db"))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"CREATE TABLE aws_ec2_instance ({', '.join(c + ' TEXT' for c in cols)})")
        db.execute("CREATE INDEX scope ON aws_ec2_instance (account_id, region)")
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        spent, written, unit = 0.0, 0, 0
        while written < rows:
            batch = []
            for i in range(min(per_unit, rows - written)):
                n = written + i
                batch.append((f"{100000000000 + unit // 4:012d}", "us-east-1", f"i-{n:017x}", "t3.micro", "running",
                              "ami-0123", f"vpc-{n % 97}", f"subnet-{n % 97}", "10.0.0.1", None, now,
                              json.dumps({"Name": f"web-{n}", "team": "platform", "env": "prod", "cost-center": "cc-1234"}),
                              json.dumps([{"GroupId": f"sg-{n:08x}", "GroupName": "default"}]), "bench", now))
            started = time.perf_counter()
            with db:
                db.execute("DELETE FROM aws_ec2_instance WHERE account_id = ? AND region = ?", (batch[0][0], batch[0][1]))
                db.executemany(f"INSERT INTO aws_ec2_instance VALUES ({', '.join('?' * len(cols))})", batch)
            spent += time.perf_counter() - started
            written += len(batch)
            unit += 1
        rates.append(written / spent)
print(f"{statistics.median(rates):.0f}")
PY
)
echo "baseline (Python sqlite3 executemany, one transaction per unit): $py rows/s"
python3 -c "print(f'cloudbuilder / baseline: {float($cb) / float($py):.2f}x')"
