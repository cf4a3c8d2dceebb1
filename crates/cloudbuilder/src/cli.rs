//! The command line, as clap structs. Parsing only: meaning lives in `commands`.

mod azure;
mod gcp;

pub use azure::{
    CredsAzureArgs, CredsAzureCommand, CredsAzureExecArgs, RoleAzureArgs, ScanAzureArgs,
};
pub use gcp::{
    CredsGcpArgs, CredsGcpCommand, GcpFederationArgs, RoleFederationArgs, RoleGcpArgs, ScanGcpArgs,
};

use clap::{Args, Parser, Subcommand};
use cloudbuilder_creds::OutputFormat;
use std::ffi::OsString;

/// See your whole cloud estate through a least-privilege, read-only identity and short-lived credentials.
#[derive(Debug, Parser)]
#[command(name = "cloudbuilder", version, propagate_version = true, after_help = EXAMPLES)]
pub struct Cli {
    /// More log detail on standard error: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  eval \"$(cloudbuilder creds assume --role-arn arn:aws:iam::123456789012:role/CloudBuilder --external-id acme)\"
  cloudbuilder creds exec --profile scanner -- aws ec2 describe-instances
  cloudbuilder creds whoami
  cloudbuilder role apply --cloud aws --scope organization --trusted-principal arn:aws:iam::111122223333:role/Scanner --external-id acme
  cloudbuilder scan aws --org --external-id acme
  cloudbuilder query \"SELECT account_id, region, count(*) FROM aws_ec2_instance GROUP BY 1, 2\"";

/// The top-level commands.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only add noise"
)]
pub enum Command {
    /// Short-lived AWS credentials: assume a role, run a command with it, write a profile.
    #[command(subcommand)]
    Creds(CredsCommand),
    /// Provision the read-only Cloud Builder role: plan, apply, verify, destroy.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Scan inventory into the store.
    #[command(subcommand)]
    Scan(ScanCommand),
    /// Run a read-only SQL query against the store.
    #[command(after_help = QUERY_EXAMPLES)]
    Query(QueryArgs),
    /// List the tables a scan fills, their columns and the permissions they need.
    Tables(TablesArgs),
}

/// `cloudbuilder scan …`
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only add noise"
)]
pub enum ScanCommand {
    /// Scan AWS: the caller's account, or every account of the organization.
    #[command(after_help = SCAN_AWS_EXAMPLES)]
    Aws(ScanAwsArgs),
    /// Scan GCP: every project under an organization, folder or project.
    Gcp(ScanGcpArgs),
    /// Scan Azure: every subscription under a management group, or one subscription.
    Azure(ScanAzureArgs),
}

const SCAN_AWS_EXAMPLES: &str = "\
Examples:
  cloudbuilder scan aws --regions us-east-1,eu-west-1
  cloudbuilder scan aws --org --external-id acme --tables aws_ec2_instance,aws_ebs_volume
  cloudbuilder scan aws --org --ou ou-ab12-34cd56ef --exclude-account 111122223333

Exit codes: 0 complete, 2 partial (some units failed: see the cloudbuilder_scan_error table), 1 error, 64 usage.";

const QUERY_EXAMPLES: &str = "\
Examples:
  cloudbuilder query \"SELECT account_id, region, count(*) FROM aws_ec2_instance GROUP BY 1, 2\"
  cloudbuilder query \"SELECT instance_id, tags ->> '$.Name' AS name FROM aws_ec2_instance\" --format json
  cloudbuilder query \"SELECT * FROM cloudbuilder_scan_error\" --format csv";

/// Where the store is.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The SQLite store file [default: $CLOUDBUILDER_STORE, else cloudbuilder.db in the user data folder].
    #[arg(long, value_name = "PATH")]
    pub store: Option<std::path::PathBuf>,
}

/// `scan aws`
#[derive(Debug, Args)]
pub struct ScanAwsArgs {
    /// Scan every active account of the organization (the caller must be able to list them).
    #[arg(long)]
    pub org: bool,

    /// With --org: only accounts under these OUs or roots, recursively (repeatable).
    #[arg(long = "ou", value_name = "ID", requires = "org")]
    pub ous: Vec<String>,

    /// With --org: leave this account out (repeatable).
    #[arg(long = "exclude-account", value_name = "ID", requires = "org")]
    pub exclude_accounts: Vec<String>,

