//! The GCP table registry: one file per table, one list here. Everything
//! derived from tables — the SQL schema, `cloudbuilder tables`, the Cloud
//! Builder custom role's includedPermissions — is computed from [`TABLES`].

mod gcp_audit_log;
mod gcp_billing_cost_daily;
mod gcp_cloudasset_resource;
mod gcp_compute_instance;
mod gcp_folder;
mod gcp_organization;
mod gcp_project;
mod gcp_service_account;
mod gcp_storage_bucket;
mod search;

use crate::scan::GcpContext;
use cloudbuilder_core::{Table, TableDef};

/// Every GCP table, in listing order.
pub static TABLES: &[&dyn Table<GcpContext>] = &[
    &gcp_organization::GcpOrganization,
    &gcp_folder::GcpFolder,
    &gcp_project::GcpProject,
    &gcp_cloudasset_resource::GcpCloudassetResource,
    &gcp_compute_instance::GcpComputeInstance,
    &gcp_storage_bucket::GcpStorageBucket,
    &gcp_service_account::GcpServiceAccount,
    &gcp_audit_log::GcpAuditLog,
    &gcp_billing_cost_daily::GcpBillingCostDaily,
];

/// The name of the table that reads the billing export (it needs the export table's name).
pub const BILLING_TABLE: &str = "gcp_billing_cost_daily";

/// The table named `name`.
pub fn find(name: &str) -> Option<&'static dyn Table<GcpContext>> {
    TABLES.iter().copied().find(|t| t.def().name == name)
}

/// Every table's declaration.
pub fn defs() -> Vec<&'static TableDef> {
    TABLES.iter().map(|t| t.def()).collect()
}

/// Every permission the tables call, sorted and without repeats. (Finding
/// the projects under the scan root is an Asset Inventory search too, so it
/// needs no permission of its own.)
pub fn permissions() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = TABLES
        .iter()
        .flat_map(|t| t.def().permissions.iter().copied())
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
            assert!(def.name.starts_with("gcp_"), "{}", def.name);
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
                assert!(!column.description.is_empty());
            }
        }
    }

    #[test]
    fn every_declared_permission_is_a_read_or_the_billing_query() {
        for p in permissions() {
            crate::permission::check("table", p).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(permissions().contains(&crate::permission::BILLING_QUERY));
    }
}
