//! `creds whoami`: the caller identity of the credentials in effect.

use crate::cli::WhoamiArgs;
use anyhow::Context;
use cloudbuilder_aws::SourceCredentials;
use std::process::ExitCode;

/// Runs `creds whoami`.
pub async fn run(args: WhoamiArgs) -> anyhow::Result<ExitCode> {
    if let Some(region) = &args.region {
        super::validate_region(region)?;
    }
    let source = match &args.profile {
        Some(name) => {
            // Read it first so that an unknown name is a usage error, not a chain failure.
            super::read_profile(name).await?;
            SourceCredentials::Profile(name.clone())
        }
        None => SourceCredentials::DefaultChain,
    };
    let region =
        cloudbuilder_aws::resolve_region(args.region.as_deref(), args.profile.as_deref()).await;
    let me = cloudbuilder_aws::caller_identity(&source, region, args.profile.as_deref())
        .await
        .with_context(|| format!("cannot identify the credentials from {}", source.describe()))?;
    if args.format == "json" {
        let value =
            serde_json::json!({ "Account": me.account, "Arn": me.arn, "UserId": me.user_id });
        println!("{value:#}");
    } else {
        println!(
            "Account  {}\nArn      {}\nUserId   {}",
            me.account, me.arn, me.user_id
        );
    }
    Ok(ExitCode::SUCCESS)
}
