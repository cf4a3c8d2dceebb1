//! A role in another account, assumed with the SDK's own `AssumeRoleProvider`
//! behind its identity cache (refreshed before expiry however long the work
//! runs). The first AssumeRole is made up front and its answer reused, so a
//! role that cannot be assumed is one clear error instead of a credential
//! failure deep inside some later request. Used by the scan (the Cloud Builder
//! role in each member) and by role provisioning (the organization's access
//! role in each member).

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use std::sync::Mutex;

/// The role assumed in each account.
#[derive(Debug, Clone)]
pub struct MemberRole {
    /// The role's name, e.g. `CloudBuilder`.
    pub name: String,
    /// The external id its trust policy requires.
    pub external_id: Option<String>,
    /// The session name CloudTrail records.
    pub session_name: String,
    /// The partition, e.g. `aws`.
    pub partition: String,
}

/// Why a member role could not be assumed: STS's code when it gave one, and the whole story.
#[derive(Debug, Clone)]
pub struct AssumeFailure {
    /// `AccessDenied`, `InvalidClientTokenId`, `ExpiredToken`, `RegionDisabledException`, else `AssumeRoleFailed`.
    pub code: &'static str,
    /// `cannot assume <arn>: <what the SDK said>`.
    pub message: String,
}

impl MemberRole {
    /// The role's ARN in `account_id`.
    pub fn arn(&self, account_id: &str) -> String {
        format!(
            "arn:{}:iam::{account_id}:role/{}",
            self.partition, self.name
        )
    }

    /// Assumes the role in `account_id` with `base`'s credentials: the first
    /// session now, later ones by the SDK's provider when this one nears expiry.
    pub async fn credentials(
        &self,
        base: &SdkConfig,
        account_id: &str,
    ) -> Result<SharedCredentialsProvider, AssumeFailure> {
        let arn = self.arn(account_id);
        let mut builder =
            AssumeRoleProvider::builder(arn.clone()).session_name(self.session_name.clone());
        if let Some(id) = &self.external_id {
            builder = builder.external_id(id.clone());
        }
        let provider = builder.configure(base).build().await;
        match provider.provide_credentials().await {
            Ok(first) => Ok(SharedCredentialsProvider::new(Primed {
                first: Mutex::new(Some(first)),
                inner: provider,
            })),
            Err(e) => Err(failure(&arn, &e)),
        }
    }

    /// `base` with this role's credentials in `account_id`.
    pub async fn config(
        &self,
        base: &SdkConfig,
        account_id: &str,
    ) -> Result<SdkConfig, AssumeFailure> {
        let credentials = self.credentials(base, account_id).await?;
        Ok(base.to_builder().credentials_provider(credentials).build())
    }
}

/// The provider that hands out the up-front session once, then defers to the SDK's.
#[derive(Debug)]
struct Primed {
    first: Mutex<Option<Credentials>>,
    inner: AssumeRoleProvider,
}

impl ProvideCredentials for Primed {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        match self.first.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(first) => future::ProvideCredentials::ready(Ok(first)),
            None => self.inner.provide_credentials(),
        }
    }
}

fn failure(arn: &str, err: &CredentialsError) -> AssumeFailure {
    let text = aws_sdk_sts::error::DisplayErrorContext(err).to_string();
    let code = [
        "AccessDenied",
        "InvalidClientTokenId",
        "ExpiredToken",
        "RegionDisabledException",
    ]
    .into_iter()
    .find(|code| text.contains(code))
    .unwrap_or("AssumeRoleFailed");
    // STS's own words when its answer carried them; else the whole chain.
    let said = text
        .split_once("<Message>")
        .and_then(|(_, rest)| rest.split_once("</Message>"))
        .map(|(message, _)| message.to_owned())
        .unwrap_or(text);
    AssumeFailure {
        code,
        message: format!("cannot assume {arn}: {said} ({code})"),
    }
}
