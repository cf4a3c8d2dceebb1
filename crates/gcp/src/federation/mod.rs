//! Keyless access from AWS: a Workload Identity pool with an AWS provider
//! pinned to one IAM role, and the right for that role's sessions to act as
//! the scanner service account. An AWS workload then trades a signed
//! `GetCallerIdentity` request for a Google token; no service-account key
//! exists anywhere.
//!
//! [`FederationSpec`] is what to make; [`pool`] reads and writes the pool and
//! provider, [`provision`] runs apply / verify / destroy, [`config`] is the
//! external-account credential configuration, [`subject_token`] and
//! [`credentials`] turn AWS credentials into Google credentials, and
//! [`document`] renders the equivalent gcloud commands.

pub mod aws_role;
pub mod config;
pub mod credentials;
pub mod document;
pub mod pool;
pub mod provision;
mod rest;
pub mod subject_token;

pub use aws_role::AwsRole;

use crate::error::{Error, Result};
use crate::member::email;
use crate::scope::project_id;

/// The pool id used unless `--pool-id` says otherwise.
pub const DEFAULT_POOL_ID: &str = "cloudbuilder";
/// The role that lets a federated principal act as a service account
/// (`iam.serviceAccounts.getAccessToken`), as Google documents for
/// Workload Identity Federation with service account impersonation.
pub const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";
/// The subject token type of AWS: a signed `GetCallerIdentity` request.
pub const AWS_SUBJECT_TOKEN_TYPE: &str = "urn:ietf:params:aws:token-type:aws4_request";
/// The pool's display name (at most 32 characters).
pub const POOL_DISPLAY_NAME: &str = "Cloud Builder from AWS";
/// The pool's description.
pub const POOL_DESCRIPTION: &str =
    "AWS workloads that act as the Cloud Builder scanner without a key (made by cloudbuilder).";
/// Google's documented default attribute mapping for AWS providers:
/// `google.subject` is the caller's ARN; `attribute.aws_role` is the role's
/// `arn:aws:sts::ACCOUNT:assumed-role/NAME` for role sessions, the ARN otherwise.
pub const ATTRIBUTE_MAPPING: [(&str, &str); 2] = [
    ("google.subject", "assertion.arn"),
    (
        "attribute.aws_role",
        "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn",
    ),
];

/// Everything the federation needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationSpec {
    /// The AWS role whose sessions may act as the service account.
    pub aws_role: AwsRole,
    /// The project that holds the service account, the pool and the provider.
    pub project: String,
    /// The pool id.
    pub pool_id: String,
    /// The provider id.
    pub provider_id: String,
    /// The scanner service account's email.
    pub service_account: String,
}

impl FederationSpec {
    /// A spec for `aws_role` and the service account `service_account`; the
    /// project defaults to the service account's, the pool id to
    /// [`DEFAULT_POOL_ID`], the provider id to `aws-ACCOUNT`.
    pub fn new(
        aws_role: AwsRole,
        service_account: &str,
        project: Option<&str>,
        pool_id: Option<&str>,
        provider_id: Option<&str>,
    ) -> Result<Self> {
        if !email(service_account) {
            return Err(Error::invalid(
                "--member",
                format!(
                    "--federate-from-aws needs a serviceAccount: member, e.g. serviceAccount:cloud-builder@PROJECT.iam.gserviceaccount.com; got '{service_account}'"
                ),
            ));
        }
        let project = match project {
            Some(p) => p.to_owned(),
            None => service_account
                .split_once('@')
                .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"))
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::invalid(
                        "--federation-project",
                        format!(
                            "cannot tell the project of {service_account}; pass the project that holds it"
                        ),
                    )
                })?,
        };
        if !project_id(&project) {
            return Err(Error::invalid(
                "--federation-project",
                format!(
                    "'{project}' is not a project id; allowed are 6-30 of a-z, 0-9 and -, starting with a letter"
                ),
            ));
        }
        let pool_id = pool_id.unwrap_or(DEFAULT_POOL_ID).to_owned();
        check_id("--pool-id", &pool_id)?;
        let provider_id = provider_id
            .map(str::to_owned)
            .unwrap_or_else(|| format!("aws-{}", aws_role.account()));
        check_id("--provider-id", &provider_id)?;
        Ok(FederationSpec {
            aws_role,
            project,
            pool_id,
            provider_id,
            service_account: service_account.to_owned(),
        })
    }

    /// `projects/PROJECT/locations/global`, where pools are made.
    pub fn pool_parent(&self) -> String {
        format!("projects/{}/locations/global", self.project)
    }

    /// The pool's name with the project id (IAM answers with its number).
    pub fn pool_name(&self) -> String {
        format!(
            "{}/workloadIdentityPools/{}",
            self.pool_parent(),
            self.pool_id
        )
    }

    /// The provider's name with the project id.
    pub fn provider_name(&self) -> String {
        format!("{}/providers/{}", self.pool_name(), self.provider_id)
    }

    /// The service account as IAM names it, for its IAM policy.
    pub fn service_account_resource(&self) -> String {
        format!(
            "projects/{}/serviceAccounts/{}",
            self.project, self.service_account
        )
    }

    /// The condition that lets only the role's sessions through.
    pub fn attribute_condition(&self) -> String {
        format!(
            "attribute.aws_role == '{}'",
            self.aws_role.assumed_role_arn()
        )
    }

    /// The provider's display name.
    pub fn provider_display_name(&self) -> String {
        format!("AWS {}", self.aws_role.account())
    }

    /// The provider's description.
    pub fn provider_description(&self) -> String {
        format!(
            "Sessions of {} act as {} (made by cloudbuilder).",
            self.aws_role, self.service_account
        )
    }

    /// The pool's name as IAM writes it (`projects/NUMBER/…`), given the
    /// project number.
    pub fn pool_name_with_number(&self, project_number: &str) -> String {
        format!(
            "projects/{project_number}/locations/global/workloadIdentityPools/{}",
            self.pool_id
        )
    }

    /// The STS audience: the provider's full resource name.
    pub fn audience(&self, project_number: &str) -> String {
        format!(
            "//iam.googleapis.com/{}/providers/{}",
            self.pool_name_with_number(project_number),
            self.provider_id
        )
    }

    /// The member granted on the service account: every session of the role.
    pub fn principal_set(&self, project_number: &str) -> String {
        format!(
            "principalSet://iam.googleapis.com/{}/attribute.aws_role/{}",
            self.pool_name_with_number(project_number),
            self.aws_role.assumed_role_arn()
        )
    }
}

