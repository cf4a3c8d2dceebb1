//! The GCP table registry: one file per table, one list here. Everything
//! derived from tables — the SQL schema, `cloudbuilder tables`, the Cloud
//! Builder custom role's includedPermissions — is computed from [`DEFS`].

mod gcp_audit_log;
mod gcp_billing_cost_daily;
mod gcp_cloudasset_resource;
mod gcp_compute_instance;
mod gcp_folder;
mod gcp_organization;
mod gcp_project;
mod gcp_service_account;
mod gcp_storage_bucket;

use cloudbuilder_core::TableDef;

/// Every GCP table's declaration, in listing order.
pub static DEFS: &[&TableDef] = &[
    &gcp_organization::DEF,
    &gcp_folder::DEF,
    &gcp_project::DEF,
    &gcp_cloudasset_resource::DEF,
    &gcp_compute_instance::DEF,
    &gcp_storage_bucket::DEF,
    &gcp_service_account::DEF,
    &gcp_audit_log::DEF,
    &gcp_billing_cost_daily::DEF,
];

/// Every table's declaration.
pub fn defs() -> Vec<&'static TableDef> {
    DEFS.to_vec()
}

/// Every permission the tables call, sorted and without repeats.
pub fn permissions() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = DEFS
        .iter()
        .flat_map(|t| t.permissions.iter().copied())
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
        for def in DEFS {
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
