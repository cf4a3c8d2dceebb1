//! `creds azure [exec]`: a short-lived Azure access token from
//! `azure_identity` (client secret, workload identity or the Azure CLI),
//! printed for a shell or a program, or handed to a command.

mod exec;
mod print;

use crate::cli::{CredsAzureArgs, CredsAzureCommand};
use crate::commands::role::azure::{environment, usage};
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_azure::{Endpoints, Token, TokenSource};
use std::process::ExitCode;

/// Runs `creds azure` or `creds azure exec`.
pub async fn run(args: CredsAzureArgs) -> anyhow::Result<ExitCode> {
    let token = token(&args.scope).await?;
    match args.command {
        None => print::run(&args.format, &args.scope, &token),
        Some(CredsAzureCommand::Exec(exec)) => exec::run(exec, &token),
    }
}

/// Checks the scope (one resource followed by `/.default`) and gets a token for it.
async fn token(scope: &str) -> anyhow::Result<Token> {
    let resource = scope.strip_suffix("/.default").unwrap_or_default();
    if resource.is_empty() || resource.contains(char::is_whitespace) || !resource.contains("://") {
        return Err(UsageError::new(
            "--scope",
            format!("'{scope}' is not a resource followed by /.default, e.g. https://management.azure.com/.default"),
        )
        .into());
    }
    let env = environment();
    let endpoints = Endpoints::new(None, &env).map_err(usage)?;
    let source = TokenSource::from_env(&env, &endpoints).context("cannot get an Azure token")?;
    source
        .token(scope)
        .await
        .context("cannot get an Azure token")
}
