//! Benchmark P3: rows per second into the SQLite store, for rows shaped like
//! `aws_ec2_instance` (its real declaration from the registry: text, integer,
//! timestamp, tags and JSON columns), through `Store::write` exactly as a
//! scan's writer calls it — one transaction per unit (table × account ×
//! region). Only the writes are timed; making the rows is not.
//!
//! Usage: cargo bench -p cloudbuilder-store --bench ingest -- [ROWS] [ROWS_PER_UNIT] [RUNS]
//! Prints one line per run and the median, as `rows/s`.

use cloudbuilder_core::{ColumnType, Row, TableDef, Target, Value};
use cloudbuilder_store::{RunRecord, SqliteStore, Store};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let total = args.first().copied().unwrap_or(1_000_000);
    let per_unit = args.get(1).copied().unwrap_or(1_000).max(1);
    let runs = args.get(2).copied().unwrap_or(5).max(1);
    let def = cloudbuilder_aws::tables::find("aws_ec2_instance")
        .map(|t| t.def())
        .expect("aws_ec2_instance is registered");
    let units = total.div_ceil(per_unit);
    let mut rates = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut store = SqliteStore::open(&dir.path().join("bench.db")).expect("open store");
        store.prepare(&[def]).expect("prepare");
        let now = OffsetDateTime::now_utc();
        store
            .begin_run(&RunRecord {
                run_id: "bench".into(),
                cloud: "aws".into(),
                command: "bench ingest".into(),
                started_at: now,
            })
            .expect("begin run");
        let mut spent = Duration::ZERO;
        let mut written = 0;
        for unit in 0..units {
            let target = Target {
                account_id: format!("{:012}", 100_000_000_000 + unit / 4),
                region: Some(
                    ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"][(unit % 4) as usize]
                        .into(),
                ),
            };
            let rows: Vec<Row> = (0..per_unit.min(total - written))
                .map(|i| instance_row(def, unit * per_unit + i, now))
                .collect();
            let started = Instant::now();
            store
                .write("bench", now, def, &target, &rows, None)
                .expect("write");
            spent += started.elapsed();
            written += rows.len() as u64;
        }
        let rate = written as f64 / spent.as_secs_f64();
        println!(
            "run {}: {written} rows in {:.3} s of writes: {rate:.0} rows/s",
            run + 1,
            spent.as_secs_f64()
        );
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "median: {:.0} rows/s ({} runs of {total} rows, {per_unit} rows per unit)",
        rates[rates.len() / 2],
        rates.len()
    );
}

/// A row for `def` with plausible values of each column's type, distinct per `n`.
fn instance_row(def: &TableDef, n: u64, now: OffsetDateTime) -> Row {
    def.columns
        .iter()
        .map(|column| match column.ty {
            ColumnType::Text if column.name.ends_with("_id") => Value::Text(format!("{}-{n:017x}", &column.name[..1])),
            ColumnType::Text => Value::Text(format!("{}-value-{}", column.name, n % 97)),
            ColumnType::Integer => Value::Integer(n as i64),
            ColumnType::Real => Value::Real(n as f64 / 3.0),
            ColumnType::Boolean => Value::Boolean(n.is_multiple_of(2)),
            ColumnType::Timestamp => Value::Timestamp(now),
            ColumnType::Json if column.name == "tags" => Value::Json(serde_json::json!({
                "Name": format!("web-{n}"), "team": "platform", "env": "prod", "cost-center": "cc-1234",
            })),
            ColumnType::Json => Value::Json(serde_json::json!([
                {"GroupId": format!("sg-{n:08x}"), "GroupName": "default"},
                {"GroupId": format!("sg-{:08x}", n + 1), "GroupName": "web"},
            ])),
        })
        .collect()
}
