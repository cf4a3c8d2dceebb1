//! Turns the engine's events into store writes: when a unit ends, its rows
//! (and an incremental table's cursor) become the table's rows for the target
//! in one transaction, or, when it failed, are dropped, the failure recorded
//! and the previous rows kept.
//!
//! Most units are one page. A unit's first batch is therefore held until the
//! unit either ends — then it is written straight into its table — or sends a
//! second batch — then both are staged, as every later one is, and committed
//! at the end. Memory stays bounded (at most one batch per running unit) and
//! the common case writes each row once. Held batches are capped at
//! [`HELD_ROWS`] rows in all: past it, a unit's first batch is staged at once,
//! so many concurrent multi-page units cannot pile their first pages up here.

use super::progress::Progress;
use cloudbuilder_core::{Event, Row, UnitId};
use cloudbuilder_store::{Error, Store};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// The most rows held as first batches at once (a few large pages' worth;
/// many more one-page units' worth, which is the case holding is for).
pub const HELD_ROWS: usize = 5_000;

/// Writes each event; remembers the first store failure (after which nothing more is written).
pub struct Writer<'a> {
    store: &'a mut dyn Store,
    run_id: &'a str,
    /// The first store error, if any.
    pub failure: Option<Error>,
    /// The first batch of each running unit that has sent exactly one.
    held: HashMap<UnitId, Vec<Row>>,
    /// Rows in `held`.
    held_rows: usize,
    /// Running units whose batches are in the store's staging area.
    staged: HashSet<UnitId>,
}

impl<'a> Writer<'a> {
    /// A writer for run `run_id`.
    pub fn new(store: &'a mut dyn Store, run_id: &'a str) -> Self {
        Writer {
            store,
            run_id,
            failure: None,
            held: HashMap::new(),
            held_rows: 0,
            staged: HashSet::new(),
        }
    }

    /// Stores what `event` says, counting finished units in `progress`.
    pub fn write(&mut self, event: Event, progress: &mut Progress) {
        if self.failure.is_some() {
            return;
        }
        let (what, written) = match event {
            Event::Rows { unit, table, rows } => {
                let staged = if self.staged.contains(&unit) {
                    self.store.stage(unit, table, &rows)
                } else if let Some(first) = self.take_held(unit) {
                    self.staged.insert(unit);
                    self.store
                        .stage(unit, table, &first)
                        .and_then(|()| self.store.stage(unit, table, &rows))
                } else if self.held_rows + rows.len() > HELD_ROWS {
                    self.staged.insert(unit);
                    self.store.stage(unit, table, &rows)
                } else {
                    self.held_rows += rows.len();
                    self.held.insert(unit, rows);
                    Ok(())
                };
                (table.name, staged)
            }
            Event::Restart { unit, table } => {
                self.take_held(unit);
                let discarded = if self.staged.remove(&unit) {
                    self.store.discard(unit, table)
                } else {
                    Ok(())
                };
                (table.name, discarded)
            }
            Event::Done(outcome) => {
                let held = self.take_held(outcome.unit).unwrap_or_default();
                let staged = self.staged.remove(&outcome.unit);
                let written = match &outcome.result {
                    Ok(_) if staged => self.store.commit(
                        outcome.unit,
                        self.run_id,
                        OffsetDateTime::now_utc(),
                        outcome.table,
                        &outcome.target,
                        outcome.cursor.as_deref(),
                    ),
                    Ok(_) => self.store.write(
                        self.run_id,
                        OffsetDateTime::now_utc(),
                        outcome.table,
                        &outcome.target,
                        &held,
                        outcome.cursor.as_deref(),
                    ),
                    Err(e) => (if staged {
                        self.store.discard(outcome.unit, outcome.table)
                    } else {
                        Ok(())
                    })
                    .and_then(|()| {
                        self.store
                            .record_error(self.run_id, outcome.table, &outcome.target, e)
                    })
                    .map(|()| 0),
                };
                match written {
                    Ok(rows) => {
                        progress.record(&outcome, outcome.result.as_ref().map(|_| rows));
                        return;
                    }
                    Err(e) => (outcome.table.name, Err(e)),
                }
            }
        };
        if let Err(e) = written {
            tracing::error!("store write failed for {what}: {e}");
            self.failure = Some(e);
        }
    }

