//! `gcp_cloudasset_resource`: every resource Cloud Asset Inventory finds under the scan root.

use crate::scan::{GcpContext, json, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

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

/// The table.
pub struct GcpCloudassetResource;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpCloudassetResource {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        super::search::rows(ctx, &[], rows, row).await
    }
}

fn row(v: &Value) -> Row {
    vec![
        text(v, "/name"),
        text(v, "/assetType"),
        text(v, "/project"),
        text(v, "/displayName"),
        text(v, "/location"),
        json(v, "/labels"),
        timestamp(v, "/createTime"),
        timestamp(v, "/updateTime"),
        text(v, "/state"),
        json(v, "/folders"),
        text(v, "/organization"),
        text(v, "/parentFullResourceName"),
        json(v, "/additionalAttributes"),
    ]
}
