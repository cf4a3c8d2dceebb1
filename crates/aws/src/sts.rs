//! The STS client and the two calls cloudbuilder makes with it.

use crate::Error;
use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_types::region::Region;

/// The region STS is called in when none is configured (its global endpoint's home).
const FALLBACK_REGION: &str = "us-east-1";

/// Who a set of credentials acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account id.
    pub account: String,
    /// The principal's ARN.
    pub arn: String,
    /// The principal's unique id.
    pub user_id: String,
}

impl CallerIdentity {
    /// Whether these credentials are an assumed role's (so AWS caps chaining at 1 h).
    pub fn is_assumed_role(&self) -> bool {
        self.arn.contains(":assumed-role/")
    }
}

/// An STS client signing with `creds`; endpoints, retries and timeouts follow
/// the SDK's standard configuration, read from `profile` when one is named.
pub(crate) async fn client(
    region: Option<Region>,
    profile: Option<&str>,
    creds: Credentials,
) -> aws_sdk_sts::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.unwrap_or_else(|| Region::from_static(FALLBACK_REGION)))
        .credentials_provider(creds);
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    aws_sdk_sts::Client::new(&loader.load().await)
}

/// `sts:GetCallerIdentity` with `client`.
pub(crate) async fn get_caller_identity(
    client: &aws_sdk_sts::Client,
) -> Result<CallerIdentity, Error> {
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::from_sdk("GetCallerIdentity", e))?;
    Ok(CallerIdentity {
        account: out.account.unwrap_or_default(),
        arn: out.arn.unwrap_or_default(),
        user_id: out.user_id.unwrap_or_default(),
    })
}

/// The identity of the credentials `source` resolves to.
pub async fn caller_identity(
    source: &crate::SourceCredentials,
    region: Option<Region>,
    profile: Option<&str>,
) -> Result<CallerIdentity, Error> {
    let creds = source.resolve(region.clone()).await?;
    get_caller_identity(&client(region, profile, creds).await).await
}
