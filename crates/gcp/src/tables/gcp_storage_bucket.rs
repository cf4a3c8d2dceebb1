//! `gcp_storage_bucket`: Cloud Storage buckets under the scan root (never objects).

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_storage_bucket",
    cloud: Cloud::Gcp,
    description: "A Cloud Storage bucket (bucket metadata only; objects are never read).",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new("name", Text, "The bucket's name."),
        ColumnDef::new("project", Text, "The project, as projects/NUMBER."),
        ColumnDef::new("location", Text, "The location, e.g. us or europe-west1."),
        ColumnDef::new(
            "storage_class",
            Text,
            "The default storage class, where Asset Inventory reports it.",
        ),
        ColumnDef::new("labels", Json, "The labels, as {\"key\": \"value\"}."),
        ColumnDef::new("create_time", Timestamp, "When the bucket was created."),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
