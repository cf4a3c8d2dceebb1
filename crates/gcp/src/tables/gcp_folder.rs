//! `gcp_folder`: folders under the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_folder",
    cloud: Cloud::Gcp,
    description: "A GCP folder.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The folder's name, folders/ID."),
        ColumnDef::new("folder_id", Text, "The numeric id."),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new(
            "parent",
            Text,
            "The parent, organizations/ID or folders/ID.",
        ),
        ColumnDef::new("state", Text, "The lifecycle state."),
        ColumnDef::new("create_time", Timestamp, "When the folder was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
