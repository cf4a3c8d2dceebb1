//! `role plan|apply|verify|destroy`: the Cloud Builder role. This module turns
//! the shared flags into a validated [`RoleSpec`] and a set of target
//! accounts, and prints the per-account result table every command ends with.

pub mod apply;
pub mod azure;
pub mod destroy;
pub mod gcp;
pub mod plan;
pub mod verify;

use crate::cli::{RoleDefinitionArgs, RoleTargetArgs};
use crate::commands::creds::validate_region;
use crate::exit::UsageError;
use anyhow::Context;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_types::region::Region;
use cloudbuilder_aws::role::RoleSpec;
use cloudbuilder_aws::role::targets::{self, Targets};
use cloudbuilder_aws::role::template::OrgTargets;
use cloudbuilder_aws::scan::AccountSelection;
use cloudbuilder_aws::{
    AccountId, ExternalId, MemberRole, OuId, PolicyArn, PrincipalArn, RoleName,
};
use cloudbuilder_creds::SessionDuration;
use std::process::ExitCode;

/// How many times the SDK tries a call (throttling and transient errors are retried with backoff).
const MAX_ATTEMPTS: u32 = 5;
/// Exit code when some accounts failed and the others were done.
const PARTIAL: u8 = 2;

/// The AWS scope: `account` (the default) or `organization`.
fn aws_scope(target: &RoleTargetArgs) -> Result<&str, UsageError> {
    match target.scope.as_deref() {
        None | Some("account") => Ok("account"),
        Some("organization") => Ok("organization"),
        Some(other) => Err(UsageError::new(
            "--scope",
            format!("'{other}' is not an AWS scope; allowed are account and organization"),
        )),
    }
}

/// Checks the targeting flags before any call.
fn validate_target(target: &RoleTargetArgs) -> anyhow::Result<Option<AccountSelection>> {
    RoleName::parse("--role-name", &target.role_name)?;
    RoleName::parse("--access-role", &target.access_role)?;
    if let Some(region) = &target.region {
        validate_region(region)?;
    }
    if !(1..=64).contains(&target.concurrency) {
        return Err(UsageError::new(
            "--concurrency",
            format!("{} is out of range; allowed is 1 to 64", target.concurrency),
        )
        .into());
    }
    for ou in &target.ous {
        OuId::parse("--ou", ou)?;
    }
    for account in &target.exclude_accounts {
        AccountId::parse("--exclude-account", account)?;
    }
    if aws_scope(target)? == "account" {
        if !target.ous.is_empty() || !target.exclude_accounts.is_empty() {
            return Err(UsageError::new(
                "--ou/--exclude-account",
                "only with --scope organization",
            )
            .into());
        }
        return Ok(None);
    }
    Ok(Some(AccountSelection {
        org: true,
        ous: target.ous.clone(),
        exclude: target.exclude_accounts.clone(),
    }))
}

