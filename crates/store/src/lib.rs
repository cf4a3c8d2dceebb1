//! Where scans land.
//!
//! [`Store`] is the seam: the scan writes through it and `cloudbuilder query`
//! reads through it. [`SqliteStore`] is the embedded default — one file, no
//! server. Every table's schema is generated from its [`TableDef`]; every row
//! carries `_run_id`, `_scanned_at` and its scope columns; the rows of one
//! (table, account, region) are replaced in one transaction, so a re-scan
//! replaces instead of duplicating and a crash never exposes half a snapshot.
//!
//! [`TableDef`]: cloudbuilder_core::TableDef

mod error;
mod query;
mod sqlite;

pub use error::Error;
pub use query::{QueryResult, QueryValue};
pub use sqlite::SqliteStore;

use cloudbuilder_core::{FetchError, Row, TableDef, Target};
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
    /// Writes one unit's rows for `table` and `target` in one transaction: a
    /// snapshot table's rows replace the scope's previous rows; an incremental
    /// table's rows replace the stored rows with the same key. `cursor`, when
    /// given, is stored in the same transaction.
    fn write(
        &mut self,
        run_id: &str,
        scanned_at: OffsetDateTime,
        table: &TableDef,
        target: &Target,
        rows: &[Row],
        cursor: Option<&str>,
    ) -> Result<(), Error>;
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
