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
cb_bin=${CLOUDBUILDER_BIN:-$root/target/release/cloudbuilder}
[[ -x $cb_bin ]] || cargo build --release --locked --quiet -p cloudbuilder
columns=$("$cb_bin" tables --format json)
py=$(.venv/bin/python - "$rows" "$per_unit" "$runs" "$columns" <<'PY'
# The same rows as the Rust side writes (aws_ec2_instance's columns, from
# `cloudbuilder tables`, with the same values), built as a Python scanner holds
# them (str, dict, list, datetime) and turned into SQL values (json.dumps,
# isoformat) inside the timed part, as cloudbuilder's Store::write does.
import datetime, json, os, sqlite3, statistics, sys, tempfile, time
rows, per_unit, runs = map(int, sys.argv[1:4])
table = next(t for t in json.loads(sys.argv[4]) if t["name"] == "aws_ec2_instance")
cols = [(c["name"], c["type"]) for c in table["columns"]]
own = cols[2:]  # after the scope columns account_id, region
names = ["_run_id", "_scanned_at"] + [n for n, _ in cols]
now = datetime.datetime.now(datetime.timezone.utc)
def value(name, ty, n):
    if ty == "text" and name.endswith("_id"):
        return f"{name[0]}-{n:017x}"
    if ty == "text":
        return f"{name}-value-{n % 97}"
    if ty == "timestamp":
        return now
    if name == "tags":
        return {"Name": f"web-{n}", "team": "platform", "env": "prod", "cost-center": "cc-1234"}
    return [{"GroupId": f"sg-{n:08x}", "GroupName": "default"}, {"GroupId": f"sg-{n + 1:08x}", "GroupName": "web"}]
def sql(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    return v
rates = []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as d:
        db = sqlite3.connect(os.path.join(d, "baseline.db"))
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"CREATE TABLE aws_ec2_instance ({', '.join(n + ' TEXT' for n in names)})")
        db.execute("CREATE INDEX scope ON aws_ec2_instance (account_id, region)")
        insert = f"INSERT INTO aws_ec2_instance VALUES ({', '.join('?' * len(names))})"
        spent, written, unit = 0.0, 0, 0
        while written < rows:
            account = f"{100000000000 + unit // 4:012d}"
            region = ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"][unit % 4]
            batch = [[value(name, ty, written + i) for name, ty in own] for i in range(min(per_unit, rows - written))]
            started = time.perf_counter()
            at = now.isoformat()
            with db:
                db.execute("DELETE FROM aws_ec2_instance WHERE account_id = ? AND region = ?", (account, region))
                db.executemany(insert, [("bench", at, account, region, *map(sql, r)) for r in batch])
            spent += time.perf_counter() - started
            written += len(batch)
            unit += 1
        rates.append(written / spent)
print(f"{statistics.median(rates):.0f}")
PY
)
echo "baseline (Python sqlite3 executemany of the same rows, one transaction per unit): $py rows/s"
python3 -c "print(f'cloudbuilder / baseline: {float($cb) / float($py):.2f}x')"
