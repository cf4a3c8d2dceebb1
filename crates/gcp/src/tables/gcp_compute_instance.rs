//! `gcp_compute_instance`: Compute Engine VM instances under the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_compute_instance",
    cloud: Cloud::Gcp,
    description: "A Compute Engine VM instance.",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The instance's name."),
        ColumnDef::new("self_link", Text, "The full resource name."),
        ColumnDef::new("project", Text, "The project, as projects/NUMBER."),
        ColumnDef::new("zone", Text, "The zone."),
        ColumnDef::new("status", Text, "The status, e.g. RUNNING."),
        ColumnDef::new(
            "machine_type",
            Text,
            "The machine type, where Asset Inventory reports it.",
        ),
        ColumnDef::new("labels", Json, "The labels, as {\"key\": \"value\"}."),
        ColumnDef::new("create_time", Timestamp, "When the instance was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
