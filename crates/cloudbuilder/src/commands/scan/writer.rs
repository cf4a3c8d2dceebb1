//! Turns the engine's events into store writes: when a unit ends, its rows
//! (and an incremental table's cursor) become the table's rows for the target
//! in one transaction, or, when it failed, are dropped, the failure recorded
//! and the previous rows kept.
//!
//! Most units are one page. A unit's first batch is therefore held until the
//! unit either ends — then it is written straight into its table — or sends a
//! second batch — then both are staged, as every later one is, and committed
//! at the end. Memory stays bounded (at most one batch per running unit) and
//! the common case writes each row once.

use super::progress::Progress;
use cloudbuilder_core::{Event, Row, UnitId};
use cloudbuilder_store::{Error, Store};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Writes each event; remembers the first store failure (after which nothing more is written).
pub struct Writer<'a> {
    store: &'a mut dyn Store,
    run_id: &'a str,
    /// The first store error, if any.
    pub failure: Option<Error>,
    /// The first batch of each running unit that has sent exactly one.
    held: HashMap<UnitId, Vec<Row>>,
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
                } else if let Some(first) = self.held.remove(&unit) {
                    self.staged.insert(unit);
                    self.store
                        .stage(unit, table, &first)
                        .and_then(|()| self.store.stage(unit, table, &rows))
                } else {
                    self.held.insert(unit, rows);
                    Ok(())
                };
                (table.name, staged)
            }
            Event::Restart { unit, table } => {
                self.held.remove(&unit);
                let discarded = if self.staged.remove(&unit) {
                    self.store.discard(unit, table)
                } else {
                    Ok(())
                };
                (table.name, discarded)
            }
            Event::Done(outcome) => {
                let held = self.held.remove(&outcome.unit).unwrap_or_default();
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
}
