//! The Cloud Builder role in AWS: its documents generated from the table
//! registry ([`document`]), rendered as the runbook's files, CloudFormation
//! and aws CLI commands ([`template`]), applied, verified and destroyed in
//! one account through IAM ([`account`]) or across an organization through
//! each member's access role ([`targets`]) or a service-managed StackSet
//! ([`stackset`]), and proven by assuming it ([`probe`]).

pub mod account;
pub mod document;
pub mod probe;
pub mod stackset;
pub mod targets;
pub mod template;

use crate::{ExternalId, PolicyArn, PrincipalArn, RoleName};

/// The inline policy apply writes.
pub const INLINE_POLICY_NAME: &str = "CloudBuilderReadOnly";
/// The tag that marks what apply made (and the only thing destroy removes).
pub const MANAGED_TAG: (&str, &str) = ("managed-by", "cloudbuilder");
/// The role's description in IAM. Without spaces: moto's auth mode re-encodes
/// form bodies with `+` for a space where the SDK signed `%20`, so a space in
/// any parameter fails its signature check (AWS itself accepts either).
pub const DESCRIPTION: &str = "cloudbuilder-read-only-scanner:inventory,audit-logs,cost";

/// What the Cloud Builder role should be.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    /// The role's name.
    pub role_name: RoleName,
    /// Who may assume it.
    pub trusted_principal: PrincipalArn,
    /// The external id the trust policy requires, if any.
    pub external_id: Option<ExternalId>,
    /// Whether the trust policy requires MFA.
    pub require_mfa: bool,
    /// MaxSessionDuration, 3600 to 43200 seconds.
    pub max_session_seconds: u32,
    /// Managed policies attached besides the inline policy.
    pub managed_policies: Vec<PolicyArn>,
    /// The CloudTrail bucket whose log files the role may read.
    pub trail_bucket: Option<String>,
    /// The partition, e.g. `aws`.
    pub partition: String,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A typical spec for unit tests.
    pub fn spec() -> RoleSpec {
        RoleSpec {
            role_name: RoleName::parse("-", "CloudBuilder").expect("name"),
            trusted_principal: PrincipalArn::parse(
                "-",
                "arn:aws:iam::111122223333:user/scanner",
                "aws",
            )
            .expect("principal"),
            external_id: Some(ExternalId::parse("-", "acme-scan").expect("id")),
            require_mfa: false,
            max_session_seconds: 3600,
            managed_policies: Vec::new(),
            trail_bucket: None,
            partition: "aws".into(),
        }
    }
}
