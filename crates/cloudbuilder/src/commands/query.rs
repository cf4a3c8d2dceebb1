//! `query`: one read-only SQL statement against the store, as a table, JSON or CSV.

use crate::cli::QueryArgs;
use cloudbuilder_store::{QueryResult, SqliteStore, Store};
use std::io::Write;
use std::process::ExitCode;

/// Runs `query`.
pub fn run(args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let path = super::store::path(&args.store)?;
    let store = SqliteStore::open_read_only(&path)?;
    let result = store.query(&args.sql)?;
    let text = match args.format.as_str() {
        "json" => json(&result),
        "csv" => csv(&result)?,
        _ => table(&result),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn json(result: &QueryResult) -> String {
    let rows: Vec<serde_json::Value> = result
        .rows
        .iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = result
                .columns
                .iter()
                .cloned()
                .zip(row.iter().map(|v| v.to_json()))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    format!("{:#}\n", serde_json::Value::Array(rows))
}

fn csv(result: &QueryResult) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&result.columns)?;
    for row in &result.rows {
        writer.write_record(row.iter().map(|v| v.to_text()))?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// Columns padded to their widest cell, a rule under the header, and a row count.
fn table(result: &QueryResult) -> String {
    let cells: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| v.to_text().replace(['\n', '\r'], " "))
                .collect()
        })
        .collect();
    let width = |i: usize, header: &str| {
        cells
            .iter()
            .map(|r| r[i].chars().count())
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = result
        .columns
        .iter()
        .enumerate()
        .map(|(i, h)| width(i, h))
        .collect();
    let line = |values: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = values
            .zip(&widths)
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.chars().count()))))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&mut result.columns.iter().map(String::as_str));
    out.push_str(&line(
        &mut widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    ));
    for row in &cells {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    let n = result.rows.len();
    out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    out
}
