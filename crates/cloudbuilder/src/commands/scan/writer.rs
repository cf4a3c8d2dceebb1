//! Turns the engine's events into store writes: each batch of rows is staged
//! as it arrives; when a unit ends, its staged rows (and an incremental
//! table's cursor) become the table's rows for the target in one transaction,
//! or, when it failed, are dropped, the failure recorded and the previous rows
//! kept.

use super::progress::Progress;
use cloudbuilder_core::Event;
use cloudbuilder_store::{Error, Store};
use time::OffsetDateTime;

/// Writes each event; remembers the first store failure (after which nothing more is written).
pub struct Writer<'a> {
    store: &'a mut dyn Store,
    run_id: &'a str,
    /// The first store error, if any.
    pub failure: Option<Error>,
}

impl<'a> Writer<'a> {
    /// A writer for run `run_id`.
    pub fn new(store: &'a mut dyn Store, run_id: &'a str) -> Self {
        Writer {
            store,
            run_id,
            failure: None,
        }
    }

    /// Stores what `event` says, counting finished units in `progress`.
    pub fn write(&mut self, event: Event, progress: &mut Progress) {
        if self.failure.is_some() {
            return;
        }
        let (what, written) = match event {
            Event::Rows { unit, table, rows } => (table.name, self.store.stage(unit, table, &rows)),
            Event::Restart { unit, table } => (table.name, self.store.discard(unit, table)),
            Event::Done(outcome) => {
                let written = match &outcome.result {
                    Ok(_) => self.store.commit(
                        outcome.unit,
                        self.run_id,
                        OffsetDateTime::now_utc(),
                        outcome.table,
                        &outcome.target,
                        outcome.cursor.as_deref(),
                    ),
                    Err(e) => self
                        .store
                        .discard(outcome.unit, outcome.table)
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
