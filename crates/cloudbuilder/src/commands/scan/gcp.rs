//! `scan gcp`: inventory (Cloud Asset Inventory), audit logs (Cloud Logging)
//! and daily costs (the Cloud Billing export in BigQuery) of every project
//! under an organization or folder, or of one project, into the store,
//! through the one scan runner.

use super::runner::{self, Scan};
use crate::cli::ScanGcpArgs;
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_core::engine::Contexts;
use cloudbuilder_core::{Cloud, RateBudgets, Table};
use cloudbuilder_gcp::GcpScope;
use cloudbuilder_gcp::billing::BillingTable;
use cloudbuilder_gcp::mint::{MAX_LIFETIME_SECS, TokenRequest, generate_access_token};
use cloudbuilder_gcp::retry::Retry;
use cloudbuilder_gcp::scan::{GcpContext, GcpContexts, Settings, plan_units};
use cloudbuilder_gcp::tables::BILLING_TABLE;
use std::process::ExitCode;
use std::sync::Arc;
use time::OffsetDateTime;

/// Runs `scan gcp`.
pub async fn run(args: ScanGcpArgs) -> anyhow::Result<ExitCode> {
    let root = GcpScope::parse("--scope", &args.scope)?;
    let billing = args
        .billing_export_table
        .as_deref()
        .map(|t| BillingTable::parse("--billing-export-table", t))
        .transpose()?;
    let tables = choose_tables(args.tables.as_deref(), billing.is_some())?;
    validate(&args)?;
    let impersonate = args
        .impersonate
        .as_deref()
        .map(|sa| TokenRequest::new(sa, Vec::new(), MAX_LIFETIME_SECS))
        .transpose()?;
    let store_path = crate::commands::store::path(&args.store)?;

    if impersonate.is_some() && args.federation.enabled() {
        return Err(UsageError::new(
            "--impersonate",
            "not with --from-aws, whose credential configuration already names the service account",
        )
        .into());
    }
    let mut conn = crate::commands::gcp_federation::connection(
        args.connection.gcp_endpoint.as_deref(),
        &args.federation,
    )
    .await?;
    if let Some(request) = &impersonate {
        let service_account = &request.service_account;
        let minted = generate_access_token(&conn, request)
            .await
            .with_context(|| format!("cannot impersonate {service_account}"))?;
        conn = conn.with_token(minted.token);
    }
    let settings = Settings {
        root: root.clone(),
        billing,
        now: OffsetDateTime::now_utc(),
        budgets: Arc::new(RateBudgets::scaled(args.rate_scale)),
        retry: Retry::default(),
    };
    let context = GcpContext::connect(&conn, settings)
        .await
        .with_context(|| format!("cannot list the folders and projects under {root}"))?;
    tracing::info!(
        folders = context.containers.folders.len(),
        projects = context.containers.projects.len(),
        tables = tables.len(),
        "scan planned"
    );
    let units = plan_units(&tables, &root, &context.containers);
    let contexts: Arc<dyn Contexts<GcpContext>> = Arc::new(GcpContexts(Arc::new(context)));
    let scan = Scan {
        cloud: Cloud::Gcp,
        command: describe(&args),
        tables: tables.iter().map(|t| t.def()).collect(),
        units,
        contexts,
        concurrency: args.concurrency,
    };
    runner::execute(scan, &store_path).await
}

/// The tables named in `--tables`, or every table (the billing table only
/// when there is an export table to read).
fn choose_tables(
    list: Option<&str>,
    has_billing: bool,
) -> Result<Vec<&'static dyn Table<GcpContext>>, UsageError> {
    let Some(list) = list else {
        return Ok(cloudbuilder_gcp::tables::TABLES
            .iter()
            .copied()
            .filter(|t| has_billing || t.def().name != BILLING_TABLE)
            .collect());
    };
    let mut chosen: Vec<&'static dyn Table<GcpContext>> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let table = cloudbuilder_gcp::tables::find(name).ok_or_else(|| {
            let known: Vec<&str> = cloudbuilder_gcp::tables::defs()
                .iter()
                .map(|d| d.name)
                .collect();
            UsageError::new(
                "--tables",
                format!("no table '{name}'; GCP tables: {}", known.join(", ")),
            )
        })?;
        if name == BILLING_TABLE && !has_billing {
            return Err(UsageError::new(
                "--billing-export-table",
                format!(
                    "{BILLING_TABLE} reads the Cloud Billing export: give its table as PROJECT.DATASET.TABLE"
                ),
            ));
        }
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

fn validate(args: &ScanGcpArgs) -> anyhow::Result<()> {
    if !(1..=512).contains(&args.concurrency) {
        return Err(UsageError::new(
            "--concurrency",
            format!("{} is out of range; allowed is 1 to 512", args.concurrency),
        )
        .into());
    }
    if !(0.01..=10.0).contains(&args.rate_scale) {
        return Err(UsageError::new(
            "--rate-scale",
            format!("{} is out of range; allowed is 0.01 to 10", args.rate_scale),
        )
        .into());
    }
    Ok(())
}

/// The gist of the command line, for `cloudbuilder_run` (no secrets are flags).
fn describe(args: &ScanGcpArgs) -> String {
    let mut parts = vec![format!("scan gcp --scope {}", args.scope)];
    if let Some(tables) = &args.tables {
        parts.push(format!("--tables {tables}"));
    }
    if let Some(table) = &args.billing_export_table {
        parts.push(format!("--billing-export-table {table}"));
    }
    if args.federation.enabled() {
        parts.push("--from-aws".to_owned());
    }
    if let Some(sa) = &args.impersonate {
        parts.push(format!("--impersonate {sa}"));
    }
    parts.join(" ")
}
