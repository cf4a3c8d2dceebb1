//! Where a table puts its rows while it fetches: a small buffer that a unit
//! hands on, one batch (typically one page) at a time, to whoever stores them.
//!
//! A unit never holds all its rows: an account with a million instances
//! costs the scan one page of rows at a time, not a million. The hand-over
//! channel is bounded, so a slow store slows the fetches instead of filling
//! memory.

use crate::{FetchError, Row, TableDef, Target};
use tokio::sync::mpsc;

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
}

impl RowSink {
    /// A sink for `unit` that hands its batches to `out`.
    pub fn new(
        unit: UnitId,
        table: &'static TableDef,
        target: Target,
        out: mpsc::Sender<Event>,
    ) -> Self {
        RowSink {
            unit,
            table,
            target,
            buffer: Vec::new(),
            sent: 0,
            out: Some(out),
            invalid: None,
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
        }
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

    /// Hands the buffered rows on, waiting while the store is behind. Tables
    /// call it after each page; the engine calls it when the fetch ends.
    pub async fn flush(&mut self) -> Result<(), FetchError> {
        let Some(out) = &self.out else {
            return Ok(());
        };
        if self.buffer.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buffer);
        self.sent += rows.len() as u64;
        out.send(Event::Rows {
            unit: self.unit,
            table: self.table,
            rows,
        })
        .await
        .map_err(|_| FetchError::classify("Cancelled", "the scan stopped before this unit ended"))
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
        let mut sink = RowSink::new(7, &DEF, target(), tx);
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
