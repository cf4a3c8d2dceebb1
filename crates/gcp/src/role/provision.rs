//! `apply`, `verify` and `destroy` as steps over the role and its binding,
//! each reported as one [`Step`] (what, where, result, detail) for printing.

use super::RoleSpec;
use super::binding::{BindingChange, ResourceManager, has_member};
use super::custom_role::{self, RoleChange, RoleState};
use crate::Connection;
use crate::error::Result;
use crate::mint::{TokenRequest, generate_access_token};

/// One line of a role command's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// What the line is about: `role`, `binding` or `permissions`.
    pub item: &'static str,
    /// The resource: the role's name, or the scope.
    pub resource: String,
    /// created, updated, undeleted, unchanged, added, removed, deleted,
    /// absent, ok, drift, skipped.
    pub result: &'static str,
    /// More, for people.
    pub detail: String,
}

impl Step {
    /// Whether the line reports drift.
    pub fn is_drift(&self) -> bool {
        self.result == "drift"
    }
}

/// Creates or updates the role, then binds it on the scope.
pub async fn apply(conn: &Connection, spec: &RoleSpec) -> Result<Vec<Step>> {
    let iam = conn.iam().await?;
    let rm = ResourceManager::connect(conn).await?;
    let (result, detail) = match custom_role::ensure(&iam, spec).await? {
        RoleChange::Created => ("created", format!("{} permissions", spec.permissions.len())),
        RoleChange::Undeleted(fields) => (
            "undeleted",
            if fields.is_empty() {
                "it was soft-deleted".to_owned()
            } else {
                format!("it was soft-deleted; updated {}", fields.join(", "))
            },
        ),
        RoleChange::Updated(fields) => ("updated", fields.join(", ")),
        RoleChange::Unchanged => (
            "unchanged",
            format!("{} permissions", spec.permissions.len()),
        ),
    };
    let mut steps = vec![Step {
        item: "role",
        resource: spec.role_name(),
        result,
        detail,
    }];
    let (result, detail) = match rm
        .ensure_binding(&spec.scope, &spec.role_name(), spec.member.as_str(), true)
        .await?
    {
        BindingChange::Added(attempts) => {
            ("added", attempt_note(&spec.member.to_string(), attempts))
        }
        _ => ("unchanged", spec.member.to_string()),
    };
    steps.push(Step {
        item: "binding",
        resource: spec.scope.resource(),
        result,
        detail,
    });
    Ok(steps)
}

fn attempt_note(member: &str, attempts: u32) -> String {
    if attempts > 1 {
        format!(
            "{member} (after {} concurrent policy changes)",
            attempts - 1
        )
    } else {
        member.to_owned()
    }
}

/// Reads the role and binding back and reports drift; with `probe`, mints a
/// short token for the member (a service account) and asks
/// `testIamPermissions` which of the role's permissions it holds on the scope.
pub async fn verify(conn: &Connection, spec: &RoleSpec, probe: bool) -> Result<Vec<Step>> {
    let iam = conn.iam().await?;
    let rm = ResourceManager::connect(conn).await?;
    let mut steps = Vec::new();
    let role_step = |result, detail: String| Step {
        item: "role",
        resource: spec.role_name(),
        result,
        detail,
    };
    steps.push(match custom_role::read(&iam, &spec.role_name()).await? {
        RoleState::Missing => role_step("drift", "missing".to_owned()),
        RoleState::Deleted(_) => role_step(
            "drift",
            "deleted (soft-deleted; apply undeletes it)".to_owned(),
        ),
        RoleState::Live(role) => {
            let fields = custom_role::differences(&role, spec);
            if fields.is_empty() {
                role_step("ok", format!("{} permissions", spec.permissions.len()))
            } else {
                let (lacks, extra) = custom_role::permission_drift(&role, spec);
                let mut detail = format!("differs in {}", fields.join(", "));
                if !lacks.is_empty() {
                    detail.push_str(&format!("; lacks {}", lacks.join(" ")));
                }
                if !extra.is_empty() {
                    detail.push_str(&format!("; also holds {}", extra.join(" ")));
                }
                role_step("drift", detail)
            }
        }
    });
    let policy = rm.policy(&spec.scope).await?;
    let bound = has_member(&policy, &spec.role_name(), spec.member.as_str());
    steps.push(Step {
        item: "binding",
        resource: spec.scope.resource(),
        result: if bound { "ok" } else { "drift" },
        detail: if bound {
            spec.member.to_string()
        } else {
            format!("{} does not hold {}", spec.member, spec.role_name())
        },
    });
    if probe {
        steps.push(probe_permissions(conn, spec).await);
    }
    Ok(steps)
}

/// `testIamPermissions` as the member itself.
async fn probe_permissions(conn: &Connection, spec: &RoleSpec) -> Step {
    let step = |result, detail: String| Step {
        item: "permissions",
        resource: spec.scope.resource(),
        result,
        detail,
    };
    let Some(email) = spec.member.service_account() else {
        return step(
            "skipped",
            "the member is not a service account: cannot act as it".to_owned(),
        );
    };
    let minted = match TokenRequest::new(email, Vec::new(), 300) {
        Ok(request) => generate_access_token(conn, &request).await,
        Err(e) => Err(e),
    };
    let minted = match minted {
        Ok(m) => m,
        Err(e) => return step("skipped", format!("cannot act as {email}: {e}")),
    };
    let as_member = conn.with_token(minted.token);
    let held = match ResourceManager::connect(&as_member).await {
        Ok(rm) => rm.test_permissions(&spec.scope, &spec.permissions).await,
        Err(e) => Err(e),
    };
    match held {
        Ok(held) => {
            let lacking: Vec<&String> = spec
                .permissions
                .iter()
                .filter(|p| !held.contains(p))
                .collect();
            if lacking.is_empty() {
                step(
                    "ok",
                    format!("{email} holds all {} permissions", spec.permissions.len()),
                )
            } else {
                step(
                    "drift",
                    format!(
                        "{email} lacks {}",
                        lacking
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                )
            }
        }
        Err(e) => step(
            "drift",
            format!("testIamPermissions as {email} failed: {e}"),
        ),
    }
}

/// Removes the binding, then deletes the role.
pub async fn destroy(conn: &Connection, spec: &RoleSpec) -> Result<Vec<Step>> {
    let iam = conn.iam().await?;
    let rm = ResourceManager::connect(conn).await?;
    let binding = rm
        .ensure_binding(&spec.scope, &spec.role_name(), spec.member.as_str(), false)
        .await?;
    let mut steps = vec![Step {
        item: "binding",
        resource: spec.scope.resource(),
        result: if matches!(binding, BindingChange::Removed(_)) {
            "removed"
        } else {
            "absent"
        },
        detail: spec.member.to_string(),
    }];
    let deleted = custom_role::delete(&iam, &spec.role_name()).await?;
    steps.push(Step {
        item: "role",
        resource: spec.role_name(),
        result: if deleted { "deleted" } else { "absent" },
        detail: if deleted {
            "soft-deleted: IAM purges it after 7 days; until then apply undeletes it".to_owned()
        } else {
            String::new()
        },
    });
    Ok(steps)
}
