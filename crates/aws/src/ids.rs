//! Validated Organizations and IAM identifiers — account and OU ids, role
//! names, principal and managed-policy ARNs — checked against AWS's published
//! formats before any call, so a typo is one line naming the flag.

use crate::Error;
use std::fmt;

/// `[\w+=,.@-]`: the characters of IAM names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// Parses `text`; `field` names where it came from.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        if is_account(text) {
            Ok(AccountId(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!("'{text}' is not an account id; expected 12 digits"),
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organizational unit or root id: `ou-<root>-<8 to 32 chars>` or `r-<4 to 32 chars>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuId(String);

impl OuId {
    /// Parses `text` against Organizations' patterns.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        let lower_alnum = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        let ok = if let Some(rest) = text.strip_prefix("ou-") {
            match rest.split_once('-') {
                Some((root, unit)) => {
                    (4..=32).contains(&root.len())
                        && (8..=32).contains(&unit.len())
                        && lower_alnum(root)
                        && lower_alnum(unit)
                }
                None => false,
            }
        } else if let Some(root) = text.strip_prefix("r-") {
            (4..=32).contains(&root.len()) && lower_alnum(root)
        } else {
            false
        };
        if ok {
            Ok(OuId(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!("'{text}' is not an OU or root id; expected ou-xxxx-xxxxxxxx or r-xxxx"),
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IAM role name: 1–64 characters of `[\w+=,.@-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleName(String);

impl RoleName {
    /// Checks `text` against IAM's rule.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        if (1..=64).contains(&text.len()) && text.chars().all(is_name_char) {
            Ok(RoleName(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!("'{text}' is not a role name; use 1-64 of letters, digits and _+=,.@-"),
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A principal a trust policy can name: an account's root, an IAM user or an
/// IAM role (`arn:<partition>:iam::<account>:root|user/<name>|role/<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalArn {
    arn: String,
    account: String,
}

impl PrincipalArn {
    /// Parses `text`; a bare 12-digit account id means that account's root.
    pub fn parse(field: &str, text: &str, partition: &str) -> Result<Self, Error> {
        if is_account(text) {
            return Ok(PrincipalArn {
                arn: format!("arn:{partition}:iam::{text}:root"),
                account: text.to_owned(),
            });
        }
        let bad = || {
            Error::invalid(
                field,
                format!(
                    "'{text}' is not a principal; expected a 12-digit account id or arn:aws:iam::<account>:root, :user/<name> or :role/<name>"
                ),
            )
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, part, service, region, account, resource] = parts[..] else {
            return Err(bad());
        };
        if arn != "arn"
            || !part.starts_with("aws")
            || service != "iam"
            || !region.is_empty()
            || !is_account(account)
        {
            return Err(bad());
        }
        let named = |prefix: &str| {
            resource.strip_prefix(prefix).is_some_and(|path| {
                let segments: Vec<&str> = path.split('/').collect();
                let name = segments.last().copied().unwrap_or_default();
                (1..=64).contains(&name.len())
                    && segments
                        .iter()
                        .all(|s| !s.is_empty() && s.chars().all(is_name_char))
            })
        };
        if resource == "root" || named("user/") || named("role/") {
            Ok(PrincipalArn {
                arn: text.to_owned(),
                account: account.to_owned(),
            })
        } else {
            Err(bad())
        }
    }

    /// The ARN.
    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The account the principal belongs to.
    pub fn account(&self) -> &str {
        &self.account
    }
}

/// A managed policy's ARN: `arn:<partition>:iam::aws|<account>:policy/<path/><name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyArn(String);

impl PolicyArn {
    /// Parses `text`.
    pub fn parse(field: &str, text: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let ok = match parts[..] {
            [arn, part, service, region, owner, resource] => {
                arn == "arn"
                    && part.starts_with("aws")
                    && service == "iam"
                    && region.is_empty()
                    && (owner == "aws" || is_account(owner))
                    && resource.strip_prefix("policy/").is_some_and(|path| {
                        path.split('/')
                            .all(|s| !s.is_empty() && s.chars().all(is_name_char))
                    })
            }
            _ => false,
        };
        if ok {
            Ok(PolicyArn(text.to_owned()))
        } else {
            Err(Error::invalid(
                field,
                format!(
                    "'{text}' is not a managed policy ARN; expected e.g. arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
                ),
            ))
        }
    }

    /// The ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An S3 bucket name: 3–63 of lowercase letters, digits, dots and dashes.
pub fn check_bucket_name(field: &str, bucket: &str) -> Result<(), Error> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "'{bucket}' is not a bucket name; use 3-63 of lowercase letters, digits, dots and dashes"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_ou_ids_follow_organizations_rules() {
        assert!(AccountId::parse("--exclude-account", "123456789012").is_ok());
        for bad in ["12345678901", "1234567890123", "12345678901a", ""] {
            let err = AccountId::parse("--exclude-account", bad).expect_err(bad);
            assert!(err.to_string().starts_with("--exclude-account: "), "{err}");
            assert!(err.is_usage());
        }
        for good in ["ou-ab12-cd34ef56", "r-ab12", "ou-abcd-0123456789abcdef"] {
            assert!(OuId::parse("--ou", good).is_ok(), "{good}");
        }
        for bad in [
            "ou-ab12",
            "ou-AB12-cd34ef56",
            "r-ab",
            "ou-ab12-cd34",
            "org-1",
            "ou-ab12-cd34ef56-",
        ] {
            assert!(OuId::parse("--ou", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn principals_are_roots_users_or_roles() {
        let p = PrincipalArn::parse("--trusted-principal", "111122223333", "aws").expect("id");
        assert_eq!(p.as_str(), "arn:aws:iam::111122223333:root");
        for good in [
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/scanner",
            "arn:aws:iam::111122223333:role/ops/Scanner",
        ] {
            assert_eq!(
                PrincipalArn::parse("-", good, "aws").expect(good).account(),
                "111122223333"
            );
        }
        for bad in [
            "*",
            "arn:aws:iam::111122223333:group/g",
            "arn:aws:sts::111122223333:assumed-role/R/s",
            "arn:aws:iam::11112222333:root",
            "arn:aws:iam::111122223333:user/",
        ] {
            assert!(PrincipalArn::parse("-", bad, "aws").is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_arns_and_role_names() {
        assert!(PolicyArn::parse("-", "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess").is_ok());
        assert!(PolicyArn::parse("-", "arn:aws:iam::123456789012:policy/team/Read").is_ok());
        for bad in [
            "AmazonEC2ReadOnlyAccess",
            "arn:aws:iam::aws:role/X",
            "arn:aws:iam::aws:policy/",
        ] {
            assert!(PolicyArn::parse("-", bad).is_err(), "{bad}");
        }
        assert!(RoleName::parse("-", "CloudBuilder").is_ok());
        assert!(RoleName::parse("-", "a b").is_err());
        assert!(RoleName::parse("-", &"x".repeat(65)).is_err());
        assert!(check_bucket_name("-", "org-trail.logs").is_ok());
        assert!(check_bucket_name("-", "Bad_Bucket").is_err());
    }
}
