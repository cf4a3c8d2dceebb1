//! The role's binding on the scope: IAM policies of organizations, folders
//! and projects, edited read-modify-write with the etag, so that a concurrent
//! writer's change is never lost (a stale etag answers ABORTED; we read again).

use crate::Connection;
use crate::error::{Error, Result};
use crate::scope::GcpScope;
use google_cloud_iam_v1::model::{Binding, GetPolicyOptions, Policy};
use google_cloud_resourcemanager_v3::client::{Folders, Organizations, Projects};
use std::time::Duration;

/// How many read-modify-write rounds a binding change tries before giving up.
pub const MAX_ATTEMPTS: u32 = 8;

/// Resource Manager's three policy holders.
#[derive(Debug, Clone)]
pub struct ResourceManager {
    projects: Projects,
    folders: Folders,
    organizations: Organizations,
}

/// What a binding change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingChange {
    /// The member was added (after this many attempts).
    Added(u32),
    /// The member was removed (after this many attempts).
    Removed(u32),
    /// Nothing to do: no write was made.
    Unchanged,
}

impl ResourceManager {
    /// The clients, over `conn`.
    pub async fn connect(conn: &Connection) -> Result<Self> {
        Ok(ResourceManager {
            projects: conn.projects().await?,
            folders: conn.folders().await?,
            organizations: conn.organizations().await?,
        })
    }

    /// The scope's IAM policy (`getIamPolicy`, policy version 3).
    pub async fn policy(&self, scope: &GcpScope) -> Result<Policy> {
        let options = GetPolicyOptions::new().set_requested_policy_version(3);
        let resource = scope.resource();
        let result = match scope {
            GcpScope::Organization(_) => {
                self.organizations
                    .get_iam_policy()
                    .set_resource(resource)
                    .set_options(options)
                    .send()
                    .await
            }
            GcpScope::Folder(_) => {
                self.folders
                    .get_iam_policy()
                    .set_resource(resource)
                    .set_options(options)
                    .send()
                    .await
            }
            GcpScope::Project(_) => {
                self.projects
                    .get_iam_policy()
                    .set_resource(resource)
                    .set_options(options)
                    .send()
                    .await
            }
        };
        result.map_err(|e| Error::from_gax("getIamPolicy", e))
    }

    /// Writes the policy (`setIamPolicy`); the policy's etag makes it a
    /// compare-and-swap.
    pub async fn set_policy(&self, scope: &GcpScope, policy: Policy) -> Result<Policy> {
        let resource = scope.resource();
        let result = match scope {
            GcpScope::Organization(_) => {
                self.organizations
                    .set_iam_policy()
                    .set_resource(resource)
                    .set_policy(policy)
                    .send()
                    .await
            }
            GcpScope::Folder(_) => {
                self.folders
                    .set_iam_policy()
                    .set_resource(resource)
                    .set_policy(policy)
                    .send()
                    .await
            }
            GcpScope::Project(_) => {
                self.projects
                    .set_iam_policy()
                    .set_resource(resource)
                    .set_policy(policy)
                    .send()
                    .await
            }
        };
        result.map_err(|e| Error::from_gax("setIamPolicy", e))
    }

    /// Which of `permissions` the caller holds on the scope (`testIamPermissions`).
    pub async fn test_permissions(
        &self,
        scope: &GcpScope,
        permissions: &[String],
    ) -> Result<Vec<String>> {
        let resource = scope.resource();
        let perms = permissions.to_vec();
        let result = match scope {
            GcpScope::Organization(_) => {
                self.organizations
                    .test_iam_permissions()
                    .set_resource(resource)
                    .set_permissions(perms)
                    .send()
                    .await
            }
            GcpScope::Folder(_) => {
                self.folders
                    .test_iam_permissions()
                    .set_resource(resource)
                    .set_permissions(perms)
                    .send()
                    .await
            }
            GcpScope::Project(_) => {
                self.projects
                    .test_iam_permissions()
                    .set_resource(resource)
                    .set_permissions(perms)
                    .send()
                    .await
            }
        };
        result
            .map(|r| r.permissions)
            .map_err(|e| Error::from_gax("testIamPermissions", e))
    }

    /// Makes `member` hold (or, with `present` false, not hold) `role` on the
    /// scope through an unconditional binding. Reads the policy, edits it, and
    /// writes it with the etag it was read with; when another writer got there
    /// first (ABORTED), reads again and redoes the edit on the new policy.
    pub async fn ensure_binding(
        &self,
        scope: &GcpScope,
        role: &str,
        member: &str,
        present: bool,
    ) -> Result<BindingChange> {
        ensure_member(
            &scope.resource(),
            role,
            member,
            present,
            || self.policy(scope),
            |policy| self.set_policy(scope, policy),
        )
        .await
    }
}

