//! `creds` for Azure.

use crate::exit::UsageError;
use std::process::ExitCode;

/// Runs `creds` for Azure.
pub async fn run(_args: crate::cli::CredsAzureArgs) -> anyhow::Result<ExitCode> {
    Err(UsageError::new("azure", "Azure is not supported by this build yet").into())
}
