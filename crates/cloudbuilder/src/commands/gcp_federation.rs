//! `--from-aws`: the scanner service account's Google credentials from the
//! AWS credentials in effect, through the Workload Identity Federation that
//! `role apply --cloud gcp --federate-from-aws` set up. Resolves the
//! credential configuration file and the AWS side (the SDK's standard
//! chain, region and endpoint), for `creds gcp` and `scan gcp`.

use crate::cli::GcpFederationArgs;
use anyhow::Context;
use aws_config::BehaviorVersion;
use cloudbuilder_gcp::Connection;
use cloudbuilder_gcp::federation::config::{self, FILE_NAME};
use cloudbuilder_gcp::federation::credentials::{AwsFederation, AwsSource};
use std::path::PathBuf;

/// The region a request is signed for when none is configured.
const FALLBACK_REGION: &str = "us-east-1";

/// Where the credential configuration lives unless a flag says otherwise:
/// `gcp-from-aws.json` in the user config folder's `cloudbuilder` folder.
pub fn default_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("cloudbuilder")
        .join(FILE_NAME)
}

/// The federation the flags ask for, or None without `--from-aws`.
pub async fn federation(args: &GcpFederationArgs) -> anyhow::Result<Option<AwsFederation>> {
    if !args.enabled() {
        return Ok(None);
    }
    let (field, path) = match &args.credential_config {
        Some(path) => ("--credential-config", path.clone()),
        None => ("--from-aws", default_config_path()),
    };
    let config = config::read(field, &path)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &args.aws_profile {
        crate::commands::creds::read_profile(profile).await?;
        loader = loader.profile_name(profile);
    }
    let sdk = loader.load().await;
    let credentials = sdk
        .credentials_provider()
        .context("no AWS credentials provider is configured")?;
    let source = AwsSource {
        credentials,
        region: sdk
            .region()
            .map_or_else(|| FALLBACK_REGION.to_owned(), ToString::to_string),
        sts_endpoint: sdk.endpoint_url().map(str::to_owned),
    };
    Ok(Some(AwsFederation::new(config, source)))
}

/// The connection a GCP command uses: federated from AWS with `--from-aws`,
/// else the caller's token variable or Application Default Credentials.
/// `scan gcp` flattens [`GcpFederationArgs`] into its flags and calls this.
pub async fn connection(
    endpoint: Option<&str>,
    args: &GcpFederationArgs,
) -> anyhow::Result<Connection> {
    match federation(args).await? {
        Some(federation) => Ok(Connection::from_aws_federation(
            endpoint.map(str::to_owned),
            &federation,
        )?),
        None => crate::commands::role::gcp::connection(endpoint),
    }
}
