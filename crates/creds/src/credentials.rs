//! Temporary credentials in a type that cannot print its secrets by accident.
//!
//! The secret access key and session token live in [`SecretString`]s: `Debug`
//! shows a redaction, there is no `Display`, and reading them takes an explicit
//! `expose_secret()` at the few places that hand credentials out.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What every redacted value prints as.
pub const REDACTED: &str = "** redacted **";

/// Returns the redaction marker; for `Debug` impls of types holding secrets.
pub fn redact<T: ?Sized>(_: &T) -> &'static str {
    REDACTED
}

/// A set of temporary credentials for one assumed identity.
#[derive(Clone)]
pub struct TemporaryCredentials {
    /// The access key id; not a secret (it appears in CloudTrail and in logs).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// The session token.
    pub session_token: SecretString,
    /// When the credentials stop working.
    pub expiration: OffsetDateTime,
    /// The identity they act as, e.g. `arn:aws:sts::123456789012:assumed-role/R/s`.
    pub assumed_role_arn: Option<String>,
}

impl std::fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field("session_token", &REDACTED)
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

/// The on-disk shape of cached credentials (the cache file is mode 0600).
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
    #[serde(rename = "SessionToken")]
    session_token: String,
    #[serde(rename = "Expiration", with = "time::serde::rfc3339")]
    expiration: OffsetDateTime,
    #[serde(
        rename = "AssumedRoleArn",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    assumed_role_arn: Option<String>,
}

impl std::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredCredentials { .. }")
    }
}

impl From<&TemporaryCredentials> for StoredCredentials {
    fn from(c: &TemporaryCredentials) -> Self {
        StoredCredentials {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.expose_secret().to_owned(),
            session_token: c.session_token.expose_secret().to_owned(),
            expiration: c.expiration,
            assumed_role_arn: c.assumed_role_arn.clone(),
        }
    }
}

impl From<StoredCredentials> for TemporaryCredentials {
    fn from(s: StoredCredentials) -> Self {
        TemporaryCredentials {
            access_key_id: s.access_key_id,
            secret_access_key: s.secret_access_key.into(),
            session_token: s.session_token.into(),
            expiration: s.expiration,
            assumed_role_arn: s.assumed_role_arn,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    pub(crate) const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

    pub(crate) fn sample() -> TemporaryCredentials {
        TemporaryCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: SECRET.to_owned().into(),
            session_token: TOKEN.to_owned().into(),
            expiration: datetime!(2026-12-03 18:00:00 UTC),
            assumed_role_arn: Some("arn:aws:sts::123456789012:assumed-role/CloudBuilder/me".into()),
        }
    }

    #[test]
    fn debug_output_redacts_the_secret_and_the_token() {
        let printed = format!("{:?} {:#?}", sample(), sample());
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(!printed.contains(TOKEN), "{printed}");
        assert!(printed.contains("ASIAEXAMPLE"));
        assert!(printed.contains(REDACTED));
    }

    #[test]
    fn stored_form_round_trips_and_does_not_debug_print_secrets() {
        let stored = StoredCredentials::from(&sample());
        assert!(!format!("{stored:?}").contains(SECRET));
        let json = serde_json::to_string(&stored).expect("serializes");
        let back: TemporaryCredentials = serde_json::from_str::<StoredCredentials>(&json)
            .expect("parses")
            .into();
        assert_eq!(back.secret_access_key.expose_secret(), SECRET);
        assert_eq!(back.session_token.expose_secret(), TOKEN);
        assert_eq!(back.expiration, sample().expiration);
        assert_eq!(back.assumed_role_arn, sample().assumed_role_arn);
    }
}