/// Makes `member` hold (or, with `present` false, not hold) `role` in the
/// IAM policy of `resource`, read with `read` and written with `write`:
/// read, edit, write with the etag it was read with; when another writer got
/// there first (ABORTED), read again and redo the edit on the new policy.
pub async fn ensure_member<R, RF, W, WF>(
    resource: &str,
    role: &str,
    member: &str,
    present: bool,
    read: R,
    write: W,
) -> Result<BindingChange>
where
    R: Fn() -> RF,
    RF: Future<Output = Result<Policy>>,
    W: Fn(Policy) -> WF,
    WF: Future<Output = Result<Policy>>,
{
    for attempt in 1..=MAX_ATTEMPTS {
        let mut policy = read().await?;
        let changed = if present {
            add_member(&mut policy, role, member)
        } else {
            remove_member(&mut policy, role, member)
        };
        if !changed {
            return Ok(BindingChange::Unchanged);
        }
        match write(policy).await {
            Ok(_) if present => return Ok(BindingChange::Added(attempt)),
            Ok(_) => return Ok(BindingChange::Removed(attempt)),
            Err(e) if is_conflict(&e) => {
                tracing::debug!(
                    resource,
                    attempt,
                    "setIamPolicy met a concurrent write; reading again"
                );
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::Contention {
        resource: resource.to_owned(),
        attempts: MAX_ATTEMPTS,
    })
}

/// Whether setIamPolicy refused a stale etag.
fn is_conflict(err: &Error) -> bool {
    matches!(err.code(), Some("ABORTED") | Some("HTTP 409"))
}

/// 50 ms, 100 ms, 200 ms … capped at 2 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(6)).min(2_000))
}

/// Whether `member` holds `role` through an unconditional binding.
pub fn has_member(policy: &Policy, role: &str, member: &str) -> bool {
    policy
        .bindings
        .iter()
        .any(|b| b.role == role && b.condition.is_none() && b.members.iter().any(|m| m == member))
}

/// Adds `member` to the unconditional binding of `role` (made if missing).
/// Returns whether the policy changed.
pub fn add_member(policy: &mut Policy, role: &str, member: &str) -> bool {
    if has_member(policy, role, member) {
        return false;
    }
    match policy
        .bindings
        .iter_mut()
        .find(|b| b.role == role && b.condition.is_none())
    {
        Some(binding) => binding.members.push(member.to_owned()),
        None => policy
            .bindings
            .push(Binding::new().set_role(role).set_members([member])),
    }
    keep_version(policy);
    true
}

/// Removes `member` from the unconditional binding of `role` (dropping the
/// binding when it empties). Returns whether the policy changed.
pub fn remove_member(policy: &mut Policy, role: &str, member: &str) -> bool {
    if !has_member(policy, role, member) {
        return false;
    }
    for binding in policy
        .bindings
        .iter_mut()
        .filter(|b| b.role == role && b.condition.is_none())
    {
        binding.members.retain(|m| m != member);
    }
    policy.bindings.retain(|b| !b.members.is_empty());
    keep_version(policy);
    true
}

/// A policy with conditional bindings must be written as version 3.
fn keep_version(policy: &mut Policy) {
    if policy.bindings.iter().any(|b| b.condition.is_some()) {
        policy.version = 3;
    } else if policy.version == 0 {
        policy.version = 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::new().set_version(1).set_bindings([Binding::new()
            .set_role("roles/viewer")
            .set_members(["group:devs@example.com"])])
    }

    #[test]
    fn adding_keeps_every_other_binding_and_is_idempotent() {
        let mut p = policy();
        assert!(add_member(
            &mut p,
            "organizations/1/roles/cloudBuilder",
            "serviceAccount:a@b.iam.gserviceaccount.com"
        ));
        assert!(!add_member(
            &mut p,
            "organizations/1/roles/cloudBuilder",
            "serviceAccount:a@b.iam.gserviceaccount.com"
        ));
        assert!(has_member(&p, "roles/viewer", "group:devs@example.com"));
        assert!(has_member(
            &p,
            "organizations/1/roles/cloudBuilder",
            "serviceAccount:a@b.iam.gserviceaccount.com"
        ));
        assert!(add_member(&mut p, "roles/viewer", "user:x@example.com"));
        assert_eq!(p.bindings.len(), 2);
    }

    #[test]
    fn removing_drops_an_emptied_binding_only() {
        let mut p = policy();
        add_member(&mut p, "r/x", "user:a@example.com");
        assert!(remove_member(&mut p, "r/x", "user:a@example.com"));
        assert!(!remove_member(&mut p, "r/x", "user:a@example.com"));
        assert_eq!(p.bindings.len(), 1);
        assert!(has_member(&p, "roles/viewer", "group:devs@example.com"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) < backoff(2));
        assert_eq!(backoff(30), Duration::from_millis(2_000));
    }
}
