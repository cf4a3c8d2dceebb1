//! `gcp_organization`: the organization above the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_organization",
    cloud: Cloud::Gcp,
    description: "A GCP organization.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The organization's name, organizations/ID."),
        ColumnDef::new("organization_id", Text, "The numeric id."),
        ColumnDef::new("display_name", Text, "The display name (the domain)."),
        ColumnDef::new("state", Text, "The lifecycle state."),
        ColumnDef::new(
            "create_time",
            Timestamp,
            "When the organization was created.",
        ),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