/// The project number in a name IAM answered (`projects/NUMBER/…`).
pub fn project_number(name: &str) -> Option<&str> {
    name.strip_prefix("projects/")
        .and_then(|rest| rest.split('/').next())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A pool or provider id: 4 to 32 of a-z, 0-9 and -, not starting with `gcp-`.
pub fn check_id(field: &str, id: &str) -> Result<()> {
    let ok = (4..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with("gcp-")
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "'{id}' is not a pool or provider id; allowed are 4-32 of a-z, 0-9 and -, not starting with gcp-"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FederationSpec {
        FederationSpec::new(
            AwsRole::parse(
                "--federate-from-aws",
                "arn:aws:iam::123456789012:role/Scanner",
            )
            .expect("role"),
            "cloud-builder@billing-admin.iam.gserviceaccount.com",
            None,
            None,
            None,
        )
        .expect("spec")
    }

    #[test]
    fn defaults_come_from_the_service_account_and_the_role() {
        let s = spec();
        assert_eq!(s.project, "billing-admin");
        assert_eq!(s.pool_id, "cloudbuilder");
        assert_eq!(s.provider_id, "aws-123456789012");
        assert_eq!(
            s.provider_name(),
            "projects/billing-admin/locations/global/workloadIdentityPools/cloudbuilder/providers/aws-123456789012"
        );
        assert_eq!(
            s.audience("333"),
            "//iam.googleapis.com/projects/333/locations/global/workloadIdentityPools/cloudbuilder/providers/aws-123456789012"
        );
        assert_eq!(
            s.principal_set("333"),
            "principalSet://iam.googleapis.com/projects/333/locations/global/workloadIdentityPools/cloudbuilder/attribute.aws_role/arn:aws:sts::123456789012:assumed-role/Scanner"
        );
        assert_eq!(
            s.attribute_condition(),
            "attribute.aws_role == 'arn:aws:sts::123456789012:assumed-role/Scanner'"
        );
    }

    #[test]
    fn bad_ids_and_projects_name_their_flag() {
        let role = spec().aws_role;
        for (project, pool, provider, field) in [
            (Some("X"), None, None, "--federation-project"),
            (None, Some("gcp-pool"), None, "--pool-id"),
            (None, None, Some("ab"), "--provider-id"),
        ] {
            let err = FederationSpec::new(
                role.clone(),
                "sa@billing-admin.iam.gserviceaccount.com",
                project,
                pool,
                provider,
            )
            .expect_err(field);
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
        }
        let err =
            FederationSpec::new(role, "sa@example.com", None, None, None).expect_err("project");
        assert!(
            err.to_string().starts_with("--federation-project: "),
            "{err}"
        );
        assert_eq!(project_number("projects/333/locations/global"), Some("333"));
        assert_eq!(project_number("projects/billing-admin/locations"), None);
    }
}
