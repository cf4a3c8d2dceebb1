//! Where a table puts its rows while it fetches: a small buffer that a unit
//! hands on, one batch (typically one page) at a time, to whoever stores them.
//!
//! A unit never holds all its rows: an account with a million instances
//! costs the scan one page of rows at a time, not a million. The hand-over
//! channel is bounded, so a slow store slows the fetches instead of filling
//! memory.
//!
//! Pages in the making are bounded too. After handing on a page of `n` rows,
//! a unit takes `n` permits from the scan's [`RowBudget`] before it asks for
//! its next page, and gives them back when that page is handed on (or the
//! unit ends): a unit expects its next page to be like its last. So however
//! many units run, at most a budget's worth of rows of later pages are being
//! fetched and parsed at once — large pages queue, small ones (most units
//! are one small page) never wait. A unit's first page is not counted: its
//! size is not known before it comes. What bounds first pages instead is
//! their size: a table whose rows are heavy asks for pages of
//! [`RowSink::page_size`], the budget shared among the units that can run at
//! once (never under [`MIN_PAGE_ROWS`]), so forty units starting together ask
//! for 200 rows each rather than 1,000.

use crate::{FetchError, Row, TableDef, Target};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// The rows of later pages that a scan's units may be fetching at once.
pub const ROWS_IN_FLIGHT: u32 = 8_000;

/// The smallest page [`RowSink::page_size`] asks for, however many units run:
/// below it, request overhead and API rate limits cost more than memory saves.
pub const MIN_PAGE_ROWS: u32 = 100;

/// A scan's budget of rows being fetched: shared by every unit's sink.
#[derive(Debug, Clone)]
pub struct RowBudget {
    permits: Arc<Semaphore>,
    size: u32,
    /// Units of the scan not yet ended.
    units_left: Arc<AtomicUsize>,
    /// How many units run at once.
    concurrency: usize,
}

impl RowBudget {
    /// A budget of `rows` rows (at least 1), for one unit at a time.
    pub fn new(rows: u32) -> Self {
        let size = rows.max(1);
        RowBudget {
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            units_left: Arc::new(AtomicUsize::new(1)),
            concurrency: 1,
        }
    }

    /// The same budget, shared by `units` units run `concurrency` at a time.
    pub fn shared_by(mut self, units: usize, concurrency: usize) -> Self {
        self.units_left = Arc::new(AtomicUsize::new(units));
        self.concurrency = concurrency.max(1);
        self
    }

