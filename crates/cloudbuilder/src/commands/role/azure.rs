//! `role` for Azure.

use crate::exit::UsageError;
use std::process::ExitCode;

/// Runs `role` for Azure.
pub async fn run(_args: crate::cli::RoleCommand) -> anyhow::Result<ExitCode> {
    Err(UsageError::new("azure", "Azure is not supported by this build yet").into())
}
