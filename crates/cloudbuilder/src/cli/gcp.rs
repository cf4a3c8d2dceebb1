//! The GCP flags of `role`, `creds gcp` and `scan gcp`.

use clap::Args;
use std::ffi::OsString;

/// The GCP part of a `role` command (used with `--cloud gcp`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "GCP (--cloud gcp)")]
pub struct RoleGcpArgs {
    /// Who gets the role, e.g. serviceAccount:cloud-builder@PROJECT.iam.gserviceaccount.com.
    #[arg(long, value_name = "MEMBER")]
    pub member: Option<String>,

    /// The custom role's id (3-64 of letters, digits, _ and .).
    #[arg(long, value_name = "ID", default_value = "cloudBuilder")]
    pub role_id: String,

    /// With a folders/ID scope: the folder's organization id, where the role is made
    /// (custom roles live only in organizations and projects) [default: looked up with folders.get].
    #[arg(long, value_name = "ID")]
    pub organization: Option<String>,

    /// A read permission to add to the ones the GCP tables declare (repeatable).
    #[arg(long = "permission", value_name = "PERMISSION")]
    pub permissions: Vec<String>,

    #[command(flatten)]
    pub federation: RoleFederationArgs,

    #[command(flatten)]
    pub connection: GcpConnectionArgs,
}

/// Keyless from AWS: the Workload Identity pool and AWS provider of a `role` command.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "GCP keyless from AWS (--cloud gcp --federate-from-aws)")]
pub struct RoleFederationArgs {
    /// Let sessions of this AWS IAM role act as the --member service account without a key:
    /// a Workload Identity pool and AWS provider pinned to the role, roles/iam.workloadIdentityUser
    /// on the service account, and the credential configuration `creds gcp --from-aws` uses.
    #[arg(long, value_name = "ROLE_ARN")]
    pub federate_from_aws: Option<String>,

    /// The project that holds the pool [default: the --member service account's project].
    #[arg(long, value_name = "PROJECT_ID", requires = "federate_from_aws")]
    pub federation_project: Option<String>,

    /// The Workload Identity pool's id [default: cloudbuilder].
    #[arg(long, value_name = "ID", requires = "federate_from_aws")]
    pub pool_id: Option<String>,

    /// The AWS provider's id [default: aws-ACCOUNT].
    #[arg(long, value_name = "ID", requires = "federate_from_aws")]
    pub provider_id: Option<String>,

    /// Where apply writes (verify reads, destroy removes) the credential configuration
    /// [default: gcp-from-aws.json in the user config folder's cloudbuilder folder].
    #[arg(long, value_name = "FILE", requires = "federate_from_aws")]
    pub credential_config: Option<std::path::PathBuf>,
}

/// Acting as the scanner service account from AWS credentials alone (`creds gcp`,
/// `scan gcp`): no key and no Google credentials of the caller's.
#[derive(Debug, Clone, Args)]
pub struct GcpFederationArgs {
    /// Use the AWS credentials in effect (the AWS SDK's standard chain: environment, profile,
    /// SSO, web identity, container, instance metadata) through the Workload Identity
    /// Federation `role apply --federate-from-aws` set up.
    #[arg(long, global = true)]
    pub from_aws: bool,

    /// The external-account credential configuration (implies --from-aws)
    /// [default: gcp-from-aws.json in the user config folder's cloudbuilder folder].
    #[arg(long, value_name = "FILE", global = true)]
    pub credential_config: Option<std::path::PathBuf>,

    /// With --from-aws: the AWS CLI profile whose credentials sign the exchange.
    #[arg(long, value_name = "NAME", global = true)]
    pub aws_profile: Option<String>,
}

impl GcpFederationArgs {
    /// Whether the flags ask for federation from AWS.
    pub fn enabled(&self) -> bool {
        self.from_aws || self.credential_config.is_some()
    }
}

/// Where the Google APIs are.
#[derive(Debug, Clone, Args)]
pub struct GcpConnectionArgs {
    /// One base URL for every Google API (tests point it at the contract fake).
    #[arg(
        long,
        value_name = "URL",
        env = "CLOUDBUILDER_GCP_ENDPOINT",
        hide = true
    )]
    pub gcp_endpoint: Option<String>,
}

/// `cloudbuilder creds gcp`
#[derive(Debug, Args)]
#[command(after_help = CREDS_GCP_EXAMPLES, args_conflicts_with_subcommands = false)]
pub struct CredsGcpArgs {
    /// The service account to mint a token for (the caller needs
    /// iam.serviceAccounts.getAccessToken on it) [with --from-aws: the configuration's].
    #[arg(long, value_name = "EMAIL", global = true)]
    pub impersonate: Option<String>,

