//! `creds` for GCP.

use crate::exit::UsageError;
use std::process::ExitCode;

/// Runs `creds` for GCP.
pub async fn run(_args: crate::cli::CredsGcpArgs) -> anyhow::Result<ExitCode> {
    Err(UsageError::new("gcp", "GCP is not supported by this build yet").into())
}
