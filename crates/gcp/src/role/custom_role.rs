//! The custom role itself: read it, create it, bring it to the spec (patch
//! with an update mask, undelete a soft-deleted role), delete it.

use super::{DESCRIPTION, RoleSpec, TITLE};
use crate::error::{Error, Result};
use google_cloud_iam_admin_v1::client::Iam;
use google_cloud_iam_admin_v1::model::Role;
use google_cloud_iam_admin_v1::model::role::RoleLaunchStage;
use std::collections::BTreeSet;

/// What IAM holds under the role's name.
#[derive(Debug)]
pub enum RoleState {
    /// No role of that name.
    Missing,
    /// A soft-deleted role (its id cannot be reused until it is purged).
    Deleted(Box<Role>),
    /// A live role.
    Live(Box<Role>),
}

/// What `ensure` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChange {
    /// The role was created.
    Created,
    /// A soft-deleted role was undeleted, then these fields were updated.
    Undeleted(Vec<&'static str>),
    /// These fields were updated.
    Updated(Vec<&'static str>),
    /// The role already matched the spec: nothing was written.
    Unchanged,
}

/// Reads the role (`iam.roles.get`).
pub async fn read(iam: &Iam, name: &str) -> Result<RoleState> {
    match iam.get_role().set_name(name).send().await {
        Ok(role) if role.deleted => Ok(RoleState::Deleted(Box::new(role))),
        Ok(role) => Ok(RoleState::Live(Box::new(role))),
        Err(e) => {
            let err = Error::from_gax("roles.get", e);
            if err.code() == Some("NOT_FOUND") {
                Ok(RoleState::Missing)
            } else {
                Err(err)
            }
        }
    }
}

/// The fields of `role` that differ from the spec, as update-mask paths.
pub fn differences(role: &Role, spec: &RoleSpec) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if role.title != TITLE {
        fields.push("title");
    }
    if role.description != DESCRIPTION {
        fields.push("description");
    }
    let have: BTreeSet<&str> = role
        .included_permissions
        .iter()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = spec.permissions.iter().map(String::as_str).collect();
    if have != want {
        fields.push("includedPermissions");
    }
    if role.stage != RoleLaunchStage::Ga {
        fields.push("stage");
    }
    fields
}

/// The permissions the role lacks and holds beyond the spec.
pub fn permission_drift(role: &Role, spec: &RoleSpec) -> (Vec<String>, Vec<String>) {
    let have: BTreeSet<&String> = role.included_permissions.iter().collect();
    let want: BTreeSet<&String> = spec.permissions.iter().collect();
    (
        want.difference(&have).map(|s| (*s).clone()).collect(),
        have.difference(&want).map(|s| (*s).clone()).collect(),
    )
}

fn desired(spec: &RoleSpec) -> Role {
    Role::new()
        .set_title(TITLE)
        .set_description(DESCRIPTION)
        .set_included_permissions(spec.permissions.clone())
        .set_stage(RoleLaunchStage::Ga)
}

/// Creates the role or brings it to the spec; writes nothing when it matches.
pub async fn ensure(iam: &Iam, spec: &RoleSpec) -> Result<RoleChange> {
    let name = spec.role_name();
    match read(iam, &name).await? {
        RoleState::Missing => {
            iam.create_role()
                .set_parent(spec.parent.resource())
                .set_role_id(&spec.role_id)
                .set_role(desired(spec))
                .send()
                .await
                .map_err(|e| Error::from_gax("roles.create", e))?;
            Ok(RoleChange::Created)
        }
        RoleState::Deleted(role) => {
            let role = iam
                .undelete_role()
                .set_name(&name)
                .set_etag(role.etag)
                .send()
                .await
                .map_err(|e| Error::from_gax("roles.undelete", e))?;
            let fields = update(iam, &name, &role, spec).await?;
            Ok(RoleChange::Undeleted(fields))
        }
        RoleState::Live(role) => {
            let fields = update(iam, &name, &role, spec).await?;
            Ok(if fields.is_empty() {
                RoleChange::Unchanged
            } else {
                RoleChange::Updated(fields)
            })
        }
    }
}

/// Patches the fields that differ (with the role's etag); returns them.
async fn update(iam: &Iam, name: &str, role: &Role, spec: &RoleSpec) -> Result<Vec<&'static str>> {
    let fields = differences(role, spec);
    if fields.is_empty() {
        return Ok(fields);
    }
    iam.update_role()
        .set_name(name)
        .set_role(desired(spec).set_etag(role.etag.clone()))
        .set_update_mask(google_cloud_wkt::FieldMask::default().set_paths(fields.iter().copied()))
        .send()
        .await
        .map_err(|e| Error::from_gax("roles.patch", e))?;
    Ok(fields)
}

/// Deletes the role (soft delete: IAM purges it after 7 days, and the id
/// cannot be reused until then; a later apply undeletes it). Returns whether
/// a live role was deleted.
pub async fn delete(iam: &Iam, name: &str) -> Result<bool> {
    match read(iam, name).await? {
        RoleState::Live(_) => {
            // No etag: google-cloud-iam-admin-v1 1.13 puts a `bytes` etag in the
            // query string, which reqwest cannot encode, and the client panics.
            iam.delete_role()
                .set_name(name)
                .send()
                .await
                .map_err(|e| Error::from_gax("roles.delete", e))?;
            Ok(true)
        }
        RoleState::Missing | RoleState::Deleted(_) => Ok(false),
    }
}
