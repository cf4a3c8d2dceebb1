//! The AWS role that may act as the scanner without a key: its IAM ARN
//! (`arn:aws:iam::ACCOUNT:role/[PATH/]NAME`), checked, and the assumed-role
//! ARN its sessions present to Google (`arn:aws:sts::ACCOUNT:assumed-role/NAME`).

use crate::error::{Error, Result};
use std::fmt;

/// A checked IAM role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsRole {
    arn: String,
    partition: String,
    account: String,
    name: String,
}

const ALLOWED: &str =
    "allowed is an IAM role ARN, e.g. arn:aws:iam::123456789012:role/CloudBuilderScanner";

impl AwsRole {
    /// Parses `text`, naming `field` in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid(field, format!("'{text}' {why}; {ALLOWED}"));
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return Err(bad("is not an ARN"));
        };
        if arn != "arn" || !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
            return Err(bad("is not an ARN"));
        }
        if service != "iam" || !region.is_empty() {
            return Err(bad("is not an IAM ARN"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("needs a 12-digit account id"));
        }
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return Err(bad(
                "is not a role (only roles can be federated: users have no session ARN)",
            ));
        };
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !name_ok || text.contains(char::is_whitespace) {
            return Err(bad(
                "has no valid role name (1-64 of letters, digits and +=,.@_-)",
            ));
        }
        Ok(AwsRole {
            arn: text.to_owned(),
            partition: partition.to_owned(),
            account: account.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The IAM role ARN as given.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The 12-digit account id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The role's name (without its path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What Google's default AWS attribute mapping makes of the role's
    /// sessions: `arn:aws:sts::ACCOUNT:assumed-role/NAME` (the session name
    /// and the role's path dropped).
    pub fn assumed_role_arn(&self) -> String {
        format!(
            "arn:{}:sts::{}:assumed-role/{}",
            self.partition, self.account, self.name
        )
    }
}

impl fmt::Display for AwsRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_give_the_assumed_role_arn() {
        let role = AwsRole::parse(
            "--federate-from-aws",
            "arn:aws:iam::123456789012:role/Scanner",
        )
        .expect("role");
        assert_eq!(role.account(), "123456789012");
        assert_eq!(
            role.assumed_role_arn(),
            "arn:aws:sts::123456789012:assumed-role/Scanner"
        );
        let with_path = AwsRole::parse(
            "--federate-from-aws",
            "arn:aws:iam::123456789012:role/service/ci/Scanner",
        )
        .expect("path");
        assert_eq!(with_path.name(), "Scanner");
    }

    #[test]
    fn anything_else_names_the_field() {
        for bad in [
            "not-an-arn",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::1234:role/x",
            "arn:aws:sts::123456789012:assumed-role/x/y",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
            "",
        ] {
            let err = AwsRole::parse("--federate-from-aws", bad).expect_err(bad);
            assert!(err.is_usage());
            assert!(
                err.to_string().starts_with("--federate-from-aws: "),
                "{err}"
            );
            assert!(!err.to_string().contains('\n'));
        }
    }
}
