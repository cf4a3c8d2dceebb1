//! `cloudbuilder creds …`: short-lived AWS credentials. The shared part turns
//! the role flags (and an AWS CLI profile) into one AssumeRole request.

pub mod assume;
pub mod azure;
pub mod clear_cache;
pub mod exec;
pub mod gcp;
pub mod whoami;
pub mod write_profile;

use crate::cli::RoleArgs;
use crate::exit::UsageError;
use anyhow::Context;
use cloudbuilder_aws::{
    AssumeRoleRequest, ExternalId, Mfa, MfaSerial, RoleArn, SessionName, SourceCredentials,
    TokenCode, TokenCodeSource,
};
use cloudbuilder_creds::{CredentialCache, SessionDuration, SystemClock, TemporaryCredentials};
use std::io::{BufRead, IsTerminal, Write};

/// The cache folder's name under the user cache directory.
const CACHE_NAMESPACE: &str = "aws-sts";

/// Credentials for the role the flags name, and the region to hand out with them.
pub struct Assumed {
    pub credentials: TemporaryCredentials,
    pub region: Option<String>,
}

/// Resolves the flags, then assumes the role (through the cache unless `--no-cache`).
pub async fn assume(args: &RoleArgs) -> anyhow::Result<Assumed> {
    let request = request_from(args).await?;
    let cache = if args.no_cache { None } else { user_cache() };
    let (credentials, _) =
        cloudbuilder_aws::assume_role(&request, cache.as_ref(), &SystemClock, &TerminalPrompt)
            .await
            .with_context(|| format!("cannot assume {}", request.role_arn))?;
    Ok(Assumed {
        credentials,
        region: request.region.map(|r| r.to_string()),
    })
}

/// The user's credential cache, or none (with a warning) when there is no cache directory.
pub fn user_cache() -> Option<CredentialCache> {
    match CredentialCache::in_user_cache_dir(CACHE_NAMESPACE) {
        Ok(cache) => Some(cache),
        Err(e) => {
            tracing::warn!("credential cache disabled: {e}");
            None
        }
    }
}

/// Builds the AssumeRole request: flags first, then the profile's keys, then defaults.
async fn request_from(args: &RoleArgs) -> anyhow::Result<AssumeRoleRequest> {
    let profile = match &args.profile {
        Some(name) => Some(read_profile(name).await?),
        None => None,
    };

    // An explicit --role-arn makes the profile only the source of the calling
    // credentials; its own role keys belong to its own role and are not used.
    let (role_arn, role_profile) = match (&args.role_arn, &profile) {
        (Some(arn), _) => (RoleArn::parse("--role-arn", arn)?, None),
        (None, Some(p)) => match &p.role_arn {
            Some(arn) => (arn.clone(), Some(p)),
            None => {
                return Err(UsageError::new(
                    "--role-arn",
                    format!(
                        "required: profile '{}' has no role_arn, so pass the role to assume",
                        p.name
                    ),
                )
                .into());
            }
        },
        (None, None) => {
            return Err(UsageError::new(
                "--role-arn",
                "required: pass the role to assume, or --profile naming a profile with role_arn",
            )
            .into());
        }
    };

    let source = match (role_profile, &args.profile) {
        (Some(p), _) => p.source.clone().map(SourceCredentials::from).ok_or_else(|| {
            UsageError::new(
                format!("profile '{}'", p.name),
                "has role_arn but neither source_profile nor credential_source; add one so the role can be assumed",
            )
        })?,
        (None, Some(name)) => SourceCredentials::Profile(name.clone()),
        (None, None) => SourceCredentials::DefaultChain,
    };

    let external_id = match &args.external_id {
        Some(id) => Some(ExternalId::parse("--external-id", id)?),
        None => role_profile.and_then(|p| p.external_id.clone()),
    };
    let session_name = match &args.session_name {
        Some(name) => SessionName::parse("--session-name", name)?,
        None => match role_profile.and_then(|p| p.session_name.clone()) {
            Some(name) => name,
            None => SessionName::for_user(local_user().as_deref()),
        },
    };
    let duration = match &args.duration {
        Some(text) => SessionDuration::parse("--duration", text)?,
        None => role_profile
            .and_then(|p| p.duration)
            .unwrap_or(SessionDuration::DEFAULT),
    };
    let serial = match &args.mfa_serial {
        Some(serial) => Some(MfaSerial::parse("--mfa-serial", serial)?),
        None => role_profile.and_then(|p| p.mfa_serial.clone()),
    };
    let code = args
        .token_code
        .as_deref()
        .map(|code| TokenCode::parse("--token-code", code))
        .transpose()?;
    let mfa = match (serial, code) {
        (Some(serial), code) => Some(Mfa { serial, code }),
        (None, Some(_)) => {
            return Err(UsageError::new(
                "--token-code",
                "needs --mfa-serial (or mfa_serial in the profile)",
            )
            .into());
        }
        (None, None) => None,
    };
    if let Some(region) = &args.region {
        validate_region(region)?;
    }
    let region =
        cloudbuilder_aws::resolve_region(args.region.as_deref(), args.profile.as_deref()).await;

    Ok(AssumeRoleRequest {
        role_arn,
        session_name,
        external_id,
        duration,
        mfa,
        source,
        region,
        config_profile: args.profile.clone(),
        endpoint_override: ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .unwrap_or_default(),
    })
}

/// Region names are lowercase letters, digits and dashes (`eu-west-1`, `us-gov-east-1`).
pub fn validate_region(region: &str) -> Result<(), UsageError> {
    let ok = (2..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(UsageError::new(
            "--region",
            format!(
                "'{region}' is not a region name; expected lowercase letters, digits and dashes, e.g. eu-west-1"
            ),
        ))
    }
}

fn local_user() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

/// Reads an AWS CLI profile from the real environment and files.
pub async fn read_profile(
    name: &str,
) -> Result<cloudbuilder_aws::ProfileSettings, cloudbuilder_aws::Error> {
    use aws_types::os_shim_internal::{Env, Fs};
    cloudbuilder_aws::read_profile(name, &Env::real(), &Fs::real()).await
}

/// Asks for the MFA code on the terminal, or explains why it cannot.
struct TerminalPrompt;

impl TokenCodeSource for TerminalPrompt {
    fn token_code(&self, serial: &MfaSerial) -> Result<TokenCode, cloudbuilder_aws::Error> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(cloudbuilder_aws::Error::TokenCodeRequired {
                serial: serial.as_str().to_owned(),
            });
        }
        eprint!("MFA code for {}: ", serial.as_str());
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|_| {
            cloudbuilder_aws::Error::TokenCodeRequired {
                serial: serial.as_str().to_owned(),
            }
        })?;
        TokenCode::parse("MFA code", &line)
    }
}
