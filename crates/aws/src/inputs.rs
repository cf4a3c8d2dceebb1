//! Validated AssumeRole inputs, checked against STS's published constraints
//! before any call is made, so a typo is one clear line rather than a round trip.

use crate::Error;
use std::fmt;

/// The partitions an IAM ARN may name.
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// `[\w+=,.@-]`: the characters of IAM names and STS session names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/><name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    arn: String,
    account: String,
    name: String,
}

impl RoleArn {
    /// Parses `text`; `field` names where it came from.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid(
                field,
                format!(
                    "'{text}' is not an IAM role ARN; expected arn:aws:iam::<12-digit account id>:role/<name> (partitions: {})",
                    PARTITIONS.join(", ")
                ),
            )
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(bad());
        };
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        if arn != "arn"
            || !PARTITIONS.contains(&partition)
            || service != "iam"
            || !region.is_empty()
            || !account_ok
        {
            return Err(bad());
        }
        let path_and_name = resource.strip_prefix("role/").ok_or_else(bad)?;
        let segments: Vec<&str> = path_and_name.split('/').collect();
        let name = segments.last().copied().unwrap_or_default();
        let name_ok = (1..=64).contains(&name.len()) && name.chars().all(is_name_char);
        let path_ok = segments[..segments.len() - 1]
            .iter()
            .all(|s| !s.is_empty() && s.chars().all(is_name_char));
        if !name_ok || !path_ok || path_and_name.len() > 512 {
            return Err(bad());
        }
        Ok(RoleArn {
            arn: text.to_owned(),
            account: account.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The ARN as given.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The account that owns the role.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The role's name (without its path).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// A role session name: 2–64 characters of `[\w+=,.@-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionName(String);

impl SessionName {
    /// Checks `text` against STS's rule.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        if (2..=64).contains(&text.len()) && text.chars().all(is_name_char) {
            Ok(SessionName(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!(
                    "'{text}' is not a valid session name; use 2-64 characters of letters, digits and _+=,.@-"
                ),
            ))
        }
    }

    /// `cloudbuilder-<user>`, with characters STS refuses replaced by `-`.
    pub fn for_user(user: Option<&str>) -> Self {
        let user: String = user
            .filter(|u| !u.is_empty())
            .unwrap_or("user")
            .chars()
            .map(|c| if is_name_char(c) { c } else { '-' })
            .collect();
        let mut name = format!("cloudbuilder-{user}");
        name.truncate(64);
        SessionName(name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An external id: 2–1224 characters of `[\w+=,.@:/-]`.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    /// Checks `text` against STS's rule.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        if (2..=1224).contains(&text.len())
            && text
                .chars()
                .all(|c| is_name_char(c) || c == ':' || c == '/')
        {
            Ok(ExternalId(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                "not a valid external id; use 2-1224 characters of letters, digits and _+=,.@:/-",
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ExternalId {
    // An external id is not a secret, but it is a shared token between two
    // parties; keep it out of logs all the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalId(** redacted **)")
    }
}

/// An MFA device: a virtual device's ARN or a hardware token's serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaSerial(String);

impl MfaSerial {
    /// Checks `text` against STS's rule: 9–256 characters of `[\w+=/:,.@-]`.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        if (9..=256).contains(&text.len())
            && text
                .chars()
                .all(|c| is_name_char(c) || c == ':' || c == '/')
        {
            Ok(MfaSerial(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!(
                    "'{text}' is not an MFA device; give its ARN (arn:aws:iam::<account>:mfa/<name>) or a hardware serial number"
                ),
            ))
        }
    }

    /// The serial or ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A 6-digit MFA token code.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCode(String);

impl TokenCode {
    /// Checks that `text` is six digits.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(TokenCode(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                "an MFA token code is the 6 digits your device shows",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCode(** redacted **)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_follow_iam_rules() {
        let arn = RoleArn::parse("--role-arn", "arn:aws:iam::123456789012:role/CloudBuilder")
            .expect("valid");
        assert_eq!(
            (arn.account(), arn.name()),
            ("123456789012", "CloudBuilder")
        );
        let arn = RoleArn::parse(
            "--role-arn",
            "arn:aws-us-gov:iam::123456789012:role/team/ops/Scan.er@x",
        )
        .expect("path");
        assert_eq!(arn.name(), "Scan.er@x");
        for bad in [
            "",
            "CloudBuilder",
            "arn:aws:iam::12345678901:role/R",
            "arn:aws:iam::123456789012:user/R",
            "arn:aws:sts::123456789012:role/R",
            "arn:aws:iam:us-east-1:123456789012:role/R",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "arn:aws:iam::123456789012:role//R",
            "arn:nope:iam::123456789012:role/R",
        ] {
            let err = RoleArn::parse("--role-arn", bad)
                .expect_err(bad)
                .to_string();
            assert!(err.starts_with("--role-arn: "), "{err}");
            assert!(
                err.contains("expected arn:aws:iam::<12-digit account id>:role/<name>"),
                "{err}"
            );
        }
        let too_long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(65));
        assert!(RoleArn::parse("--role-arn", &too_long).is_err());
    }

    #[test]
    fn session_names_follow_sts_rules() {
        assert!(SessionName::parse("--session-name", "ci").is_ok());
        assert!(SessionName::parse("--session-name", &"a".repeat(64)).is_ok());
        for bad in ["a", "has space", "slash/no", &"a".repeat(65)] {
            let err = SessionName::parse("--session-name", bad)
                .expect_err(bad)
                .to_string();
            assert!(
                err.contains("2-64 characters of letters, digits and _+=,.@-"),
                "{err}"
            );
        }
    }

    #[test]
    fn default_session_name_is_derived_from_the_user_and_always_valid() {
        assert_eq!(
            SessionName::for_user(Some("alice")).as_str(),
            "cloudbuilder-alice"
        );
        assert_eq!(
            SessionName::for_user(Some("DOMAIN\\bob smith")).as_str(),
            "cloudbuilder-DOMAIN-bob-smith"
        );
        assert_eq!(SessionName::for_user(None).as_str(), "cloudbuilder-user");
        let long = SessionName::for_user(Some(&"x".repeat(100)));
        assert_eq!(long.as_str().len(), 64);
        assert!(SessionName::parse("-", long.as_str()).is_ok());
    }

    #[test]
    fn external_ids_mfa_and_codes_are_checked_and_not_debug_printed() {
        let id = ExternalId::parse("--external-id", "tenant:42/abc").expect("valid");
        assert!(!format!("{id:?}").contains("tenant"));
        assert!(ExternalId::parse("--external-id", "x").is_err());
        assert!(ExternalId::parse("--external-id", "has space").is_err());
        assert!(MfaSerial::parse("--mfa-serial", "arn:aws:iam::123456789012:mfa/alice").is_ok());
        assert!(MfaSerial::parse("--mfa-serial", "GAHT12345678").is_ok());
        assert!(MfaSerial::parse("--mfa-serial", "short").is_err());
        let code = TokenCode::parse("--token-code", " 123456\n").expect("valid");
        assert_eq!(code.as_str(), "123456");
        assert!(!format!("{code:?}").contains("123456"));
        for bad in ["12345", "1234567", "12345a"] {
            assert!(TokenCode::parse("--token-code", bad).is_err(), "{bad}");
        }
    }
}
