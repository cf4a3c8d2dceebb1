//! The Azure flags of `role`, `creds azure` and `scan azure`.

use clap::{Args, Subcommand};
use std::ffi::OsString;

/// The Azure part of a `role` command (used with `--cloud azure`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Azure (--cloud azure)")]
pub struct RoleAzureArgs {
    /// The object id of the scanner's service principal the role is assigned to
    /// (required by apply and verify; destroy removes its assignment).
    #[arg(long, value_name = "OBJECT_ID")]
    pub assignee: Option<String>,

    /// Azure Resource Manager's endpoint [default: $CLOUDBUILDER_AZURE_ARM_ENDPOINT, else https://management.azure.com].
    #[arg(long, value_name = "URL", hide = true)]
    pub arm_endpoint: Option<String>,
}

/// `cloudbuilder creds azure`
#[derive(Debug, Args)]
#[command(after_help = CREDS_AZURE_EXAMPLES)]
pub struct CredsAzureArgs {
    /// The token's scope: a resource followed by /.default.
    #[arg(
        long,
        value_name = "SCOPE",
        default_value = "https://management.azure.com/.default",
        global = true
    )]
    pub scope: String,

    /// Output: env (POSIX export lines) or json (the shape of `az account get-access-token`).
    #[arg(long, default_value = "env", value_parser = ["env", "json"])]
    pub format: String,

    #[command(subcommand)]
    pub command: Option<CredsAzureCommand>,
}

const CREDS_AZURE_EXAMPLES: &str = "\
Credentials come from AZURE_TENANT_ID, AZURE_CLIENT_ID with AZURE_CLIENT_SECRET (a service
principal) or AZURE_FEDERATED_TOKEN_FILE (workload identity), else from `az login`.

Examples:
  eval \"$(cloudbuilder creds azure)\"
  cloudbuilder creds azure --format json
  cloudbuilder creds azure exec -- sh -c 'curl -H \"Authorization: Bearer $AZURE_ACCESS_TOKEN\" https://management.azure.com/subscriptions?api-version=2022-12-01'";

/// `cloudbuilder creds azure …`
#[derive(Debug, Subcommand)]
pub enum CredsAzureCommand {
    /// Run a command with the token in AZURE_ACCESS_TOKEN (and its expiry in AZURE_ACCESS_TOKEN_EXPIRES_ON).
    Exec(CredsAzureExecArgs),
}

/// `cloudbuilder creds azure exec`
#[derive(Debug, Args)]
pub struct CredsAzureExecArgs {
    /// The command to run, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `cloudbuilder scan azure`
#[derive(Debug, Args)]
#[command(after_help = SCAN_AZURE_EXAMPLES)]
pub struct ScanAzureArgs {
    /// What to scan: /providers/Microsoft.Management/managementGroups/ID (every
    /// subscription below it) or /subscriptions/GUID.
    #[arg(long, value_name = "SCOPE")]
    pub scope: String,

    /// Tables to fill, comma-separated [default: every Azure table].
    #[arg(long, value_name = "T1,T2")]
    pub tables: Option<String>,

    /// Units (table × subscription) fetched at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,

    /// Azure Resource Manager's endpoint [default: $CLOUDBUILDER_AZURE_ARM_ENDPOINT, else https://management.azure.com].
    #[arg(long, value_name = "URL", hide = true)]
    pub arm_endpoint: Option<String>,

    #[command(flatten)]
    pub store: super::StoreArgs,
}

const SCAN_AZURE_EXAMPLES: &str = "\
Examples:
  cloudbuilder scan azure --scope /providers/Microsoft.Management/managementGroups/contoso
  cloudbuilder scan azure --scope /subscriptions/11111111-2222-4333-8444-555555555501 --tables azure_resource,azure_activity_log

Exit codes: 0 complete, 2 partial (some units failed: see the cloudbuilder_scan_error table), 1 error, 64 usage.";
