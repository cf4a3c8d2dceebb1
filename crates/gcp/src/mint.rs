//! Short-lived access tokens for a service account, minted through IAM
//! Credentials `generateAccessToken` by the caller's own credentials (the
//! caller needs `iam.serviceAccounts.getAccessToken` on the account, e.g.
//! through roles/iam.serviceAccountTokenCreator).

use crate::Connection;
use crate::error::{Error, Result};
use crate::member::email;
use crate::token::AccessToken;
use time::OffsetDateTime;

/// The OAuth scope every Google Cloud API accepts.
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
/// The longest lifetime IAM Credentials grants without the org policy
/// `constraints/iam.allowServiceAccountCredentialLifetimeExtension`.
pub const MAX_LIFETIME_SECS: u32 = 3_600;

/// A minted token and when it expires.
#[derive(Debug, Clone)]
pub struct MintedToken {
    /// The service account it acts as.
    pub service_account: String,
    /// The token (redacted when printed).
    pub token: AccessToken,
    /// When it stops working.
    pub expires: OffsetDateTime,
}

/// What to mint.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The service account's email.
    pub service_account: String,
    /// OAuth scopes.
    pub scopes: Vec<String>,
    /// The lifetime in seconds (1 to 43200; Google caps it at 3600 unless
    /// the organization allows longer).
    pub lifetime_secs: u32,
}

impl TokenRequest {
    /// Checks the request's fields, naming the flags in errors.
    pub fn new(service_account: &str, scopes: Vec<String>, lifetime_secs: u32) -> Result<Self> {
        if !email(service_account) {
            return Err(Error::invalid(
                "--impersonate",
                format!(
                    "'{service_account}' is not a service account email, e.g. cloud-builder@PROJECT.iam.gserviceaccount.com"
                ),
            ));
        }
        if !(1..=43_200).contains(&lifetime_secs) {
            return Err(Error::invalid(
                "--lifetime",
                format!(
                    "{lifetime_secs}s is out of range; allowed is 1s to 12h (Google allows more than 1h only where an org policy extends it)"
                ),
            ));
        }
        let scopes = if scopes.is_empty() {
            vec![CLOUD_PLATFORM.to_owned()]
        } else {
            scopes
        };
        for scope in &scopes {
            if !scope.starts_with("https://www.googleapis.com/auth/") {
                return Err(Error::invalid(
                    "--scopes",
                    format!(
                        "'{scope}' is not an OAuth scope; allowed are https://www.googleapis.com/auth/… URLs"
                    ),
                ));
            }
        }
        Ok(TokenRequest {
            service_account: service_account.to_owned(),
            scopes,
            lifetime_secs,
        })
    }
}

/// Mints a token for the request (`iamcredentials.generateAccessToken`).
pub async fn generate_access_token(
    conn: &Connection,
    request: &TokenRequest,
) -> Result<MintedToken> {
    let client = conn.iam_credentials().await?;
    let lifetime = google_cloud_wkt::Duration::new(i64::from(request.lifetime_secs), 0)
        .map_err(|e| Error::invalid("--lifetime", e.to_string()))?;
    let response = client
        .generate_access_token()
        .set_name(format!(
            "projects/-/serviceAccounts/{}",
            request.service_account
        ))
        .set_scope(request.scopes.clone())
        .set_lifetime(lifetime)
        .send()
        .await
        .map_err(|e| Error::from_gax("generateAccessToken", e))?;
    let expires = response
        .expire_time
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.seconds()).ok())
        .ok_or(Error::Unexpected {
            operation: "generateAccessToken",
            message: "no expireTime in the answer".to_owned(),
        })?;
    if response.access_token.is_empty() {
        return Err(Error::Unexpected {
            operation: "generateAccessToken",
            message: "no accessToken in the answer".to_owned(),
        });
    }
    Ok(MintedToken {
        service_account: request.service_account.clone(),
        token: AccessToken::new(response.access_token),
        expires,
    })
}

/// Parses a lifetime: seconds (`3600`, `90s`), minutes (`30m`) or hours (`1h`).
pub fn parse_lifetime(field: &str, text: &str) -> Result<u32> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let multiplier = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        _ => 0,
    };
    number
        .parse::<u32>()
        .ok()
        .filter(|_| multiplier > 0)
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("'{text}' is not a duration; allowed are seconds (3600, 90s), minutes (30m) or hours (1h)"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("--lifetime", "1h").ok(), Some(3600));
        assert_eq!(parse_lifetime("--lifetime", "30m").ok(), Some(1800));
        assert_eq!(parse_lifetime("--lifetime", "90").ok(), Some(90));
        assert!(parse_lifetime("--lifetime", "1d").is_err());
        assert!(parse_lifetime("--lifetime", "h").is_err());
    }

    #[test]
    fn defaults_to_cloud_platform_and_checks_fields() {
        let r = TokenRequest::new("sa@p-123456.iam.gserviceaccount.com", vec![], 3600).expect("ok");
        assert_eq!(r.scopes, vec![CLOUD_PLATFORM.to_owned()]);
        for (sa, scopes, secs, field) in [
            ("bob", vec![], 3600, "--impersonate"),
            ("sa@p.iam.gserviceaccount.com", vec![], 0, "--lifetime"),
            (
                "sa@p.iam.gserviceaccount.com",
                vec!["cloud-platform".to_owned()],
                60,
                "--scopes",
            ),
        ] {
            let err = TokenRequest::new(sa, scopes, secs).expect_err(field);
            assert!(err.is_usage());
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
        }
    }
}