/// The administrator's SDK configuration.
async fn load_config(target: &RoleTargetArgs) -> SdkConfig {
    let region =
        cloudbuilder_aws::resolve_region(target.region.as_deref(), target.profile.as_deref())
            .await
            .unwrap_or_else(|| Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// The validated definition flags, before the caller is known (for a fast usage error).
struct Definition {
    trusted_principal: Option<String>,
    external_id: Option<ExternalId>,
    require_mfa: bool,
    max_session_seconds: u32,
    managed_policies: Vec<PolicyArn>,
    trail_bucket: Option<String>,
}

fn validate_definition(args: &RoleDefinitionArgs) -> anyhow::Result<Definition> {
    let max = SessionDuration::parse("--max-session", &args.max_session)?;
    if max.as_secs() < 3_600 {
        return Err(UsageError::new(
            "--max-session",
            format!(
                "'{}' is shorter than IAM allows; use 1h to 12h",
                args.max_session
            ),
        )
        .into());
    }
    if let Some(p) = &args.trusted_principal {
        // The partition is checked again once the caller's is known.
        PrincipalArn::parse("--trusted-principal", p, "aws")?;
    }
    if let Some(bucket) = &args.trail_bucket {
        cloudbuilder_aws::check_bucket_name("--trail-bucket", bucket)?;
    }
    Ok(Definition {
        trusted_principal: args.trusted_principal.clone(),
        external_id: args
            .external_id
            .as_deref()
            .map(|id| ExternalId::parse("--external-id", id))
            .transpose()?,
        require_mfa: args.require_mfa,
        max_session_seconds: max.as_secs(),
        managed_policies: args
            .managed_policies
            .iter()
            .map(|p| PolicyArn::parse("--managed-policy", p))
            .collect::<Result<_, _>>()?,
        trail_bucket: args.trail_bucket.clone(),
    })
}

impl Definition {
    /// The spec, with the caller's account root trusted when no principal was named.
    fn spec(
        self,
        role_name: &str,
        caller_account: &str,
        partition: &str,
    ) -> anyhow::Result<RoleSpec> {
        let principal = self
            .trusted_principal
            .unwrap_or_else(|| caller_account.to_owned());
        Ok(RoleSpec {
            role_name: RoleName::parse("--role-name", role_name)?,
            trusted_principal: PrincipalArn::parse("--trusted-principal", &principal, partition)?,
            external_id: self.external_id,
            require_mfa: self.require_mfa,
            max_session_seconds: self.max_session_seconds,
            managed_policies: self.managed_policies,
            trail_bucket: self.trail_bucket,
            partition: partition.to_owned(),
        })
    }
}

/// The partition of an ARN (`arn:<partition>:…`).
fn partition(arn: &str) -> String {
    arn.split(':').nth(1).unwrap_or("aws").to_owned()
}

/// Resolves the target accounts, failing with a usage error when none is left.
async fn resolve(
    config: &SdkConfig,
    selection: Option<&AccountSelection>,
) -> anyhow::Result<Targets> {
    let targets = targets::resolve(config, selection)
        .await
        .context("cannot list the accounts to work on")?;
    if targets.accounts.is_empty() {
        return Err(UsageError::new("--ou/--exclude-account", "no active account is left").into());
    }
    Ok(targets)
}

/// The access role assumed in member accounts.
fn access_role(target: &RoleTargetArgs, partition: &str) -> MemberRole {
    MemberRole {
        name: target.access_role.clone(),
        external_id: None,
        session_name: "cloudbuilder-role".to_owned(),
        partition: partition.to_owned(),
    }
}

/// What apply, verify and destroy start from: the administrator's
/// configuration, the accounts, the partition and the access role.
struct Session {
    config: SdkConfig,
    selection: Option<AccountSelection>,
    found: Targets,
    partition: String,
    access: MemberRole,
}

/// Validates the targeting flags (and `via`), then finds the accounts.
async fn start(target: &RoleTargetArgs, via: &str) -> anyhow::Result<Session> {
    let selection = validate_target(target)?;
    if via == "stackset" && selection.is_none() {
        return Err(UsageError::new("--via", "stackset needs --scope organization").into());
    }
    let config = load_config(target).await;
    let found = resolve(&config, selection.as_ref()).await?;
    let partition = partition(&found.caller.arn);
    let access = access_role(target, &partition);
    Ok(Session {
        config,
        selection,
        found,
        partition,
        access,
    })
}

impl Session {
    /// With `--via stackset`, the management account gets the role directly —
    /// service-managed StackSets never deploy there, and the scanner discovers
    /// the organization and reads its costs there — whatever `--ou` says,
    /// unless excluded. None when the caller is not the management account.
    fn management_target(&self) -> Option<targets::Target> {
        let caller = &self.found.caller.account;
        let excluded = self
            .selection
            .as_ref()
            .is_some_and(|s| s.exclude.contains(caller));
        let management = self.found.management.as_deref().unwrap_or(caller);
        (!excluded && management == caller).then(|| targets::Target {
            account_id: caller.clone(),
            name: None,
            is_caller: true,
        })
    }

    /// The StackSet's targets: the named OUs (else the organization's root), less exclusions.
    async fn org_targets(&self) -> anyhow::Result<OrgTargets> {
        let selection = self.selection.clone().unwrap_or_default();
        let mut ous = selection.ous;
        if ous.is_empty() {
            ous.push(targets::root_id(&self.config).await?);
        }
        Ok(OrgTargets {
            ous,
            exclude: selection.exclude,
            region: self
                .config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
        })
    }
}

/// One line of a command's result table.
#[derive(Debug, serde::Serialize)]
struct Row {
    account: String,
    name: String,
    result: String,
    detail: String,
}

/// Prints the result table (or JSON) and a one-line summary on standard error.
fn print(format: &str, rows: &[Row]) {
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(rows).unwrap_or_default());
    } else {
        let width = |f: fn(&Row) -> &str, title: &str| {
            rows.iter()
                .map(|r| f(r).len())
                .max()
                .unwrap_or(0)
                .max(title.len())
        };
        let (a, n, r) = (
            width(|r| &r.account, "ACCOUNT"),
            width(|r| &r.name, "NAME"),
            width(|r| &r.result, "RESULT"),
        );
        println!("{:a$}  {:n$}  {:r$}  DETAIL", "ACCOUNT", "NAME", "RESULT");
        for row in rows {
            println!(
                "{:a$}  {:n$}  {:r$}  {}",
                row.account, row.name, row.result, row.detail
            );
        }
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for row in rows {
        *counts.entry(row.result.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    eprintln!("{} account(s): {}", rows.len(), summary.join(", "));
}

/// Exit 2 when any row failed.
fn exit_code(rows: &[Row]) -> ExitCode {
    if rows.iter().any(|r| r.result == "failed") {
        ExitCode::from(PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}
