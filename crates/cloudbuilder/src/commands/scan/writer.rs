//! Turns scan outcomes into store writes: rows (and an incremental table's
//! cursor) are written in one transaction; a failure is recorded and the
//! previous rows are kept.

use super::progress::Progress;
use cloudbuilder_core::Target;
use cloudbuilder_core::engine::Outcome;
use cloudbuilder_store::{Error, Store};
use time::OffsetDateTime;

/// Writes each outcome; remembers the first store failure (after which nothing more is written).
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

    /// Stores `outcome` and counts it in `progress`.
    pub fn write(&mut self, outcome: Outcome, progress: &mut Progress) {
        if self.failure.is_some() {
            return;
        }
        let written = match &outcome.result {
            Ok(rows) => self
                .store
                .write(
                    self.run_id,
                    OffsetDateTime::now_utc(),
                    outcome.table,
                    &outcome.target,
                    rows,
                    outcome.cursor.as_deref(),
                )
                .map(|()| rows.len()),
            Err(e) => self
                .store
                .record_error(self.run_id, outcome.table, &outcome.target, e)
                .map(|()| 0),
        };
        match written {
            Ok(rows) => progress.record(&outcome, outcome.result.as_ref().map(|_| rows)),
            Err(e) => {
                let target: &Target = &outcome.target;
                tracing::error!(
                    "store write failed for {} {target}: {e}",
                    outcome.table.name
                );
                self.failure = Some(e);
            }
        }
    }
}
