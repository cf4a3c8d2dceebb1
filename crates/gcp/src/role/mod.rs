//! The Cloud Builder custom role: what it is ([`RoleSpec`]), the documents a
//! plan writes ([`document`]), and the apply / verify / destroy steps against
//! IAM and Resource Manager ([`custom_role`], [`binding`], [`provision`]).
//!
//! Custom roles live only in an organization or a project. A role for a folder
//! scope is therefore made in the folder's organization and bound on the folder.

pub mod binding;
pub mod custom_role;
pub mod document;
pub mod provision;

use crate::Connection;
use crate::error::{Error, Result};
use crate::member::Member;
use crate::scope::GcpScope;

/// The default custom role id.
pub const DEFAULT_ROLE_ID: &str = "cloudBuilder";
/// The role's title.
pub const TITLE: &str = "Cloud Builder";
/// The role's description.
pub const DESCRIPTION: &str = "Read-only scanner: Cloud Asset Inventory metadata, audit logs and the billing export query (made by cloudbuilder).";

/// Where a custom role lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleParent {
    /// In an organization, by id.
    Organization(String),
    /// In a project, by id.
    Project(String),
}

impl RoleParent {
    /// `organizations/ID` or `projects/ID`.
    pub fn resource(&self) -> String {
        match self {
            RoleParent::Organization(id) => format!("organizations/{id}"),
            RoleParent::Project(id) => format!("projects/{id}"),
        }
    }

    /// The gcloud flag that names it: `--organization=ID` or `--project=ID`.
    pub fn gcloud_flag(&self) -> String {
        match self {
            RoleParent::Organization(id) => format!("--organization={id}"),
            RoleParent::Project(id) => format!("--project={id}"),
        }
    }
}

/// Everything the role commands need to know, validated.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    /// Where the role is bound.
    pub scope: GcpScope,
    /// Where the role is defined.
    pub parent: RoleParent,
    /// The role id, e.g. `cloudBuilder`.
    pub role_id: String,
    /// Who is granted the role.
    pub member: Member,
    /// The role's includedPermissions, sorted.
    pub permissions: Vec<String>,
}

impl RoleSpec {
    /// A spec for `scope`; `organization` is the folder's organization (needed
    /// for folder scopes only).
    pub fn new(
        scope: GcpScope,
        organization: Option<&str>,
        role_id: &str,
        member: Member,
        extra_permissions: &[String],
    ) -> Result<Self> {
        check_role_id("--role-id", role_id)?;
        let parent = match &scope {
            GcpScope::Organization(id) => RoleParent::Organization(id.clone()),
            GcpScope::Project(id) => RoleParent::Project(id.clone()),
            GcpScope::Folder(_) => RoleParent::Organization(
                organization
                    .ok_or_else(|| {
                        Error::invalid(
                            "--organization",
                            "a folder scope needs the folder's organization id (custom roles live only in organizations and projects)",
                        )
                    })?
                    .to_owned(),
            ),
        };
        Ok(RoleSpec {
            scope,
            parent,
            role_id: role_id.to_owned(),
            member,
            permissions: permissions(extra_permissions)?,
        })
    }

    /// The role's full name, e.g. `organizations/123/roles/cloudBuilder`.
    pub fn role_name(&self) -> String {
        format!("{}/roles/{}", self.parent.resource(), self.role_id)
    }
}

/// The role's permissions: every permission the GCP tables declare, plus
/// `extra` (each checked to be a read), sorted and without repeats.
pub fn permissions(extra: &[String]) -> Result<Vec<String>> {
    let mut all: Vec<String> = crate::tables::permissions()
        .into_iter()
        .map(str::to_owned)
        .collect();
    for p in extra {
        crate::permission::check("--permission", p)?;
        all.push(p.clone());
    }
    all.sort();
    all.dedup();
    Ok(all)
}

/// A custom role id: 3 to 64 of letters, digits, `_` and `.`.
pub fn check_role_id(field: &str, id: &str) -> Result<()> {
    if (3..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "'{id}' is not a custom role id; allowed are 3 to 64 of letters, digits, _ and ."
            ),
        ))
    }
}

/// The organization a folder belongs to, found by walking up its parents
/// with `folders.get` (`resourcemanager.folders.get`).
pub async fn folder_organization(conn: &Connection, folder_id: &str) -> Result<String> {
    let folders = conn.folders().await?;
    let mut name = format!("folders/{folder_id}");
    for _ in 0..32 {
        let folder = folders
            .get_folder()
            .set_name(name.clone())
            .send()
            .await
            .map_err(|e| Error::from_gax("folders.get", e))?;
        if let Some(org) = folder.parent.strip_prefix("organizations/") {
            return Ok(org.to_owned());
        }
        if !folder.parent.starts_with("folders/") {
            break;
        }
        name = folder.parent;
    }
    Err(Error::Unexpected {
        operation: "folders.get",
        message: format!("no organization above folders/{folder_id}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        Member::parse(
            "--member",
            "serviceAccount:sa@p-123456.iam.gserviceaccount.com",
        )
        .expect("member")
    }

    #[test]
    fn folder_roles_live_in_the_organization() {
        let scope = GcpScope::parse("--scope", "folders/1001").expect("scope");
        let spec =
            RoleSpec::new(scope.clone(), Some("42"), "cloudBuilder", member(), &[]).expect("spec");
        assert_eq!(spec.role_name(), "organizations/42/roles/cloudBuilder");
        let err = RoleSpec::new(scope, None, "cloudBuilder", member(), &[]).expect_err("no org");
        assert!(err.is_usage() && err.to_string().starts_with("--organization: "));
    }

    #[test]
    fn project_roles_live_in_the_project() {
        let scope = GcpScope::parse("--scope", "projects/beta-dev").expect("scope");
        let spec = RoleSpec::new(scope, None, "cloudBuilder", member(), &[]).expect("spec");
        assert_eq!(spec.role_name(), "projects/beta-dev/roles/cloudBuilder");
        assert_eq!(spec.parent.gcloud_flag(), "--project=beta-dev");
    }

    #[test]
    fn permissions_are_generated_from_the_tables() {
        let generated = permissions(&[]).expect("permissions");
        let declared: Vec<String> = crate::tables::permissions()
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(generated, declared);
        let more = permissions(&["compute.instances.list".to_owned()]).expect("extra");
        assert!(more.contains(&"compute.instances.list".to_owned()));
        assert!(permissions(&["compute.instances.delete".to_owned()]).is_err());
    }

    #[test]
    fn role_ids() {
        assert!(check_role_id("--role-id", "cloudBuilder").is_ok());
        assert!(check_role_id("--role-id", "cloud-builder").is_err());
        assert!(check_role_id("--role-id", "ab").is_err());
    }
}
