//! The Cloud Builder custom role: what it is (a [`RoleSpec`] at one scope,
//! its Actions generated from the tables' declared permissions) and its
//! documents — the `az role definition create` file, ARM's request bodies
//! and the equivalent `az` script. [`provision`] applies, reads back and
//! removes it.

pub mod provision;

use crate::guid::Guid;
use crate::scope::AzureScope;
use crate::{Error, Result};
use serde_json::{Value, json};

/// The Authorization API version the role calls use.
pub const API_VERSION: &str = "2022-04-01";

/// The role at one scope, assigned to one principal.
#[derive(Debug, Clone)]
pub struct RoleSpec {
    /// Where the role is assignable and assigned.
    pub scope: AzureScope,
    /// The custom role's name (unique in the tenant).
    pub role_name: String,
    /// The service principal's object id.
    pub assignee: Option<Guid>,
}

/// The custom role's description.
pub const DESCRIPTION: &str = "Cloud Builder: read-only inventory, activity log and cost reads for cloudbuilder scans (managed by cloudbuilder).";

impl RoleSpec {
    /// Checks a role name given as `field`: 1 to 128 characters, none of ARM's reserved ones.
    pub fn check_role_name(field: &str, name: &str) -> Result<()> {
        let reserved = ['/', '\\', '?', '#', '%', '&', '<', '>', '*', ':', '|', '"'];
        if name.trim().is_empty() || name.chars().count() > 128 {
            return Err(Error::invalid(
                field,
                format!("'{name}' must be 1 to 128 characters"),
            ));
        }
        if let Some(c) = name
            .chars()
            .find(|c| reserved.contains(c) || c.is_control())
        {
            return Err(Error::invalid(
                field,
                format!(
                    "'{name}' has '{c}'; a role name may not contain / \\ ? # % & < > * : | \""
                ),
            ));
        }
        Ok(())
    }

    /// The role's Actions: every permission the Azure tables and discovery
    /// declare, sorted. Reads only; DataActions stay empty.
    pub fn actions() -> Vec<&'static str> {
        crate::tables::permissions()
    }

    /// The role definition's GUID: the same for the same scope and name.
    pub fn definition_guid(&self) -> Guid {
        Guid::derive(&[
            "cloudbuilder/role-definition",
            &self.scope.id(),
            &self.role_name,
        ])
    }

    /// The role definition's resource id (what an assignment names).
    pub fn definition_id(&self) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
            self.scope.definition_home(),
            self.definition_guid()
        )
    }

    /// The path the definition is PUT to, at the scope.
    pub fn definition_path(&self) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
            self.scope.id(),
            self.definition_guid()
        )
    }

    /// The assignment's GUID: the same for the same scope, role and assignee.
    pub fn assignment_guid(&self, assignee: &Guid) -> Guid {
        Guid::derive(&[
            "cloudbuilder/role-assignment",
            &self.scope.id(),
            self.definition_guid().as_str(),
            assignee.as_str(),
        ])
    }

    /// The path the assignment is PUT to.
    pub fn assignment_path(&self, assignee: &Guid) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            self.scope.id(),
            self.assignment_guid(assignee)
        )
    }

    /// `cloud-builder-role.json`: the file `az role definition create --role-definition @file` takes.
    pub fn az_document(&self) -> Value {
        json!({
            "Name": self.role_name,
            "IsCustom": true,
            "Description": DESCRIPTION,
            "Actions": Self::actions(),
            "NotActions": [],
            "DataActions": [],
            "NotDataActions": [],
            "AssignableScopes": [self.scope.id()],
        })
    }

    /// The body of RoleDefinitions_CreateOrUpdate.
    pub fn definition_body(&self) -> Value {
        json!({
            "properties": {
                "roleName": self.role_name,
                "description": DESCRIPTION,
                "type": "CustomRole",
                "permissions": [{
                    "actions": Self::actions(),
                    "notActions": [],
                    "dataActions": [],
                    "notDataActions": [],
                }],
                "assignableScopes": [self.scope.id()],
            }
        })
    }

    /// The body of RoleAssignments_Create for `assignee`.
    pub fn assignment_body(&self, assignee: &Guid) -> Value {
        json!({
            "properties": {
                "roleDefinitionId": self.definition_id(),
                "principalId": assignee.as_str(),
                "principalType": "ServicePrincipal",
                "description": "Cloud Builder scanner (managed by cloudbuilder)",
            }
        })
    }

    /// `apply.sh`: the same change made with the az CLI.
    pub fn apply_script(&self) -> String {
        let scope = self.scope.id();
        let assignee = self
            .assignee
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| {
                "${ASSIGNEE_OBJECT_ID:?set the scanner service principal's object id}".into()
            });
        format!(
            "#!/bin/sh\n\
             # The Cloud Builder role at {scope}, made with the az CLI: what\n\
             # `cloudbuilder role apply --cloud azure` does (which also names the role\n\
             # and assignment with deterministic GUIDs, so that it can re-run).\n\
             set -eu\n\
             cd \"$(dirname \"$0\")\"\n\
             az role definition create --role-definition @cloud-builder-role.json\n\
             az role assignment create \\\n  \
               --assignee-object-id \"{assignee}\" \\\n  \
               --assignee-principal-type ServicePrincipal \\\n  \
               --role '{name}' \\\n  \
               --scope '{scope}'\n",
            name = self.role_name.replace('\'', "'\\''"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(scope: &str) -> RoleSpec {
        RoleSpec {
            scope: AzureScope::parse("--scope", scope).unwrap_or_else(|e| panic!("{e}")),
            role_name: "CloudBuilder".into(),
            assignee: Guid::parse("--assignee", "6f1d7c2e-8b5a-4e0f-9d3c-2a1b0c9d8e02").ok(),
        }
    }

    #[test]
    fn the_role_is_read_only_with_no_data_actions() {
        let doc = spec("/subscriptions/11111111-2222-4333-8444-555555555501").az_document();
        let actions: Vec<&str> = doc["Actions"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(actions.contains(&"Microsoft.ResourceGraph/resources/read"));
        assert!(actions.contains(&"Microsoft.Insights/eventtypes/values/read"));
        assert!(actions.contains(&"Microsoft.CostManagement/query/read"));
        for action in &actions {
            assert!(action.ends_with("/read"), "{action}");
            for bad in ["*/write", "*/delete", "*/action", "listkeys"] {
                assert!(!action.to_ascii_lowercase().contains(bad), "{action}");
            }
        }
        assert_eq!(doc["DataActions"], json!([]));
        assert_eq!(doc["IsCustom"], json!(true));
        assert_eq!(
            doc["AssignableScopes"],
            json!(["/subscriptions/11111111-2222-4333-8444-555555555501"])
        );
    }

    #[test]
    fn a_resource_group_role_lives_in_its_subscription() {
        let s = spec("/subscriptions/11111111-2222-4333-8444-555555555501/resourceGroups/rg-web");
        assert!(s.definition_id().starts_with(
            "/subscriptions/11111111-2222-4333-8444-555555555501/providers/Microsoft.Authorization/roleDefinitions/"
        ));
        assert!(s.definition_path().starts_with(
            "/subscriptions/11111111-2222-4333-8444-555555555501/resourceGroups/rg-web/providers/"
        ));
    }

    #[test]
    fn role_names_with_reserved_characters_are_refused() {
        assert!(RoleSpec::check_role_name("--role-name", "Cloud Builder").is_ok());
        assert!(RoleSpec::check_role_name("--role-name", "a/b").is_err_and(|e| e.is_usage()));
        assert!(RoleSpec::check_role_name("--role-name", "").is_err());
    }
}
