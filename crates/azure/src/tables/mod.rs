//! The Azure table registry: one file per table, one list here. The Cloud
//! Builder role's Actions are generated from [`permissions`], never written
//! by hand.

mod azure_activity_log;
mod azure_compute_virtual_machine;
mod azure_cost_by_service_daily;
mod azure_management_group;
mod azure_resource;
mod azure_resource_group;
mod azure_storage_account;
mod azure_subscription;
mod graph;

use crate::scan::AzureContext;
use cloudbuilder_core::{Table, TableDef};

/// Resource Graph's read permission, which every inventory table calls.
pub(crate) const RESOURCE_GRAPH_READ: &str = "Microsoft.ResourceGraph/resources/read";

/// Every Azure table, in listing order.
pub static TABLES: &[&dyn Table<AzureContext>] = &[
    &azure_resource::AzureResource,
    &azure_subscription::AzureSubscription,
    &azure_management_group::AzureManagementGroup,
    &azure_resource_group::AzureResourceGroup,
    &azure_compute_virtual_machine::AzureComputeVirtualMachine,
    &azure_storage_account::AzureStorageAccount,
    &azure_activity_log::AzureActivityLog,
    &azure_cost_by_service_daily::AzureCostByServiceDaily,
];

/// The table named `name`.
pub fn find(name: &str) -> Option<&'static dyn Table<AzureContext>> {
    TABLES.iter().copied().find(|t| t.def().name == name)
}

/// What a scan calls to expand its scope into subscriptions, besides the
/// tables: Subscriptions_List/Get and ManagementGroups_GetDescendants.
pub const DISCOVERY_PERMISSIONS: &[&str] = &[
    "Microsoft.Management/managementGroups/descendants/read",
    "Microsoft.Resources/subscriptions/read",
];

/// Every table's declaration.
pub fn defs() -> Vec<&'static TableDef> {
    TABLES.iter().map(|t| t.def()).collect()
}

/// Every permission the tables and discovery call, sorted and without repeats.
pub fn permissions() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = TABLES
        .iter()
        .flat_map(|t| t.def().permissions.iter().copied())
        .chain(DISCOVERY_PERMISSIONS.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_prefixed_and_columns_are_well_formed() {
        let mut names = HashSet::new();
        for def in defs() {
            assert!(names.insert(def.name), "{} twice", def.name);
            assert!(def.name.starts_with("azure_"), "{}", def.name);
            assert!(
                !def.permissions.is_empty(),
                "{} declares no permission",
                def.name
            );
            let mut columns = HashSet::new();
            for column in def.all_columns() {
                assert!(
                    columns.insert(column.name),
                    "{}.{} twice",
                    def.name,
                    column.name
                );
                assert!(
                    column
                        .name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{}.{}",
                    def.name,
                    column.name
                );
                assert!(!column.description.is_empty());
            }
        }
    }

    #[test]
    fn permissions_are_reads_only() {
        for p in permissions() {
            assert!(p.ends_with("/read"), "{p} is not a read");
            assert!(!p.to_ascii_lowercase().contains("listkeys"), "{p}");
        }
    }
}
