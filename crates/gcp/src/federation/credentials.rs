//! Google credentials from AWS credentials alone: the AWS subject token
//! ([`AwsSubjectToken`]) is exchanged at Google's STS for a federated token by
//! google-cloud-auth's external-account credentials (which cache and refresh
//! it), and the federated principal then mints the scanner service account's
//! token with IAM Credentials `generateAccessToken`.
//!
//! The impersonation step is ours, not google-cloud-auth's: its
//! external-account builder that takes a custom subject token
//! (`ProgrammaticBuilder`) can impersonate only through
//! `https://iamcredentials.googleapis.com` (`with_target_principal` builds
//! that URL; no endpoint override), and its `impersonated::Builder` builds
//! `https://iamcredentials.{universe_domain}` (its endpoint override is
//! test-only). A configuration file's `service_account_impersonation_url` is
//! honoured here as gcloud honours it: at whatever base URL it names.

use super::AWS_SUBJECT_TOKEN_TYPE;
use super::config::CredentialConfig;
use super::subject_token::AwsSubjectToken;
use crate::Connection;
use crate::error::{Error, Result, first_line};
use crate::mint::{CLOUD_PLATFORM, MintedToken, TokenRequest, generate_access_token};
use aws_credential_types::provider::SharedCredentialsProvider;
use google_cloud_auth::credentials::external_account::ProgrammaticBuilder;
use google_cloud_auth::credentials::{
    CacheableResource, Credentials, CredentialsProvider, EntityTag,
};
use google_cloud_auth::errors::CredentialsError;
use http::{Extensions, HeaderMap, HeaderValue};
use std::sync::Arc;
use time::OffsetDateTime;

/// How long before expiry a minted service-account token is replaced.
const REFRESH_MARGIN_SECS: i64 = 300;

/// Where the AWS side of the federation comes from.
#[derive(Debug, Clone)]
pub struct AwsSource {
    /// The AWS credentials (the SDK's standard chain, in the binary).
    pub credentials: SharedCredentialsProvider,
    /// The AWS region the request is signed for.
    pub region: String,
    /// The AWS SDK's endpoint override (`AWS_ENDPOINT_URL`), if any: the
    /// signed request names it instead of the configuration's STS URL.
    pub sts_endpoint: Option<String>,
}

/// A credential configuration and the AWS credentials to use it with.
#[derive(Debug, Clone)]
pub struct AwsFederation {
    config: CredentialConfig,
    source: AwsSource,
}

impl AwsFederation {
    /// Pairs a configuration with an AWS source.
    pub fn new(config: CredentialConfig, source: AwsSource) -> Self {
        AwsFederation { config, source }
    }

    /// The configuration.
    pub fn config(&self) -> &CredentialConfig {
        &self.config
    }

    /// The service account the configuration acts as.
    pub fn service_account(&self) -> Result<&str> {
        self.config.service_account().ok_or_else(|| {
            Error::invalid(
                "--credential-config",
                "service_account_impersonation_url names no service account",
            )
        })
    }

    /// The subject token provider for this configuration.
    pub fn subject_token(&self) -> AwsSubjectToken {
        AwsSubjectToken::new(
            self.source.credentials.clone(),
            &self.source.region,
            &self.config.regional_cred_verification_url,
            self.source.sts_endpoint.as_deref(),
            &self.config.audience,
        )
    }

    /// The federated principal's credentials (STS tokens, refreshed by
    /// google-cloud-auth), before any impersonation.
    pub fn federated_credentials(&self) -> Result<Credentials> {
        ProgrammaticBuilder::new(Arc::new(self.subject_token()))
            .with_audience(self.config.audience.clone())
            .with_subject_token_type(AWS_SUBJECT_TOKEN_TYPE)
            .with_token_url(self.config.token_url.clone())
            .with_scopes([CLOUD_PLATFORM])
            .build()
            .map_err(|e| Error::Credentials(first_line(&e.to_string())))
    }

    /// A connection, as the federated principal, to the IAM Credentials
    /// endpoint the configuration names.
    pub fn minting_connection(&self) -> Result<Connection> {
        let endpoint = self
            .config
            .iam_credentials_endpoint()
            .filter(|e| *e != super::config::IAM_CREDENTIALS_ENDPOINT)
            .map(str::to_owned);
        Ok(Connection::with_credentials(
            endpoint,
            self.federated_credentials()?,
        ))
    }

    /// Mints one service-account token (`generateAccessToken` as the
    /// federated principal).
    pub async fn mint(&self, request: &TokenRequest) -> Result<MintedToken> {
        generate_access_token(&self.minting_connection()?, request).await
    }

    /// Credentials that act as the service account and mint a new token
    /// shortly before the current one expires.
    pub fn service_account_credentials(&self) -> Result<Credentials> {
        let request = TokenRequest::new(self.service_account()?, Vec::new(), 3_600)?;
        Ok(Credentials::from(Impersonated {
            minting: self.minting_connection()?,
            request,
            current: tokio::sync::Mutex::new(None),
        }))
    }
}

/// The service account's token, minted on first use and again near expiry.
#[derive(Debug)]
struct Impersonated {
    minting: Connection,
    request: TokenRequest,
    current: tokio::sync::Mutex<Option<MintedToken>>,
}

impl CredentialsProvider for Impersonated {
    async fn headers(
        &self,
        _extensions: Extensions,
    ) -> std::result::Result<CacheableResource<HeaderMap>, CredentialsError> {
        let mut current = self.current.lock().await;
        let fresh = current.as_ref().is_some_and(|m| {
            (m.expires - OffsetDateTime::now_utc()).whole_seconds() > REFRESH_MARGIN_SECS
        });
        if !fresh {
            let minted = generate_access_token(&self.minting, &self.request)
                .await
                .map_err(|e| CredentialsError::from_msg(false, e.to_string()))?;
            *current = Some(minted);
        }
        let token = current
            .as_ref()
            .map(|m| m.token.expose().to_owned())
            .unwrap_or_default();
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            CredentialsError::from_msg(false, "the access token is not a valid header value")
        })?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, value);
        Ok(CacheableResource::New {
            entity_tag: EntityTag::new(),
            data: headers,
        })
    }

    async fn universe_domain(&self) -> Option<String> {
        None
    }
}
