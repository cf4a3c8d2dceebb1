//! `scan azure`: inventory (Resource Graph), the Activity Log and daily
//! costs of every subscription under a management group, of one
//! subscription, or of one resource group, into the store, through the one scan runner.

use super::runner::{self, Scan};
use crate::cli::ScanAzureArgs;
use crate::commands::role::azure::{environment, usage};
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_azure::scan::{AzureContext, AzureContexts, discover, plan_units};
use cloudbuilder_azure::{Arm, AzureScope, Endpoints, TokenSource};
use cloudbuilder_core::engine::Contexts;
use cloudbuilder_core::{Cloud, Table};
use std::process::ExitCode;
use std::sync::Arc;
use time::OffsetDateTime;

/// Runs `scan azure`.
pub async fn run(args: ScanAzureArgs) -> anyhow::Result<ExitCode> {
    let tables = choose_tables(args.tables.as_deref())?;
    if !(1..=512).contains(&args.concurrency) {
        return Err(UsageError::new(
            "--concurrency",
            format!("{} is out of range; allowed is 1 to 512", args.concurrency),
        )
        .into());
    }
    let root = AzureScope::parse("--scope", &args.scope).map_err(usage)?;
    let store_path = crate::commands::store::path(&args.store)?;
    let env = environment();
    let endpoints = Endpoints::new(args.arm_endpoint.as_deref(), &env).map_err(usage)?;
    let source = TokenSource::from_env(&env, &endpoints).context("cannot authenticate to Azure")?;
    let arm = Arm::new(endpoints, &source);
    let subscriptions = discover(&arm, &root)
        .await
        .with_context(|| format!("cannot list the subscriptions under {root}"))?;
    tracing::info!(
        subscriptions = subscriptions.len(),
        tables = tables.len(),
        "scan planned"
    );
    let units = plan_units(&tables, &root, &subscriptions);
    let context = AzureContext::new(arm, root, subscriptions, OffsetDateTime::now_utc());
    let contexts: Arc<dyn Contexts<AzureContext>> = Arc::new(AzureContexts(Arc::new(context)));
    let scan = Scan {
        cloud: Cloud::Azure,
        command: describe(&args),
        tables: tables.iter().map(|t| t.def()).collect(),
        units,
        contexts,
        concurrency: args.concurrency,
    };
    runner::execute(scan, &store_path).await
}

fn choose_tables(list: Option<&str>) -> Result<Vec<&'static dyn Table<AzureContext>>, UsageError> {
    let Some(list) = list else {
        return Ok(cloudbuilder_azure::tables::TABLES.to_vec());
    };
    let mut chosen: Vec<&'static dyn Table<AzureContext>> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let table = cloudbuilder_azure::tables::find(name).ok_or_else(|| {
            let known: Vec<&str> = cloudbuilder_azure::tables::defs()
                .iter()
                .map(|d| d.name)
                .collect();
            UsageError::new(
                "--tables",
                format!("no table '{name}'; Azure tables: {}", known.join(", ")),
            )
        })?;
        if !chosen.iter().any(|t| t.def().name == name) {
            chosen.push(table);
        }
    }
    if chosen.is_empty() {
        return Err(UsageError::new(
            "--tables",
            "name at least one table, or leave the flag out for all",
        ));
    }
    Ok(chosen)
}

/// The gist of the command line, for `cloudbuilder_run`.
fn describe(args: &ScanAzureArgs) -> String {
    let mut parts = vec![format!("scan azure --scope {}", args.scope)];
    if let Some(tables) = &args.tables {
        parts.push(format!("--tables {tables}"));
    }
    parts.join(" ")
}
