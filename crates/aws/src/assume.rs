//! `sts:AssumeRole`, cached: the runbook's Step 3 as a library call.

use crate::error::one_line;
use crate::sts::{client, get_caller_identity};
use crate::{Error, ExternalId, MfaSerial, RoleArn, SessionName, SourceCredentials, TokenCode};
use aws_types::region::Region;
use cloudbuilder_creds::{
    CacheKey, Clock, CredentialCache, Origin, SessionDuration, TemporaryCredentials,
};
use time::OffsetDateTime;

/// An MFA device and, when already known, its current code.
#[derive(Debug, Clone)]
pub struct Mfa {
    /// The device.
    pub serial: MfaSerial,
    /// The code, if given up front; otherwise asked for only when STS must be called.
    pub code: Option<TokenCode>,
}

/// Asks for an MFA code when one is needed and was not given.
pub trait TokenCodeSource {
    /// Returns the current code for `serial`, or why none can be had.
    fn token_code(&self, serial: &MfaSerial) -> Result<TokenCode, Error>;
}

/// Everything that shapes one role assumption.
#[derive(Debug, Clone)]
pub struct AssumeRoleRequest {
    /// The role.
    pub role_arn: RoleArn,
    /// The session name that CloudTrail records.
    pub session_name: SessionName,
    /// The external id the role's trust policy requires, if any.
    pub external_id: Option<ExternalId>,
    /// The session length.
    pub duration: SessionDuration,
    /// The MFA device, when the role requires MFA.
    pub mfa: Option<Mfa>,
    /// Where the calling credentials come from.
    pub source: SourceCredentials,
    /// The region to call STS in; `None` uses STS's home region.
    pub region: Option<Region>,
    /// The profile whose endpoint, retry and timeout settings apply.
    pub config_profile: Option<String>,
    /// The STS endpoint override in effect (`AWS_ENDPOINT_URL_STS` or
    /// `AWS_ENDPOINT_URL`), so that credentials from an emulator and from AWS
    /// never share a cache entry. Empty when none.
    pub endpoint_override: String,
}

impl AssumeRoleRequest {
    fn cache_key(&self, source_access_key_id: &str) -> CacheKey {
        CacheKey::new(&[
            ("source", source_access_key_id),
            ("role", self.role_arn.as_str()),
            ("session", self.session_name.as_str()),
            (
                "external_id",
                self.external_id.as_ref().map_or("", ExternalId::as_str),
            ),
            ("duration", &self.duration.as_secs().to_string()),
            ("mfa", self.mfa.as_ref().map_or("", |m| m.serial.as_str())),
            ("endpoint", &self.endpoint_override),
        ])
    }
}

/// Assumes the role, serving from `cache` when it holds an entry with at least
/// five minutes left. Returns the credentials and whether they came from the cache.
pub async fn assume_role(
    request: &AssumeRoleRequest,
    cache: Option<&CredentialCache>,
    clock: &dyn Clock,
    codes: &dyn TokenCodeSource,
) -> Result<(TemporaryCredentials, Origin), Error> {
    tracing::debug!(source = %request.source.describe(), "resolving source credentials");
    let source = request.source.resolve(request.region.clone()).await?;
    let fetch = || call_sts(request, source.clone(), codes);
    let (creds, origin) = match cache {
        Some(cache) => {
            cache
                .get_or_fetch(&request.cache_key(source.access_key_id()), clock, fetch)
                .await?
        }
        None => (fetch().await?, Origin::Provider),
    };
    tracing::info!(
        role = %request.role_arn,
        session = request.session_name.as_str(),
        expires = %creds.expiration,
        from_cache = origin == Origin::Cache,
        "credentials ready"
    );
    Ok((creds, origin))
}

async fn call_sts(
    request: &AssumeRoleRequest,
    source: aws_credential_types::Credentials,
    codes: &dyn TokenCodeSource,
) -> Result<TemporaryCredentials, Error> {
    let chained = source.session_token().is_some();
    let sts = client(
        request.region.clone(),
        request.config_profile.as_deref(),
        source,
    )
    .await;

    // AWS caps role chaining at one hour. Temporary source credentials may be
    // an assumed role or a GetSessionToken session; only the first is capped, so
    // ask who they are before making a request that would be refused.
    if chained && request.duration.as_secs() > SessionDuration::CHAINED_MAX_SECS {
        let caller = get_caller_identity(&sts).await?;
        if caller.is_assumed_role() {
            return Err(Error::RoleChaining {
                requested: request.duration.to_string(),
                caller: caller.arn,
            });
        }
    }

    let mut call = sts
        .assume_role()
        .role_arn(request.role_arn.as_str())
        .role_session_name(request.session_name.as_str())
        .duration_seconds(i32::try_from(request.duration.as_secs()).unwrap_or(i32::MAX));
    if let Some(external_id) = &request.external_id {
        call = call.external_id(external_id.as_str());
    }
    if let Some(mfa) = &request.mfa {
        let code = match &mfa.code {
            Some(code) => code.clone(),
            None => codes.token_code(&mfa.serial)?,
        };
        call = call
            .serial_number(mfa.serial.as_str())
            .token_code(code.as_str());
    }
    tracing::debug!(role = %request.role_arn, session = request.session_name.as_str(), duration_secs = request.duration.as_secs(), "calling sts:AssumeRole");
    let out = call
        .send()
        .await
        .map_err(|e| explain(request, Error::from_sdk("AssumeRole", e)))?;

    let unexpected = |what: &str| Error::Unexpected {
        operation: "AssumeRole",
        message: format!("no {what} in the response"),
    };
    let creds = out.credentials.ok_or_else(|| unexpected("Credentials"))?;
    let expiration = OffsetDateTime::from_unix_timestamp(creds.expiration().secs())
        .map_err(|_| unexpected("valid Expiration"))?;
    Ok(TemporaryCredentials {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: creds.secret_access_key().to_owned().into(),
        session_token: creds.session_token().to_owned().into(),
        expiration,
        assumed_role_arn: out.assumed_role_user.map(|u| u.arn().to_owned()),
    })
}

/// Adds what a person needs to act on the refusals that have a known cause.
fn explain(request: &AssumeRoleRequest, err: Error) -> Error {
    match err {
        Error::Service {
            operation,
            code,
            message,
        } if code == "ValidationError" && message.contains("chaining") => {
            let _ = operation;
            Error::RoleChaining {
                requested: request.duration.to_string(),
                caller: "an assumed-role session".to_owned(),
            }
        }
        Error::Service {
            operation,
            code,
            message,
        } if message.contains("MaxSessionDuration") => Error::Service {
            operation,
            code,
            message: format!(
                "{} — ask for a shorter --duration than {} or raise the role's maximum session duration",
                message.trim_end_matches('.'),
                request.duration
            ),
        },
        Error::Service {
            operation,
            code,
            message,
        } if code == "AccessDenied" => Error::Service {
            operation,
            message: one_line(&format!(
                "{message} — check that the role's trust policy names the source identity{}",
                if request.external_id.is_some() {
                    " and that the external id matches"
                } else {
                    " and whether it requires an external id (--external-id)"
                }
            )),
            code,
        },
        other => other,
    }
}
