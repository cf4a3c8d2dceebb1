//! `gcp_project`: projects under the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_project",
    cloud: Cloud::Gcp,
    description: "A GCP project.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("project_id", Text, "The project id."),
        ColumnDef::new("project_number", Text, "The project number."),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new(
            "parent",
            Text,
            "The parent, organizations/ID or folders/ID.",
        ),
        ColumnDef::new("state", Text, "The lifecycle state, e.g. ACTIVE."),
        ColumnDef::new("labels", Json, "The labels, as {\"key\": \"value\"}."),
        ColumnDef::new("create_time", Timestamp, "When the project was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