    /// How long the token lives: 1s to 12h, e.g. 3600, 30m, 1h (Google allows
    /// more than 1h only where an org policy extends it).
    #[arg(long, value_name = "DURATION", default_value = "1h", global = true)]
    pub lifetime: String,

    /// OAuth scopes, comma-separated [default: https://www.googleapis.com/auth/cloud-platform].
    #[arg(long, value_name = "SCOPE,…", value_delimiter = ',', global = true)]
    pub scopes: Vec<String>,

    /// Output: env (POSIX export lines) or json.
    #[arg(long, default_value = "env", value_parser = ["env", "json"])]
    pub format: String,

    #[command(flatten)]
    pub connection: GcpConnectionArgs,

    #[command(flatten)]
    pub federation: GcpFederationArgs,

    #[command(subcommand)]
    pub exec: Option<CredsGcpCommand>,
}

/// `creds gcp exec`
#[derive(Debug, clap::Subcommand)]
pub enum CredsGcpCommand {
    /// Run a command with the token in CLOUDSDK_AUTH_ACCESS_TOKEN and GOOGLE_OAUTH_ACCESS_TOKEN.
    Exec {
        /// The command to run, after `--`.
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<OsString>,
    },
}

const CREDS_GCP_EXAMPLES: &str = "\
Examples:
  eval \"$(cloudbuilder creds gcp --impersonate cloud-builder@billing-admin.iam.gserviceaccount.com)\"
  cloudbuilder creds gcp --impersonate SA_EMAIL --lifetime 30m --format json
  cloudbuilder creds gcp exec --impersonate SA_EMAIL -- gcloud asset search-all-resources --scope=organizations/123
  cloudbuilder creds gcp --from-aws --format json

The caller's own credentials are Application Default Credentials; with --from-aws, the AWS
credentials in effect, federated through `role apply --cloud gcp --federate-from-aws`.";

/// `cloudbuilder scan gcp`
#[derive(Debug, Args)]
#[command(after_help = SCAN_GCP_EXAMPLES)]
pub struct ScanGcpArgs {
    /// What to scan: organizations/ID, folders/ID (every folder and project
    /// below it, however deep) or projects/PROJECT_ID.
    #[arg(long, value_name = "SCOPE")]
    pub scope: String,

    /// Tables to fill, comma-separated [default: every GCP table; gcp_billing_cost_daily
    /// only with --billing-export-table].
    #[arg(long, value_name = "T1,T2")]
    pub tables: Option<String>,

    /// The Cloud Billing export table, PROJECT.DATASET.TABLE, to read daily costs from
    /// (the query job runs in PROJECT).
    #[arg(long, value_name = "PROJECT.DATASET.TABLE")]
    pub billing_export_table: Option<String>,

    /// Scan as this service account: mint a short-lived token for it with the
    /// caller's credentials (the caller needs iam.serviceAccounts.getAccessToken on it).
    #[arg(long, value_name = "EMAIL")]
    pub impersonate: Option<String>,

    /// Units (table × project) fetched at once; the rate budgets, not this,
    /// keep the calls within Google's quotas.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,

    /// Pace calls at this fraction of Google's published quotas (0.01 to 10): below 1
    /// to leave room for other tools billing the same consumer project, above 1 where
    /// Google has raised its quotas.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub rate_scale: f64,

    #[command(flatten)]
    pub federation: GcpFederationArgs,

    #[command(flatten)]
    pub connection: GcpConnectionArgs,

    #[command(flatten)]
    pub store: super::StoreArgs,
}

const SCAN_GCP_EXAMPLES: &str = "\
Examples:
  cloudbuilder scan gcp --scope organizations/123456789012
  cloudbuilder scan gcp --scope folders/1001 --tables gcp_project,gcp_compute_instance,gcp_audit_log
  cloudbuilder scan gcp --scope organizations/123456789012 --impersonate cloud-builder@billing-admin.iam.gserviceaccount.com \\
      --billing-export-table billing-admin.billing_export.gcp_billing_export_v1_0A0A0A_0B0B0B_0C0C0C

The caller's credentials are Application Default Credentials, or the access token in
CLOUDBUILDER_GCP_ACCESS_TOKEN, or, with --from-aws, the AWS credentials in effect through the
Workload Identity Federation `role apply --federate-from-aws` set up (no Google key at all).

Exit codes: 0 complete, 2 partial (some units failed: see the cloudbuilder_scan_error table), 1 error, 64 usage.";