    /// Regions to scan: `all` (every enabled region) or a comma-separated list.
    #[arg(long, value_name = "all|R1,R2", default_value = "all")]
    pub regions: String,

    /// Tables to fill, comma-separated [default: every AWS table].
    #[arg(long, value_name = "T1,T2")]
    pub tables: Option<String>,

    /// The role assumed in each account [default with --org: CloudBuilder; without: the caller's own credentials].
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,

    /// The external id the Cloud Builder role's trust policy requires.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// Read CloudTrail events from this bucket's log files (an organization or account
    /// trail) instead of LookupEvents; read as the management account's Cloud Builder role.
    #[arg(long, value_name = "BUCKET")]
    pub trail_bucket: Option<String>,

    /// The AWS CLI profile whose credentials scan (assume the member roles).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Units (table × account × region) fetched at once; the per-API rate budgets,
    /// not this, keep the calls within AWS's limits.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub concurrency: usize,

    /// Pace calls at this fraction of AWS's published rate limits (0.01 to 10): below 1
    /// to leave room for other tools calling the same accounts, above 1 where AWS has
    /// raised an account's limits.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub rate_scale: f64,

    #[command(flatten)]
    pub store: StoreArgs,
}

/// `query`
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One read-only SQL statement.
    pub sql: String,

    /// Output: table, json (an array of objects keyed by column) or csv.
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,

    #[command(flatten)]
    pub store: StoreArgs,
}

/// `tables`
#[derive(Debug, Args)]
pub struct TablesArgs {
    /// Only this cloud's tables.
    #[arg(long, value_parser = ["aws", "gcp", "azure"])]
    pub cloud: Option<String>,

    /// Output: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// `cloudbuilder creds …`
#[derive(Debug, Subcommand)]
pub enum CredsCommand {
    /// Assume a role with STS and print the temporary credentials.
    #[command(after_help = ASSUME_EXAMPLES)]
    Assume(AssumeArgs),
    /// Run a command with a role's temporary credentials in its environment.
    #[command(after_help = EXEC_EXAMPLES)]
    Exec(ExecArgs),
    /// Assume a role and write its credentials as a profile in the shared credentials file.
    #[command(after_help = WRITE_PROFILE_EXAMPLES)]
    WriteProfile(WriteProfileArgs),
    /// Show who the credentials in effect belong to (sts:GetCallerIdentity).
    Whoami(WhoamiArgs),
    /// Delete every cached credential.
    ClearCache,
    /// A short-lived GCP access token for the Cloud Builder service account.
    Gcp(CredsGcpArgs),
    /// A short-lived Azure access token for the Cloud Builder service principal.
    Azure(CredsAzureArgs),
}

const ASSUME_EXAMPLES: &str = "\
Examples:
  eval \"$(cloudbuilder creds assume --role-arn arn:aws:iam::123456789012:role/CloudBuilder --external-id acme)\"
  cloudbuilder creds assume --profile scanner --duration 90m --format json
  cloudbuilder creds assume --role-arn ARN --format fish | source

As the AWS CLI's credential_process, in ~/.aws/config:
  [profile cloudbuilder]
  credential_process = cloudbuilder creds assume --role-arn ARN --external-id acme --format credential-process";

const EXEC_EXAMPLES: &str = "\
Examples:
  cloudbuilder creds exec --role-arn arn:aws:iam::123456789012:role/CloudBuilder -- aws ec2 describe-instances
  cloudbuilder creds exec --profile scanner --region eu-west-1 -- terraform plan";

const WRITE_PROFILE_EXAMPLES: &str = "\
Examples:
  cloudbuilder creds write-profile --name cloudbuilder --role-arn arn:aws:iam::123456789012:role/CloudBuilder
  aws --profile cloudbuilder sts get-caller-identity";

/// Which role to assume, and how.
#[derive(Debug, Clone, Args)]
pub struct RoleArgs {
    /// The role to assume, e.g. arn:aws:iam::123456789012:role/CloudBuilder.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,

    /// An AWS CLI profile: with --role-arn, the source of the calling credentials; alone, a
    /// profile whose role_arn, source_profile/credential_source, external_id, mfa_serial,
    /// duration_seconds and role_session_name say what to assume.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The external id the role's trust policy requires.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// The session name CloudTrail records (2-64 of letters, digits, _+=,.@-) [default: cloudbuilder-$USER].
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,

