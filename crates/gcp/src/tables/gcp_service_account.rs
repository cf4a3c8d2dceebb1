//! `gcp_service_account`: IAM service accounts under the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_service_account",
    cloud: Cloud::Gcp,
    description: "An IAM service account.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("email", Text, "The service account's email."),
        ColumnDef::new("name", Text, "The full resource name."),
        ColumnDef::new("project", Text, "The project, as projects/NUMBER."),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new("state", Text, "The state, e.g. ENABLED."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
