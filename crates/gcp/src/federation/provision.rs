//! `apply`, `verify` and `destroy` of the federation, each reported as
//! [`Step`]s like the role's: the pool, the AWS provider, the binding that
//! lets the role's sessions act as the service account (on the service
//! account's own IAM policy, etag read-modify-write), and the credential
//! configuration file.

use super::config::{self, CredentialConfig};
use super::pool::{self, Change, Found, Kind};
use super::rest::Rest;
use super::{FederationSpec, WORKLOAD_IDENTITY_USER, project_number};
use crate::Connection;
use crate::error::{Error, Result};
use crate::role::binding::{BindingChange, ensure_member, has_member};
use crate::role::provision::Step;
use google_cloud_iam_admin_v1::client::Iam;
use google_cloud_iam_v1::model::{GetPolicyOptions, Policy};
use std::path::Path;

/// Where the credential configuration goes, and which endpoint it names.
#[derive(Debug, Clone, Copy)]
pub struct ConfigTarget<'a> {
    /// The file.
    pub path: &'a Path,
    /// The base URL of STS and IAM Credentials (tests); None: Google's.
    pub endpoint: Option<&'a str>,
}

/// The project's number (`projects.get`): audiences and principal sets name it.
pub async fn project_number_of(conn: &Connection, project: &str) -> Result<String> {
    let found = conn
        .projects()
        .await?
        .get_project()
        .set_name(format!("projects/{project}"))
        .send()
        .await
        .map_err(|e| Error::from_gax("projects.get", e))?;
    project_number(&found.name)
        .map(str::to_owned)
        .ok_or(Error::Unexpected {
            operation: "projects.get",
            message: format!("no project number in '{}'", found.name),
        })
}

/// The service account's IAM policy (version 3, so conditional bindings
/// others made survive the write).
async fn sa_policy(iam: &Iam, resource: &str) -> Result<Policy> {
    iam.get_iam_policy()
        .set_resource(resource)
        .set_options(GetPolicyOptions::new().set_requested_policy_version(3))
        .send()
        .await
        .map_err(|e| Error::from_gax("serviceAccounts.getIamPolicy", e))
}

/// Writes the service account's IAM policy (a compare-and-swap on its etag).
async fn set_sa_policy(iam: &Iam, resource: &str, policy: Policy) -> Result<Policy> {
    iam.set_iam_policy()
        .set_resource(resource)
        .set_policy(policy)
        .send()
        .await
        .map_err(|e| Error::from_gax("serviceAccounts.setIamPolicy", e))
}

fn change_step(kind: Kind, name: String, change: &Change) -> Step {
    let (result, detail) = match change {
        Change::Created => ("created", String::new()),
        Change::Undeleted(fields) if fields.is_empty() => {
            ("undeleted", "it was soft-deleted".to_owned())
        }
        Change::Undeleted(fields) => (
            "undeleted",
            format!("it was soft-deleted; updated {}", fields.join(", ")),
        ),
        Change::Updated(fields) => ("updated", fields.join(", ")),
        Change::Unchanged => ("unchanged", String::new()),
    };
    Step {
        item: item(kind),
        resource: name,
        result,
        detail,
    }
}

fn item(kind: Kind) -> &'static str {
    match kind {
        Kind::Pool => "pool",
        Kind::Provider => "provider",
    }
}

/// Creates or updates the pool and provider, binds the role's sessions on
/// the service account, and writes the credential configuration. A second
/// run writes nothing and reports every line unchanged.
pub async fn apply(
    conn: &Connection,
    spec: &FederationSpec,
    target: ConfigTarget<'_>,
) -> Result<Vec<Step>> {
    let rest = Rest::new(conn);
    let iam = conn.iam().await?;
    let number = project_number_of(conn, &spec.project).await?;
    let mut steps = Vec::new();
    let (change, _) = pool::ensure(&rest, spec, Kind::Pool).await?;
    steps.push(change_step(Kind::Pool, spec.pool_name(), &change));
    let (change, provider) = pool::ensure(&rest, spec, Kind::Provider).await?;
    let mut step = change_step(Kind::Provider, spec.provider_name(), &change);
    if step.detail.is_empty() {
        step.detail = format!(
            "AWS account {}, condition {}",
            spec.aws_role.account(),
            provider["attributeCondition"].as_str().unwrap_or_default()
        );
    }
    steps.push(step);
    let member = spec.principal_set(&number);
    let resource = spec.service_account_resource();
    let change = ensure_member(
        &resource,
        WORKLOAD_IDENTITY_USER,
        &member,
        true,
        || sa_policy(&iam, &resource),
        |policy| set_sa_policy(&iam, &resource, policy),
    )
    .await?;
    steps.push(Step {
        item: "binding",
        resource: resource.clone(),
        result: if matches!(change, BindingChange::Added(_)) {
            "added"
        } else {
            "unchanged"
        },
        detail: format!("{WORKLOAD_IDENTITY_USER} for {member}"),
    });
    let config = CredentialConfig::new(
        &spec.audience(&number),
        &spec.service_account,
        target.endpoint,
    );
    let written = config::write(target.path, &config)?;
    steps.push(Step {
        item: "credential-config",
        resource: target.path.display().to_string(),
        result: if written { "written" } else { "unchanged" },
        detail: "no secret in it: AWS credentials sign each exchange".to_owned(),
    });
    Ok(steps)
}

