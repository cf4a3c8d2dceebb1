//! `role plan|apply|verify|destroy --cloud gcp`: the Cloud Builder custom role
//! and its binding at an organization, folder or project, and, with
//! `--federate-from-aws`, keyless access for an AWS role. This module turns
//! the flags into a validated [`RoleSpec`] (and [`FederationSpec`]) and prints
//! the result lines every command but plan ends with.

mod apply;
mod destroy;
mod plan;
mod verify;

use crate::cli::{RoleCommand, RoleFederationArgs, RoleGcpArgs, RoleTargetArgs};
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_gcp::federation::{AwsRole, FederationSpec};
use cloudbuilder_gcp::role::provision::Step;
use cloudbuilder_gcp::role::{RoleSpec, folder_organization};
use cloudbuilder_gcp::{AccessToken, Connection, GcpScope, Member};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The variable that holds an access token to call Google with instead of
/// Application Default Credentials.
pub const ACCESS_TOKEN_VAR: &str = "CLOUDBUILDER_GCP_ACCESS_TOKEN";

/// Runs `role <verb> --cloud gcp`.
pub async fn run(command: RoleCommand) -> anyhow::Result<ExitCode> {
    match command {
        RoleCommand::Plan(args) => plan::run(&args.target, &args.gcp, &args.out).await,
        RoleCommand::Apply(args) => apply::run(&args.target, &args.gcp, args.out.as_deref()).await,
        RoleCommand::Verify(args) => verify::run(&args.target, &args.gcp, !args.no_probe).await,
        RoleCommand::Destroy(args) => destroy::run(&args.target, &args.gcp).await,
    }
}

/// The flags, checked without calling anything.
struct Inputs {
    scope: GcpScope,
    member: Member,
    organization: Option<String>,
    federation: Option<FederationSpec>,
}

fn inputs(target: &RoleTargetArgs, gcp: &RoleGcpArgs) -> anyhow::Result<Inputs> {
    let scope = target.scope.as_deref().ok_or_else(|| {
        UsageError::new(
            "--scope",
            "required with --cloud gcp; allowed are organizations/ID, folders/ID and projects/PROJECT_ID",
        )
    })?;
    let scope = GcpScope::parse("--scope", scope)?;
    let member = gcp.member.as_deref().ok_or_else(|| {
        UsageError::new(
            "--member",
            "required with --cloud gcp, e.g. serviceAccount:cloud-builder@PROJECT.iam.gserviceaccount.com",
        )
    })?;
    let member = Member::parse("--member", member)?;
    cloudbuilder_gcp::role::check_role_id("--role-id", &gcp.role_id)?;
    cloudbuilder_gcp::role::permissions(&gcp.permissions)?;
    let organization = gcp
        .organization
        .as_deref()
        .map(|o| cloudbuilder_gcp::scope::organization_id("--organization", o))
        .transpose()?;
    if organization.is_some() && !matches!(scope, GcpScope::Folder(_)) {
        return Err(UsageError::new("--organization", "only with a folders/ID scope").into());
    }
    let federation = federation(&member, &gcp.federation)?;
    Ok(Inputs {
        scope,
        member,
        organization,
        federation,
    })
}

/// The federation `--federate-from-aws` asks for, checked without calling anything.
fn federation(
    member: &Member,
    flags: &RoleFederationArgs,
) -> anyhow::Result<Option<FederationSpec>> {
    let Some(arn) = flags.federate_from_aws.as_deref() else {
        return Ok(None);
    };
    let role = AwsRole::parse("--federate-from-aws", arn)?;
    let service_account = member.service_account().ok_or_else(|| {
        UsageError::new(
            "--member",
            format!(
                "--federate-from-aws lets an AWS role act as a service account: the member must be serviceAccount:EMAIL, not {member}"
            ),
        )
    })?;
    Ok(Some(FederationSpec::new(
        role,
        service_account,
        flags.federation_project.as_deref(),
        flags.pool_id.as_deref(),
        flags.provider_id.as_deref(),
    )?))
}

/// Where the credential configuration goes: `--credential-config`, else
/// `--out DIR` (apply), else the default path `creds gcp --from-aws` reads.
/// The path is made absolute, so that the result line says where it is.
fn config_path(flags: &RoleFederationArgs, out: Option<&Path>) -> PathBuf {
    let path = match (&flags.credential_config, out) {
        (Some(path), _) => path.clone(),
        (None, Some(dir)) => dir.join(cloudbuilder_gcp::federation::config::FILE_NAME),
        (None, None) => crate::commands::gcp_federation::default_config_path(),
    };
    std::path::absolute(&path).unwrap_or(path)
}

/// The credential configuration's place and the endpoint it names.
fn config_target<'a>(
    gcp: &'a RoleGcpArgs,
    path: &'a Path,
) -> cloudbuilder_gcp::federation::provision::ConfigTarget<'a> {
    cloudbuilder_gcp::federation::provision::ConfigTarget {
        path,
        endpoint: gcp.connection.gcp_endpoint.as_deref(),
    }
}

/// The connection to Google: the endpoint flag, and the token variable or
/// Application Default Credentials.
pub fn connection(endpoint: Option<&str>) -> anyhow::Result<Connection> {
    let token = std::env::var(ACCESS_TOKEN_VAR)
        .ok()
        .filter(|t| !t.is_empty())
        .map(AccessToken::new);
    Ok(Connection::new(endpoint.map(str::to_owned), token)?)
}

/// Validates the flags, connects, and finds a folder's organization if needed.
async fn spec(
    target: &RoleTargetArgs,
    gcp: &RoleGcpArgs,
) -> anyhow::Result<(RoleSpec, Option<FederationSpec>, Connection)> {
    let inputs = inputs(target, gcp)?;
    let conn = connection(gcp.connection.gcp_endpoint.as_deref())?;
    let organization = match (&inputs.scope, inputs.organization) {
        (GcpScope::Folder(folder), None) => Some(
            folder_organization(&conn, folder)
                .await
                .context("cannot find the folder's organization (pass --organization ID)")?,
        ),
        (_, org) => org,
    };
    let spec = RoleSpec::new(
        inputs.scope,
        organization.as_deref(),
        &gcp.role_id,
        inputs.member,
        &gcp.permissions,
    )?;
    Ok((spec, inputs.federation, conn))
}

/// Prints the result lines (table or JSON) and a one-line summary on standard error.
fn print(format: &str, steps: &[Step]) {
    if format == "json" {
        println!(
            "{}",
            serde_json::to_string_pretty(steps).unwrap_or_default()
        );
    } else {
        let width = |f: fn(&Step) -> &str, title: &str| {
            steps
                .iter()
                .map(|s| f(s).len())
                .max()
                .unwrap_or(0)
                .max(title.len())
        };
        let (i, r, s) = (
            width(|s| s.item, "ITEM"),
            width(|s| &s.resource, "RESOURCE"),
            width(|s| s.result, "RESULT"),
        );
        println!("{:i$}  {:r$}  {:s$}  DETAIL", "ITEM", "RESOURCE", "RESULT");
        for step in steps {
            println!(
                "{:i$}  {:r$}  {:s$}  {}",
                step.item, step.resource, step.result, step.detail
            );
        }
    }
    let summary: Vec<String> = steps
        .iter()
        .map(|s| format!("{} {}", s.item, s.result))
        .collect();
    eprintln!("{}", summary.join(", "));
}
