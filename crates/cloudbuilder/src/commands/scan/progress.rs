//! Scan progress: a bar on a terminal (units done / total, rows, errors),
//! otherwise one line per failed unit; and the closing summary.

use cloudbuilder_core::FetchError;
use cloudbuilder_core::engine::Outcome;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Instant;

/// Tracks a scan's progress and totals.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    /// Rows written, per table.
    pub rows_by_table: BTreeMap<&'static str, u64>,
    /// Units that failed.
    pub errors: u64,
    /// Units done.
    pub done: u64,
    total: u64,
}

impl Progress {
    /// Starts tracking `total` units.
    pub fn new(total: usize) -> Self {
        let total = total as u64;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} units  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            rows_by_table: BTreeMap::new(),
            errors: 0,
            done: 0,
            total,
        }
    }

    /// Counts one unit's outcome.
    pub fn record(&mut self, outcome: &Outcome, written: Result<u64, &FetchError>) {
        self.done += 1;
        match written {
            Ok(rows) => *self.rows_by_table.entry(outcome.table.name).or_default() += rows,
            Err(e) => {
                self.errors += 1;
                let line = format!("error: {} {}: {e}", outcome.table.name, outcome.target);
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
            bar.set_message(format!("{} rows  {} errors", self.rows(), self.errors));
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows_by_table.values().sum()
    }

    /// Clears the bar and prints the summary.
    pub fn finish(&self, store: &std::path::Path) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!(
            "scanned {} of {} units in {secs:.1}s: {} rows, {} failed unit{}",
            self.done,
            self.total,
            self.rows(),
            self.errors,
            if self.errors == 1 { "" } else { "s" }
        );
        for (table, rows) in &self.rows_by_table {
            eprintln!("  {table:<32} {rows:>8} rows");
        }
        if self.errors > 0 {
            eprintln!("  failed units are in the cloudbuilder_scan_error table");
        }
        eprintln!("store: {}", store.display());
    }
}