/// Reads everything back and reports drift from the spec.
pub async fn verify(
    conn: &Connection,
    spec: &FederationSpec,
    target: ConfigTarget<'_>,
) -> Result<Vec<Step>> {
    let rest = Rest::new(conn);
    let iam = conn.iam().await?;
    let number = project_number_of(conn, &spec.project).await?;
    let mut steps = Vec::new();
    for kind in [Kind::Pool, Kind::Provider] {
        let name = kind.name(spec);
        let (result, detail) = match pool::read(&rest, kind, &name).await? {
            Found::Missing => ("drift", "missing".to_owned()),
            Found::Deleted(_) => (
                "drift",
                "deleted (soft-deleted; apply undeletes it)".to_owned(),
            ),
            Found::Live(found) => {
                let fields = pool::differences(&found, &kind.desired(spec));
                if fields.is_empty() {
                    ("ok", String::new())
                } else {
                    let mut detail = format!("differs in {}", fields.join(", "));
                    if fields.contains(&"attributeCondition") {
                        detail.push_str(&format!(
                            "; condition is '{}', the plan pins '{}'",
                            found["attributeCondition"].as_str().unwrap_or_default(),
                            spec.attribute_condition()
                        ));
                    }
                    ("drift", detail)
                }
            }
        };
        steps.push(Step {
            item: item(kind),
            resource: name,
            result,
            detail,
        });
    }
    let member = spec.principal_set(&number);
    let resource = spec.service_account_resource();
    let bound = has_member(
        &sa_policy(&iam, &resource).await?,
        WORKLOAD_IDENTITY_USER,
        &member,
    );
    steps.push(Step {
        item: "binding",
        resource,
        result: if bound { "ok" } else { "drift" },
        detail: if bound {
            format!("{WORKLOAD_IDENTITY_USER} for {member}")
        } else {
            format!("{member} does not hold {WORKLOAD_IDENTITY_USER}")
        },
    });
    let want = CredentialConfig::new(
        &spec.audience(&number),
        &spec.service_account,
        target.endpoint,
    );
    let (result, detail) = match config::read("--out", target.path) {
        Ok(found) if found == want => ("ok", String::new()),
        Ok(_) => (
            "drift",
            "names another provider, service account or endpoint; apply rewrites it".to_owned(),
        ),
        Err(_) => ("drift", "missing or unreadable; apply writes it".to_owned()),
    };
    steps.push(Step {
        item: "credential-config",
        resource: target.path.display().to_string(),
        result,
        detail,
    });
    Ok(steps)
}

/// Removes the binding, deletes the provider and the pool (IAM keeps them
/// soft-deleted for about 30 days), and removes the configuration file.
pub async fn destroy(
    conn: &Connection,
    spec: &FederationSpec,
    target: ConfigTarget<'_>,
) -> Result<Vec<Step>> {
    let rest = Rest::new(conn);
    let iam = conn.iam().await?;
    let number = project_number_of(conn, &spec.project).await?;
    let member = spec.principal_set(&number);
    let resource = spec.service_account_resource();
    let change = ensure_member(
        &resource,
        WORKLOAD_IDENTITY_USER,
        &member,
        false,
        || sa_policy(&iam, &resource),
        |policy| set_sa_policy(&iam, &resource, policy),
    )
    .await?;
    let mut steps = vec![Step {
        item: "binding",
        resource,
        result: if matches!(change, BindingChange::Removed(_)) {
            "removed"
        } else {
            "absent"
        },
        detail: member,
    }];
    for kind in [Kind::Provider, Kind::Pool] {
        let name = kind.name(spec);
        let deleted = pool::delete(&rest, kind, &name).await?;
        steps.push(Step {
            item: item(kind),
            resource: name,
            result: if deleted { "deleted" } else { "absent" },
            detail: if deleted {
                "soft-deleted: IAM purges it after about 30 days; until then apply undeletes it"
                    .to_owned()
            } else {
                String::new()
            },
        });
    }
    let removed = match std::fs::remove_file(target.path) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            return Err(Error::Transport {
                operation: "remove the credential configuration",
                message: format!("{}: {e}", target.path.display()),
            });
        }
    };
    steps.push(Step {
        item: "credential-config",
        resource: target.path.display().to_string(),
        result: if removed { "removed" } else { "absent" },
        detail: String::new(),
    });
    Ok(steps)
}
