//! `gcp_cloudasset_resource`: every resource Cloud Asset Inventory finds under the scan root.

use cloudbuilder_core::{Cloud, ColumnDef, ColumnType::*, Scope, TableDef, WriteMode};

/// The declaration.
pub(crate) static DEF: TableDef = TableDef {
    name: "gcp_cloudasset_resource",
    cloud: Cloud::Gcp,
    description: "A resource found by Cloud Asset Inventory's searchAllResources (metadata only).",
    scope: Scope::Root,
    columns: &[
        ColumnDef::new(
            "name",
            Text,
            "The full resource name, e.g. //compute.googleapis.com/projects/p/zones/z/instances/i.",
        ),
        ColumnDef::new(
            "asset_type",
            Text,
            "The asset type, e.g. compute.googleapis.com/Instance.",
        ),
        ColumnDef::new(
            "project",
            Text,
            "The project the resource belongs to, as projects/NUMBER.",
        ),
        ColumnDef::new("display_name", Text, "The display name."),
        ColumnDef::new(
            "location",
            Text,
            "The location (region, zone, multi-region or global).",
        ),
        ColumnDef::new("labels", Json, "The labels, as {\"key\": \"value\"}."),
        ColumnDef::new("create_time", Timestamp, "When the resource was created."),
        ColumnDef::new(
            "update_time",
            Timestamp,
            "When the resource was last updated.",
        ),
        ColumnDef::new("state", Text, "The state, e.g. RUNNING or ACTIVE."),
        ColumnDef::new(
            "folders",
            Json,
            "The folders above the resource, as [\"folders/ID\"].",
        ),
        ColumnDef::new(
            "organization",
            Text,
            "The organization above the resource, as organizations/ID.",
        ),
        ColumnDef::new(
            "parent_full_resource_name",
            Text,
            "The full resource name of the parent.",
        ),
        ColumnDef::new(
            "additional_attributes",
            Json,
            "The asset type's searchable extra attributes.",
        ),
    ],
    permissions: &["cloudasset.assets.searchAllResources"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};
