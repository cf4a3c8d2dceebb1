//! The GCP flags of `role`, `creds gcp` and `scan gcp`.

use clap::Args;

/// The GCP part of a `role` command (used with `--cloud gcp`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "GCP (--cloud gcp)")]
pub struct RoleGcpArgs {}

/// `cloudbuilder creds gcp`
#[derive(Debug, Args)]
pub struct CredsGcpArgs {}

/// `cloudbuilder scan gcp`
#[derive(Debug, Args)]
pub struct ScanGcpArgs {}
