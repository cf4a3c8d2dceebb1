//! The cloud-agnostic heart of cloudbuilder.
//!
//! A table is a declaration ([`TableDef`]: name, scope, columns, the API
//! permissions it needs) plus a [`Table`] implementation that streams its rows
//! for one [`Target`] (an account, or an account and region). The scan
//! [`engine`] expands tables × targets into units, runs them concurrently under
//! [`RateBudgets`], and hands each unit's outcome to the caller — rows to
//! store, or a [`FetchError`] to record — without ever stopping the scan for
//! one failure. Nothing here knows which cloud it is talking to.

pub mod engine;
mod error;
mod rate;
mod sink;
mod table;
mod value;

pub use error::{FetchError, FetchErrorKind};
pub use rate::{ApiBudget, RateBudgets};
pub use sink::{Event, RowBudget, RowSink, UnitId};
pub use table::{Cloud, ColumnDef, ColumnType, Scope, Table, TableDef, Target, WriteMode};
pub use value::{Row, Value};