    /// One unit of the scan ended: the others may ask for larger pages.
    pub fn unit_ended(&self) {
        // Never below zero, even if a caller reports more ends than units.
        let _ = self
            .units_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// The page size for a unit starting now: the budget shared among the
    /// units that can run at once, between [`MIN_PAGE_ROWS`] and `max`.
    fn page_size(&self, max: u32) -> u32 {
        let running = self
            .units_left
            .load(Ordering::Relaxed)
            .clamp(1, self.concurrency);
        let share = self.size / u32::try_from(running).unwrap_or(u32::MAX);
        share.clamp(MIN_PAGE_ROWS.min(max), max)
    }

    /// Waits for room for a page of `rows` rows (a page larger than the whole
    /// budget waits for all of it). None when the budget is closed.
    async fn reserve(&self, rows: usize) -> Option<OwnedSemaphorePermit> {
        let want = u32::try_from(rows).unwrap_or(u32::MAX).clamp(1, self.size);
        Arc::clone(&self.permits)
            .acquire_many_owned(want)
            .await
            .ok()
    }

    /// Rows not reserved right now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

/// Identifies one unit of a scan, so the store can keep each unit's staged
/// rows apart until the unit ends.
pub type UnitId = u64;

/// What units hand to the scan's owner, in order per unit: batches of rows,
/// perhaps a restart (drop this unit's batches so far), then the end.
#[derive(Debug)]
pub enum Event {
    /// More rows of a unit, to stage until it ends.
    Rows {
        /// The unit.
        unit: UnitId,
        /// Its table.
        table: &'static TableDef,
        /// The rows, each of the table's own columns.
        rows: Vec<Row>,
    },
    /// The unit starts again (fresh credentials): forget the rows it staged.
    Restart {
        /// The unit.
        unit: UnitId,
        /// Its table.
        table: &'static TableDef,
    },
    /// The unit ended: its staged rows are its whole result, or it failed.
    Done(crate::engine::Outcome),
}

/// The rows a unit produces, passed on batch by batch.
#[derive(Debug)]
pub struct RowSink {
    unit: UnitId,
    table: &'static TableDef,
    target: Target,
    buffer: Vec<Row>,
    sent: u64,
    out: Option<mpsc::Sender<Event>>,
    invalid: Option<FetchError>,
    budget: Option<RowBudget>,
    /// Room reserved for the page being fetched (the size of the last one).
    reserved: Option<OwnedSemaphorePermit>,
}

impl RowSink {
    /// A sink for `unit` that hands its batches to `out`.
    pub fn new(
        unit: UnitId,
        table: &'static TableDef,
        target: Target,
        out: mpsc::Sender<Event>,
        budget: RowBudget,
    ) -> Self {
        RowSink {
            unit,
            table,
            target,
            buffer: Vec::new(),
            sent: 0,
            out: Some(out),
            invalid: None,
            budget: Some(budget),
            reserved: None,
        }
    }

    /// A sink that keeps every row (for tests and one-off fetches):
    /// [`RowSink::into_rows`] hands them back.
    pub fn collecting(table: &'static TableDef, target: Target) -> Self {
        RowSink {
            unit: 0,
            table,
            target,
            buffer: Vec::new(),
            sent: 0,
            out: None,
            invalid: None,
            budget: None,
            reserved: None,
        }
    }

    /// How many rows this unit's pages should hold, for an API whose pages
    /// hold at most `max`: `max` when few units run, smaller when many start
    /// together (see the module doc). Asked once, when the unit builds its
    /// paginator.
    pub fn page_size(&self, max: u32) -> u32 {
        self.budget.as_ref().map_or(max, |b| b.page_size(max))
    }

    /// Adds one row of the table's own columns, in declaration order.
    pub fn push(&mut self, row: Row) {
        if row.len() == self.table.columns.len() {
            self.buffer.push(row);
        } else if self.invalid.is_none() {
            self.invalid = Some(FetchError::classify(
                "InternalError",
                format!(
                    "{} produced a row of {} values for {} columns",
                    self.table.name,
                    row.len(),
                    self.table.columns.len()
                ),
            ));
        }
    }

    /// Adds rows (see [`RowSink::push`]).
    pub fn extend(&mut self, rows: impl IntoIterator<Item = Row>) {
        for row in rows {
            self.push(row);
        }
    }

    /// How many rows the unit has produced so far.
    pub fn len(&self) -> u64 {
        self.sent + self.buffer.len() as u64
    }

    /// Whether the unit has produced no row yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The target the rows are for.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Hands the buffered rows on, waiting while the store is behind, then
    /// waits for room in the scan's budget for a next page of the same size.
    /// Tables call it after each page; the engine calls it when the fetch ends.
    pub async fn flush(&mut self) -> Result<(), FetchError> {
        let Some(out) = &self.out else {
            return Ok(());
        };
        if self.buffer.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buffer);
        let n = rows.len();
        self.sent += n as u64;
        out.send(Event::Rows {
            unit: self.unit,
            table: self.table,
            rows,
        })
        .await
        .map_err(|_| {
            FetchError::classify("Cancelled", "the scan stopped before this unit ended")
        })?;
        // The page is handed on: its room goes back before waiting for the next's.
        self.reserved = None;
        if let Some(budget) = &self.budget {
            self.reserved = budget.reserve(n).await;
        }
        Ok(())
    }

    /// Gives back the room reserved for a next page (the fetch has ended).
    pub(crate) fn release(&mut self) {
        self.reserved = None;
    }

    /// Drops every row produced so far (the unit starts again).
    pub(crate) async fn restart(&mut self) -> Result<(), FetchError> {
        self.buffer.clear();
        self.invalid = None;
        if self.sent > 0 {
            self.sent = 0;
            if let Some(out) = &self.out {
                out.send(Event::Restart {
                    unit: self.unit,
                    table: self.table,
                })
                .await
                .map_err(|_| {
                    FetchError::classify("Cancelled", "the scan stopped before this unit ended")
                })?;
            }
        }
        Ok(())
    }

    /// Why the rows cannot be trusted (a row of the wrong width), if so.
    pub(crate) fn take_invalid(&mut self) -> Option<FetchError> {
        self.invalid.take()
    }

    /// The rows a collecting sink kept.
    pub fn into_rows(self) -> Vec<Row> {
        self.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cloud, ColumnDef, ColumnType, Scope, Value, WriteMode};

    static DEF: TableDef = TableDef {
        name: "test_pair",
        cloud: Cloud::Aws,
        description: "Two columns.",
        scope: Scope::Account,
        columns: &[
            ColumnDef::new("a", ColumnType::Text, "A."),
            ColumnDef::new("b", ColumnType::Text, "B."),
        ],
        permissions: &[],
        mode: WriteMode::Snapshot,
        ignored_errors: &[],
    };

    fn target() -> Target {
        Target {
            account_id: "1".into(),
            region: None,
        }
    }

    #[tokio::test]
    async fn batches_are_handed_on_at_each_flush_and_the_channel_bounds_them() {
        let (tx, mut rx) = mpsc::channel(1);
        let mut sink = RowSink::new(7, &DEF, target(), tx, RowBudget::new(100));
        sink.push(vec![Value::from("x"), Value::from("y")]);
        sink.flush().await.expect("first batch fits");
        sink.push(vec![Value::from("z"), Value::Null]);
        // The channel holds one batch: the second flush waits for the reader.
        let second = tokio::time::timeout(std::time::Duration::from_millis(50), sink.flush()).await;
        assert!(second.is_err(), "a full channel makes the unit wait");
        match rx.recv().await {
            Some(Event::Rows { unit, rows, .. }) => {
                assert_eq!((unit, rows.len()), (7, 1));
            }
            other => panic!("expected rows, got {other:?}"),
        }
        assert_eq!(sink.len(), 2);
    }

    #[tokio::test]
    async fn a_unit_reserves_room_for_its_next_page_and_big_pages_queue() {
        let (tx, mut rx) = mpsc::channel(16);
        let budget = RowBudget::new(10);
        let row = || vec![Value::from("x"), Value::from("y")];
        let mut big = RowSink::new(1, &DEF, target(), tx.clone(), budget.clone());
        big.extend((0..6).map(|_| row()));
        big.flush().await.expect("first page");
        assert_eq!(budget.available(), 4, "room for a next page of 6");
        let mut other = RowSink::new(2, &DEF, target(), tx.clone(), budget.clone());
        other.extend((0..6).map(|_| row()));
        let waits = tokio::time::timeout(std::time::Duration::from_millis(50), other.flush()).await;
        assert!(
            waits.is_err(),
            "a second page of 6 does not fit beside the first"
        );
        big.release();
        other.extend((0..3).map(|_| row()));
        tokio::time::timeout(std::time::Duration::from_millis(500), other.flush())
            .await
            .expect("room once the first unit is done")
            .expect("flushed");
        assert_eq!(budget.available(), 7);
        let mut huge = RowSink::new(3, &DEF, target(), tx, budget.clone());
        huge.extend((0..50).map(|_| row()));
        other.release();
        tokio::time::timeout(std::time::Duration::from_millis(500), huge.flush())
            .await
            .expect("a page over the budget waits for all of it, not forever")
            .expect("flushed");
        assert_eq!(budget.available(), 0);
        drop(huge);
        assert_eq!(
            budget.available(),
            10,
            "a sink that ends gives its room back"
        );
        let mut sent = 0;
        while let Ok(Event::Rows { rows, .. }) = rx.try_recv() {
            sent += rows.len();
        }
        assert_eq!(sent, 6 + 9 + 50, "nothing is lost while waiting");
    }

    #[test]
    fn pages_shrink_while_many_units_share_the_budget_and_grow_as_they_end() {
        let (tx, _rx) = mpsc::channel(1);
        let budget = RowBudget::new(8_000).shared_by(40, 256);
        let sink = RowSink::new(1, &DEF, target(), tx, budget.clone());
        assert_eq!(sink.page_size(1_000), 200, "forty units share 8,000 rows");
        for _ in 0..32 {
            budget.unit_ended();
        }
        assert_eq!(sink.page_size(1_000), 1_000, "eight units left: full pages");
        for _ in 0..100 {
            budget.unit_ended();
        }
        assert_eq!(
            sink.page_size(1_000),
            1_000,
            "more ends than units is harmless"
        );
        let crowded = RowBudget::new(8_000).shared_by(10_000, 256);
        assert_eq!(
            crowded.page_size(1_000),
            MIN_PAGE_ROWS,
            "never under the floor"
        );
        assert_eq!(crowded.page_size(50), 50, "nor over the API's maximum");
        assert_eq!(
            RowSink::collecting(&DEF, target()).page_size(1_000),
            1_000,
            "a sink outside a scan asks for full pages"
        );
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused_and_remembered() {
        let mut sink = RowSink::collecting(&DEF, target());
        sink.push(vec![Value::from("only one")]);
        sink.push(vec![Value::from("a"), Value::from("b")]);
        let err = sink.take_invalid().expect("invalid");
        assert!(err.message.contains("1 values for 2 columns"), "{err}");
        assert_eq!(sink.into_rows().len(), 1);
    }
}