    /// Removes and returns `unit`'s held first batch.
    fn take_held(&mut self, unit: UnitId) -> Option<Vec<Row>> {
        let rows = self.held.remove(&unit)?;
        self.held_rows -= rows.len();
        Some(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudbuilder_core::engine::Outcome;
    use cloudbuilder_core::{TableDef, Target, Value};
    use cloudbuilder_store::{QueryValue, RunRecord, SqliteStore};
    use std::time::Duration;

    fn instances() -> &'static TableDef {
        cloudbuilder_aws::tables::find("aws_ec2_instance")
            .map(|t| t.def())
            .expect("aws_ec2_instance")
    }

    fn target(unit: UnitId) -> Target {
        Target {
            account_id: format!("{:012}", 100_000_000_000 + unit),
            region: Some("us-east-1".into()),
        }
    }

    fn rows(n: usize, tag: &str) -> Vec<Row> {
        (0..n)
            .map(|i| {
                instances()
                    .columns
                    .iter()
                    .map(|c| match c.name {
                        "instance_id" => Value::Text(format!("i-{tag}-{i}")),
                        _ => Value::Null,
                    })
                    .collect()
            })
            .collect()
    }

    fn done(unit: UnitId, n: u64) -> Event {
        Event::Done(Outcome {
            unit,
            table: instances(),
            target: target(unit),
            result: Ok(n),
            cursor: None,
            elapsed: Duration::ZERO,
        })
    }

    #[test]
    fn first_batches_past_the_budget_are_staged_and_every_row_lands() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut store = SqliteStore::open(&dir.path().join("s.db")).expect("store");
        store.prepare(&[instances()]).expect("prepare");
        store
            .begin_run(&RunRecord {
                run_id: "r".into(),
                cloud: "aws".into(),
                command: "test".into(),
                started_at: OffsetDateTime::now_utc(),
            })
            .expect("run");
        let mut progress = Progress::new(4);
        let mut writer = Writer::new(&mut store, "r");
        let big = HELD_ROWS / 2 + 1;
        for unit in 1..=3 {
            writer.write(
                Event::Rows {
                    unit,
                    table: instances(),
                    rows: rows(big, &format!("{unit}a")),
                },
                &mut progress,
            );
            assert!(writer.held_rows <= HELD_ROWS, "{}", writer.held_rows);
        }
        assert_eq!(writer.held.len(), 1, "only the first fits");
        assert_eq!(writer.staged.len(), 2);
        writer.write(
            Event::Rows {
                unit: 4,
                table: instances(),
                rows: rows(10, "4"),
            },
            &mut progress,
        );
        assert_eq!(writer.held.len(), 2, "a small one-page unit is still held");
        for unit in 1..=3 {
            writer.write(
                Event::Rows {
                    unit,
                    table: instances(),
                    rows: rows(7, &format!("{unit}b")),
                },
                &mut progress,
            );
        }
        for unit in 1..=3 {
            writer.write(done(unit, big as u64 + 7), &mut progress);
        }
        writer.write(done(4, 10), &mut progress);
        assert!(writer.failure.is_none());
        assert_eq!(writer.held_rows, 0);
        assert!(writer.held.is_empty() && writer.staged.is_empty());
        let counts = store
            .query("SELECT account_id, count(*) FROM aws_ec2_instance GROUP BY 1 ORDER BY 1")
            .expect("query");
        let counts: Vec<i64> = counts
            .rows
            .iter()
            .map(|r| match r[1] {
                QueryValue::Integer(n) => n,
                _ => -1,
            })
            .collect();
        let big = big as i64;
        assert_eq!(counts, vec![big + 7, big + 7, big + 7, 10]);
    }
}