    /// Session length, 15m to 12h: 3600, 90m, 1h, 12h [default: 1h, or the profile's duration_seconds].
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,

    /// The MFA device (ARN or serial) the role requires.
    #[arg(long, value_name = "SERIAL")]
    pub mfa_serial: Option<String>,

    /// The MFA device's current 6-digit code; asked for on the terminal when missing.
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,

    /// The region to call STS in, and to hand to tools along with the credentials.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Neither read nor write the credential cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// `creds assume`
#[derive(Debug, Args)]
pub struct AssumeArgs {
    #[command(flatten)]
    pub role: RoleArgs,

    /// Output: env (POSIX export lines), fish, powershell, json, credential-process.
    #[arg(long, default_value = "env", value_parser = parse_format)]
    pub format: OutputFormat,
}

/// `creds exec`
#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub role: RoleArgs,

    /// The command to run, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `creds write-profile`
#[derive(Debug, Args)]
pub struct WriteProfileArgs {
    /// The profile to write or update in the shared credentials file.
    #[arg(long, value_name = "NAME")]
    pub name: String,

    #[command(flatten)]
    pub role: RoleArgs,
}

/// `creds whoami`
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Use this AWS CLI profile instead of the default credential chain.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The region to call STS in.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Output: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

fn parse_format(text: &str) -> Result<OutputFormat, String> {
    text.parse()
}

/// `cloudbuilder role …`
#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Write the role's documents, CloudFormation templates and aws CLI commands; change nothing.
    #[command(after_help = ROLE_PLAN_EXAMPLES)]
    Plan(RolePlanArgs),
    /// Create the role, or bring it back to the plan, in one account or every account of the organization.
    #[command(after_help = ROLE_APPLY_EXAMPLES)]
    Apply(RoleApplyArgs),
    /// Read the role back, report drift from the plan, and prove it by assuming it.
    #[command(after_help = ROLE_VERIFY_EXAMPLES)]
    Verify(RoleVerifyArgs),
    /// Remove what apply made (only roles tagged managed-by=cloudbuilder).
    Destroy(RoleDestroyArgs),
}

impl RoleCommand {
    /// The cloud the command works on.
    pub fn cloud(&self) -> &str {
        match self {
            RoleCommand::Plan(a) => &a.target.cloud,
            RoleCommand::Apply(a) => &a.target.cloud,
            RoleCommand::Verify(a) => &a.target.cloud,
            RoleCommand::Destroy(a) => &a.target.cloud,
        }
    }
}

const ROLE_PLAN_EXAMPLES: &str = "\
Examples:
  cloudbuilder role plan --cloud aws --trusted-principal arn:aws:iam::111122223333:role/Scanner --external-id acme --out plan/
  cloudbuilder role plan --cloud aws --scope organization --ou ou-ab12-cd34ef56 --external-id acme --out plan/";

const ROLE_APPLY_EXAMPLES: &str = "\
Examples:
  cloudbuilder role apply --cloud aws --trusted-principal arn:aws:iam::111122223333:role/Scanner --external-id acme
  cloudbuilder role apply --cloud aws --scope organization --exclude-account 444455556666 --external-id acme
  cloudbuilder role apply --cloud aws --scope organization --via stackset --external-id acme

verify and destroy take the same flags as apply.
Exit codes: 0 done, 2 some accounts failed (see the table), 1 error, 64 usage.";

const ROLE_VERIFY_EXAMPLES: &str = "\
Examples:
  cloudbuilder role verify --cloud aws --trusted-principal arn:aws:iam::111122223333:role/Scanner --external-id acme
  cloudbuilder role verify --cloud aws --scope organization --external-id acme --scanner-profile scanner

Exit codes: 0 as planned, 1 drift (or a failed probe), 2 some accounts could not be read, 64 usage.";

/// Which accounts a role command touches, and how it reaches them.
#[derive(Debug, Clone, Args)]
pub struct RoleTargetArgs {
    /// The cloud.
    #[arg(long, value_parser = ["aws", "gcp", "azure"])]
    pub cloud: String,

    /// Where the role is made. AWS: `account` (the caller's account, the default) or
    /// `organization` (every active account). GCP: organizations/ID, folders/ID or
    /// projects/ID. Azure: /providers/Microsoft.Management/managementGroups/ID,
    /// /subscriptions/GUID or /subscriptions/GUID/resourceGroups/NAME.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,

