//! `scan` for Azure.

use crate::exit::UsageError;
use std::process::ExitCode;

/// Runs `scan` for Azure.
pub async fn run(_args: crate::cli::ScanAzureArgs) -> anyhow::Result<ExitCode> {
    Err(UsageError::new("azure", "Azure is not supported by this build yet").into())
}
