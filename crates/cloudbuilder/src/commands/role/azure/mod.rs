//! `role plan|apply|verify|destroy --cloud azure`: the Cloud Builder custom
//! role at a management group, subscription or resource group. This module
//! turns the flags into a validated [`RoleSpec`] and an ARM client, and prints
//! the result table every verb ends with.

mod apply;
mod destroy;
mod plan;
mod verify;

use crate::cli::{RoleAzureArgs, RoleCommand, RoleTargetArgs};
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_azure::role::RoleSpec;
use cloudbuilder_azure::role::provision::Step;
use cloudbuilder_azure::{Arm, AzureScope, Endpoints, Env, Guid, TokenSource};
use std::process::ExitCode;

/// Runs `role` for Azure.
pub async fn run(command: RoleCommand) -> anyhow::Result<ExitCode> {
    match command {
        RoleCommand::Plan(args) => plan::run(args),
        RoleCommand::Apply(args) => apply::run(args).await,
        RoleCommand::Verify(args) => verify::run(args).await,
        RoleCommand::Destroy(args) => destroy::run(args).await,
    }
}

/// Turns the library's input errors into the binary's usage errors (exit 64).
pub(crate) fn usage(err: cloudbuilder_azure::Error) -> anyhow::Error {
    match err {
        cloudbuilder_azure::Error::InvalidInput { field, problem } => {
            UsageError::new(field, problem).into()
        }
        other => other.into(),
    }
}

/// The process environment, read once here and passed down.
pub(crate) fn environment() -> Env {
    std::env::vars().collect()
}

/// Validates the flags into the role's spec; `assignee` says whether `--assignee` must be given.
fn spec(
    target: &RoleTargetArgs,
    azure: &RoleAzureArgs,
    needs_assignee: bool,
) -> anyhow::Result<RoleSpec> {
    let scope = target.scope.as_deref().ok_or_else(|| {
        UsageError::new(
            "--scope",
            "required with --cloud azure: /providers/Microsoft.Management/managementGroups/ID, /subscriptions/GUID or /subscriptions/GUID/resourceGroups/NAME",
        )
    })?;
    let scope = AzureScope::parse("--scope", scope).map_err(usage)?;
    RoleSpec::check_role_name("--role-name", &target.role_name).map_err(usage)?;
    let assignee = azure
        .assignee
        .as_deref()
        .map(|a| Guid::parse("--assignee", a))
        .transpose()
        .map_err(usage)?;
    if needs_assignee && assignee.is_none() {
        return Err(UsageError::new(
            "--assignee",
            "required: the object id of the scanner's service principal (az ad sp show --id APP_ID --query id)",
        )
        .into());
    }
    Ok(RoleSpec {
        scope,
        role_name: target.role_name.clone(),
        assignee,
    })
}

/// An ARM client with the administrator's credentials.
fn arm(azure: &RoleAzureArgs) -> anyhow::Result<Arm> {
    let env = environment();
    let endpoints = Endpoints::new(azure.arm_endpoint.as_deref(), &env).map_err(usage)?;
    let source = TokenSource::from_env(&env, &endpoints).context("cannot authenticate to Azure")?;
    Ok(Arm::new(endpoints, &source))
}

/// One line of the result table.
#[derive(Debug, serde::Serialize)]
struct Row<'a> {
    scope: String,
    item: &'a str,
    name: &'a str,
    result: &'a str,
    detail: &'a str,
}

/// Prints the steps as a table (or JSON) and a one-line summary on standard error.
fn print(format: &str, spec: &RoleSpec, steps: &[Step]) {
    let scope = spec.scope.id();
    let rows: Vec<Row<'_>> = steps
        .iter()
        .map(|s| Row {
            scope: scope.clone(),
            item: s.item,
            name: &s.name,
            result: s.result,
            detail: &s.detail,
        })
        .collect();
    if format == "json" {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
    } else {
        let width = |f: for<'r> fn(&'r Row<'_>) -> &'r str, title: &str| {
            rows.iter()
                .map(|r| f(r).len())
                .max()
                .unwrap_or(0)
                .max(title.len())
        };
        let (s, i, n, r) = (
            width(|r| &r.scope, "SCOPE"),
            width(|r| r.item, "ITEM"),
            width(|r| r.name, "NAME"),
            width(|r| r.result, "RESULT"),
        );
        println!(
            "{:s$}  {:i$}  {:n$}  {:r$}  DETAIL",
            "SCOPE", "ITEM", "NAME", "RESULT"
        );
        for row in &rows {
            println!(
                "{:s$}  {:i$}  {:n$}  {:r$}  {}",
                row.scope, row.item, row.name, row.result, row.detail
            );
        }
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for step in steps {
        *counts.entry(step.result).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    eprintln!(
        "{} ({}): {}",
        spec.role_name,
        spec.scope.kind(),
        summary.join(", ")
    );
}