    /// The role's name.
    #[arg(long, value_name = "NAME", default_value = "CloudBuilder")]
    pub role_name: String,

    /// With --scope organization: only accounts under these OUs or roots, recursively (repeatable).
    #[arg(long = "ou", value_name = "ID")]
    pub ous: Vec<String>,

    /// With --scope organization: leave this account out (repeatable).
    #[arg(long = "exclude-account", value_name = "ID")]
    pub exclude_accounts: Vec<String>,

    /// With --scope organization: the role assumed in each member account to manage its IAM.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub access_role: String,

    /// Accounts worked on at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,

    /// The AWS CLI profile whose credentials administer the account or organization.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The region for STS and StackSet instances [default: the profile's, else us-east-1].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Output: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// What the role should be.
#[derive(Debug, Clone, Args)]
pub struct RoleDefinitionArgs {
    /// Who may assume the role: an IAM user or role ARN, or an account id [default: the caller's account].
    #[arg(long, value_name = "ARN")]
    pub trusted_principal: Option<String>,

    /// The external id the trust policy requires (strongly advised).
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// Require MFA to assume the role.
    #[arg(long)]
    pub require_mfa: bool,

    /// The longest session the role allows, 1h to 12h.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub max_session: String,

    /// A managed policy to attach as well (repeatable), e.g. arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess.
    #[arg(long = "managed-policy", value_name = "ARN")]
    pub managed_policies: Vec<String>,

    /// The CloudTrail bucket whose log files the role may read (else no object read at all).
    #[arg(long, value_name = "BUCKET")]
    pub trail_bucket: Option<String>,
}

/// `role plan`
#[derive(Debug, Args)]
pub struct RolePlanArgs {
    #[command(flatten)]
    pub target: RoleTargetArgs,

    #[command(flatten)]
    pub gcp: RoleGcpArgs,

    #[command(flatten)]
    pub azure: RoleAzureArgs,

    #[command(flatten)]
    pub definition: RoleDefinitionArgs,

    /// The folder to write the files into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "cloud-builder-plan")]
    pub out: std::path::PathBuf,
}

/// `role apply`
#[derive(Debug, Args)]
pub struct RoleApplyArgs {
    #[command(flatten)]
    pub target: RoleTargetArgs,

    #[command(flatten)]
    pub gcp: RoleGcpArgs,

    #[command(flatten)]
    pub azure: RoleAzureArgs,

    #[command(flatten)]
    pub definition: RoleDefinitionArgs,

    /// How members get the role: `iam` (through each member's access role) or `stackset`
    /// (a service-managed StackSet with automatic deployment).
    #[arg(long, default_value = "iam", value_parser = ["iam", "stackset"])]
    pub via: String,

    /// Take over an existing role of that name that cloudbuilder did not create.
    #[arg(long)]
    pub adopt: bool,

    /// With --cloud gcp --federate-from-aws: the folder to write the credential
    /// configuration (gcp-from-aws.json) into [default: the user config folder's cloudbuilder folder].
    #[arg(
        long,
        value_name = "DIR",
        requires = "federate_from_aws",
        conflicts_with = "credential_config"
    )]
    pub out: Option<std::path::PathBuf>,
}

/// `role verify`
#[derive(Debug, Args)]
pub struct RoleVerifyArgs {
    #[command(flatten)]
    pub target: RoleTargetArgs,

    #[command(flatten)]
    pub gcp: RoleGcpArgs,

    #[command(flatten)]
    pub azure: RoleAzureArgs,

    #[command(flatten)]
    pub definition: RoleDefinitionArgs,

    /// The AWS CLI profile of the trusted principal, to assume the role with for the probes
    /// [default: the caller's credentials; probes are skipped if the role does not trust them].
    #[arg(long, value_name = "NAME")]
    pub scanner_profile: Option<String>,

    /// Only compare with the plan; do not assume the role.
    #[arg(long)]
    pub no_probe: bool,
}

/// `role destroy`
#[derive(Debug, Args)]
pub struct RoleDestroyArgs {
    #[command(flatten)]
    pub target: RoleTargetArgs,

    #[command(flatten)]
    pub gcp: RoleGcpArgs,

    #[command(flatten)]
    pub azure: RoleAzureArgs,

    /// Remove the StackSet (and its instances) too.
    #[arg(long, default_value = "iam", value_parser = ["iam", "stackset"])]
    pub via: String,
}
