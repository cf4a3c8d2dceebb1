//! The Azure flags of `role`, `creds azure` and `scan azure`.

use clap::Args;

/// The Azure part of a `role` command (used with `--cloud azure`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Azure (--cloud azure)")]
pub struct RoleAzureArgs {}

/// `cloudbuilder creds azure`
#[derive(Debug, Args)]
pub struct CredsAzureArgs {}

/// `cloudbuilder scan azure`
#[derive(Debug, Args)]
pub struct ScanAzureArgs {}
