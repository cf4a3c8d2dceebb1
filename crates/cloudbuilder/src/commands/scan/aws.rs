//! `scan aws`: inventory of the caller's account, or of every account of the
//! organization through the Cloud Builder role, into the store.

use super::runner::{self, Scan};
use crate::cli::ScanAwsArgs;
use crate::commands::creds::validate_region;
use crate::exit::UsageError;
use anyhow::Context;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_types::region::Region;
use cloudbuilder_aws::scan::{AccountSelection, AwsContext, AwsContexts, MemberRole, TrailBucket};
use cloudbuilder_aws::{AccountId, ExternalId, OuId, RoleName};
use cloudbuilder_core::engine::Contexts;
use cloudbuilder_core::{Cloud, RateBudgets, Table};
use std::process::ExitCode;
use std::sync::Arc;
use time::OffsetDateTime;

/// The role assumed in each account of an organization unless told otherwise.
const DEFAULT_ROLE: &str = "CloudBuilder";
/// How many times the SDK tries a call (throttling and transient errors are retried with backoff).
const MAX_ATTEMPTS: u32 = 5;

/// Runs `scan aws`.
pub async fn run(args: ScanAwsArgs) -> anyhow::Result<ExitCode> {
    let tables = choose_tables(args.tables.as_deref())?;
    validate(&args)?;
    let store_path = crate::commands::store::path(&args.store)?;

    let region = cloudbuilder_aws::resolve_region(None, args.profile.as_deref())
        .await
        .unwrap_or_else(|| Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    let base = loader.load().await;

    let selection = AccountSelection {
        org: args.org,
        ous: args.ous.clone(),
        exclude: args.exclude_accounts.clone(),
    };
    // The accounts and the regions are asked for at once: two independent round trips.
    let (discovered, region_lists) = tokio::join!(
        cloudbuilder_aws::scan::discover_accounts(&base, &selection),
        cloudbuilder_aws::scan::enabled_regions(&base),
    );
    let (accounts, management) = discovered.context("cannot list the accounts to scan")?;
    if accounts.is_empty() {
        return Err(UsageError::new(
            "--ou/--exclude-account",
            "no active account is left to scan",
        )
        .into());
    }
    let (enabled, all_regions) = region_lists.context("cannot list the regions")?;
    let regions = choose_regions(&args.regions, &enabled, &all_regions)?;

    let role_name = args
        .role_name
        .clone()
        .or_else(|| args.org.then(|| DEFAULT_ROLE.to_owned()));
    let role = role_name.map(|name| MemberRole {
        name,
        external_id: args.external_id.clone(),
        session_name: "cloudbuilder-scan".to_owned(),
        partition: "aws".to_owned(),
    });
    tracing::info!(
        accounts = accounts.len(),
        regions = regions.len(),
        tables = tables.len(),
        "scan planned"
    );

    let units =
        cloudbuilder_aws::scan::plan_units(&tables, &accounts, &regions, management.as_deref());
    let reader_account = role.as_ref().and_then(|_| {
        management
            .clone()
            .or_else(|| accounts.first().map(|a| a.id.clone()))
    });
    let mut aws_contexts = AwsContexts::new(
        base,
        role,
        Arc::new(RateBudgets::scaled(args.rate_scale)),
        OffsetDateTime::now_utc().date(),
    );
    if let Some(bucket) = &args.trail_bucket {
        aws_contexts = aws_contexts.with_trail(TrailBucket {
            bucket: bucket.clone(),
            reader_account,
        });
    }
    let contexts: Arc<dyn Contexts<AwsContext>> = Arc::new(aws_contexts);
    let scan = Scan {
        cloud: Cloud::Aws,
        command: describe(&args),
        tables: tables.iter().map(|t| t.def()).collect(),
        units,
        contexts,
        concurrency: args.concurrency,
    };
    runner::execute(scan, &store_path).await
}

fn choose_tables(list: Option<&str>) -> Result<Vec<&'static dyn Table<AwsContext>>, UsageError> {
    let Some(list) = list else {
        return Ok(cloudbuilder_aws::tables::TABLES.to_vec());
    };
    let mut chosen = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let table = cloudbuilder_aws::tables::find(name).ok_or_else(|| {
            let known: Vec<&str> = cloudbuilder_aws::tables::defs()
                .iter()
                .map(|d| d.name)
                .collect();
            UsageError::new(
                "--tables",
                format!("no table '{name}'; AWS tables: {}", known.join(", ")),
            )
        })?;
        if !chosen
            .iter()
            .any(|t: &&dyn Table<AwsContext>| t.def().name == name)
        {
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

fn choose_regions(
    choice: &str,
    enabled: &[String],
    all: &[String],
) -> Result<Vec<String>, UsageError> {
    if choice.trim() == "all" {
        return Ok(enabled.to_vec());
    }
    let mut regions = Vec::new();
    for region in choice.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        validate_region(region)?;
        if !all.iter().any(|r| r == region) {
            return Err(UsageError::new(
                "--regions",
                format!("no region '{region}'; regions: all, {}", all.join(", ")),
            ));
        }
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_owned());
        }
    }
    if regions.is_empty() {
        return Err(UsageError::new(
            "--regions",
            "give `all` or a comma-separated list of regions",
        ));
    }
    Ok(regions)
}

fn validate(args: &ScanAwsArgs) -> Result<(), anyhow::Error> {
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
    for ou in &args.ous {
        OuId::parse("--ou", ou)?;
    }
    for account in &args.exclude_accounts {
        AccountId::parse("--exclude-account", account)?;
    }
    if let Some(name) = &args.role_name {
        RoleName::parse("--role-name", name)?;
    }
    if let Some(bucket) = &args.trail_bucket {
        cloudbuilder_aws::check_bucket_name("--trail-bucket", bucket)?;
    }
    if let Some(id) = &args.external_id {
        ExternalId::parse("--external-id", id)?;
    }
    Ok(())
}

/// A run id that sorts by time: `20261203T171500Z-<pid>`.
/// The gist of the command line, for `cloudbuilder_run` (no secrets are flags).
fn describe(args: &ScanAwsArgs) -> String {
    let mut parts = vec!["scan aws".to_owned()];
    if args.org {
        parts.push("--org".to_owned());
    }
    parts.extend(args.ous.iter().map(|ou| format!("--ou {ou}")));
    parts.extend(
        args.exclude_accounts
            .iter()
            .map(|a| format!("--exclude-account {a}")),
    );
    parts.push(format!("--regions {}", args.regions));
    if let Some(tables) = &args.tables {
        parts.push(format!("--tables {tables}"));
    }
    if let Some(bucket) = &args.trail_bucket {
        parts.push(format!("--trail-bucket {bucket}"));
    }
    parts.join(" ")
}
