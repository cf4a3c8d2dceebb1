//! Where scans land.
//!
//! [`Store`] is the seam: the scan writes through it and `cloudbuilder query`
//! reads through it. [`SqliteStore`] is the embedded default — one file, no
//! server. Every table's schema is generated from its [`TableDef`]; every row
//! carries `_run_id`, `_scanned_at` and its scope columns. A unit's rows are
//! staged batch by batch as the scan fetches them, then replace the rows of
//! their (table, account, region) in one transaction when the unit ends: a
//! re-scan replaces instead of duplicating, a crash never exposes half a
//! snapshot, and a failed unit leaves the previous rows as they were.
//!
//! [`TableDef`]: cloudbuilder_core::TableDef

mod error;
mod query;
mod sqlite;

pub use error::Error;
pub use query::{QueryResult, QueryValue};
pub use sqlite::SqliteStore;

use cloudbuilder_core::{FetchError, Row, TableDef, Target, UnitId};
use time::OffsetDateTime;

/// The run-level facts recorded in `cloudbuilder_run`.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The run's id.
    pub run_id: String,
    /// The cloud scanned.
    pub cloud: String,
    /// The command line's gist, e.g. `scan aws --org --regions us-east-1`.
    pub command: String,
    /// When the run started.
    pub started_at: OffsetDateTime,
}

/// How a run ended, recorded when it finishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Units attempted.
    pub units: u64,
    /// Rows written.
    pub rows: u64,
    /// Units that failed.
    pub errors: u64,
}

/// A place scans are written to and queried from.
pub trait Store {
    /// Creates (or extends with new columns) the tables for `defs`.
    fn prepare(&mut self, defs: &[&'static TableDef]) -> Result<(), Error>;
    /// Records the start of a run.
    fn begin_run(&mut self, run: &RunRecord) -> Result<(), Error>;
    /// Stages a batch of rows of `unit` (a table's own columns), out of sight
    /// of readers until [`Store::commit`].
    fn stage(&mut self, unit: UnitId, table: &TableDef, rows: &[Row]) -> Result<(), Error>;
    /// Forgets what `unit` staged (it failed, or starts again).
    fn discard(&mut self, unit: UnitId, table: &TableDef) -> Result<(), Error>;
    /// Makes what `unit` staged the rows of `table` for `target`, in one
    /// transaction: a snapshot table's rows replace the scope's previous
    /// rows; an incremental table's rows replace the stored rows with the same
    /// key (the last staged wins). `cursor`, when given, is stored in the same
    /// transaction. Returns how many rows were written.
    fn commit(
        &mut self,
        unit: UnitId,
        run_id: &str,
        scanned_at: OffsetDateTime,
        table: &TableDef,
        target: &Target,
        cursor: Option<&str>,
    ) -> Result<u64, Error>;
    /// Writes a unit whose rows came in one batch, as `stage` then `commit`
    /// would (a store may take a shorter way). Returns how many rows were written.
    fn write(
        &mut self,
        run_id: &str,
        scanned_at: OffsetDateTime,
        table: &TableDef,
        target: &Target,
        rows: &[Row],
        cursor: Option<&str>,
    ) -> Result<u64, Error> {
        stage_and_commit(self, run_id, scanned_at, table, target, rows, cursor)
    }
    /// The cursor the last successful unit of `table` for `target` stored.
    fn cursor(&self, table: &TableDef, target: &Target) -> Result<Option<String>, Error>;
    /// Records a failed unit; the target's previous rows are kept.
    fn record_error(
        &mut self,
        run_id: &str,
        table: &TableDef,
        target: &Target,
        error: &FetchError,
    ) -> Result<(), Error>;
    /// Records the end of a run.
    fn finish_run(
        &mut self,
        run_id: &str,
        finished_at: OffsetDateTime,
        totals: RunTotals,
    ) -> Result<(), Error>;
    /// Runs one read-only SQL statement.
    fn query(&self, sql: &str) -> Result<QueryResult, Error>;
}

/// `write` by way of the staging area: stage `rows` under a unit id of their
/// own, then commit them.
pub fn stage_and_commit<S: Store + ?Sized>(
    store: &mut S,
    run_id: &str,
    scanned_at: OffsetDateTime,
    table: &TableDef,
    target: &Target,
    rows: &[Row],
    cursor: Option<&str>,
) -> Result<u64, Error> {
    const DIRECT: UnitId = UnitId::MAX;
    store.stage(DIRECT, table, rows)?;
    store
        .commit(DIRECT, run_id, scanned_at, table, target, cursor)
        .inspect_err(|_| {
            // The commit's own error is the one to report; rows left staged
            // would only be replaced by the next write's.
            if let Err(discard) = store.discard(DIRECT, table) {
                tracing::debug!("could not discard staged rows: {discard}");
            }
        })
}
