//! IAM members: who the Cloud Builder role is granted to, as IAM writes them
//! (`serviceAccount:EMAIL`, `user:EMAIL`, `group:EMAIL`, `principal://…`).

use crate::error::{Error, Result};
use std::fmt;

/// A checked IAM member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member(String);

const ALLOWED: &str = "allowed are serviceAccount:EMAIL, user:EMAIL, group:EMAIL, domain:DOMAIN, principal://… and principalSet://…";

impl Member {
    /// Parses `text`, naming `field` in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid(field, format!("'{text}' {why}; {ALLOWED}"));
        if text.starts_with("principal://") || text.starts_with("principalSet://") {
            if text.contains(char::is_whitespace) || !text.contains("iam.googleapis.com/") {
                return Err(bad("is not a workload identity principal"));
            }
            return Ok(Member(text.to_owned()));
        }
        let (kind, value) = text
            .split_once(':')
            .ok_or_else(|| bad("is not an IAM member"))?;
        match kind {
            "serviceAccount" | "user" | "group" => {
                if !email(value) {
                    return Err(bad("needs an email address after the colon"));
                }
            }
            "domain" => {
                if value.is_empty() || !value.contains('.') || value.contains('@') {
                    return Err(bad("needs a domain name after the colon"));
                }
            }
            _ => return Err(bad("has an unknown member type")),
        }
        Ok(Member(text.to_owned()))
    }

    /// The member as IAM writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service account's email, for `serviceAccount:` members.
    pub fn service_account(&self) -> Option<&str> {
        self.0.strip_prefix("serviceAccount:")
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plausible email: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_member_types() {
        for good in [
            "serviceAccount:cloud-builder@billing-admin.iam.gserviceaccount.com",
            "user:admin@example.com",
            "group:devs@example.com",
            "domain:example.com",
            "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/*",
        ] {
            assert!(Member::parse("--member", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn rejects_bare_names_with_one_line_naming_the_field() {
        for bad in ["bob", "serviceAccount:bob", "robot:x@example.com", "user:"] {
            let err = Member::parse("--member", bad).expect_err(bad);
            assert!(err.is_usage());
            let text = err.to_string();
            assert!(text.starts_with("--member: "), "{text}");
            assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn service_account_email() {
        let m = Member::parse("--member", "serviceAccount:sa@p.iam.gserviceaccount.com").ok();
        assert_eq!(
            m.as_ref().and_then(Member::service_account),
            Some("sa@p.iam.gserviceaccount.com")
        );
    }
}
