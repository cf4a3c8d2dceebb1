//! What every `scan <cloud>` does once it knows its units: open the store,
//! record the run, resume incremental tables from their cursors, run the
//! engine with a progress display, and end with the run's exit code.

use super::progress::Progress;
use super::writer::Writer;
use anyhow::Context;
use cloudbuilder_core::engine::{self, Contexts, Unit};
use cloudbuilder_core::{Cloud, TableDef, WriteMode};
use cloudbuilder_store::{RunRecord, RunTotals, SqliteStore, Store};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use time::OffsetDateTime;

/// Exit code of a scan in which some units failed.
pub const PARTIAL: u8 = 2;

/// One planned scan, ready to run.
pub struct Scan<C: 'static> {
    /// The cloud, as `cloudbuilder_run.cloud` records it.
    pub cloud: Cloud,
    /// The command line, as `cloudbuilder_run.command` records it (no secrets).
    pub command: String,
    /// Every table chosen, each given its schema even when no unit reads it.
    pub tables: Vec<&'static TableDef>,
    /// The units of work.
    pub units: Vec<Unit<C>>,
    /// Where each unit's client context comes from.
    pub contexts: Arc<dyn Contexts<C>>,
    /// How many units run at once.
    pub concurrency: usize,
}

/// A new run id: the UTC start time and the process id.
fn run_id() -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        std::process::id()
    )
}

/// Runs `scan` into the SQLite store at `store_path`: 0 when every unit
/// succeeded, [`PARTIAL`] when some failed (each one a row in
/// `cloudbuilder_scan_error`).
pub async fn execute<C: Send + Sync + 'static>(
    scan: Scan<C>,
    store_path: &Path,
) -> anyhow::Result<ExitCode> {
    let Scan {
        cloud,
        command,
        tables,
        mut units,
        contexts,
        concurrency,
    } = scan;
    let mut store = SqliteStore::open(store_path)?;
    store.prepare(&tables)?;
    let run_id = run_id();
    store.begin_run(&RunRecord {
        run_id: run_id.clone(),
        cloud: cloud.as_str().to_owned(),
        command,
        started_at: OffsetDateTime::now_utc(),
    })?;
    // Incremental tables resume where their previous successful unit stopped.
    for unit in &mut units {
        if matches!(unit.table.def().mode, WriteMode::Incremental { .. }) {
            unit.cursor = store.cursor(unit.table.def(), &unit.target)?;
        }
    }
    let mut progress = Progress::new(units.len());
    let mut writer = Writer::new(&mut store, &run_id);
    engine::run(units, contexts, concurrency, |event| {
        writer.write(event, &mut progress)
    })
    .await;
    if let Some(failure) = writer.failure.take() {
        // The run ends as partial, not running, if the store still takes that.
        let totals = RunTotals {
            units: progress.done,
            rows: progress.rows(),
            errors: progress.errors.max(1),
        };
        if let Err(e) = store.finish_run(&run_id, OffsetDateTime::now_utc(), totals) {
            tracing::debug!("could not record the end of the run: {e}");
        }
        return Err(failure).context("the scan stopped: the store cannot be written");
    }
    store.finish_run(
        &run_id,
        OffsetDateTime::now_utc(),
        RunTotals {
            units: progress.done,
            rows: progress.rows(),
            errors: progress.errors,
        },
    )?;
    progress.finish(store.path());
    Ok(if progress.errors > 0 {
        ExitCode::from(PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}
