//! `gcp_compute_instance`: Compute Engine VM instances under the scan root.

use crate::scan::{GcpContext, json, last_segment, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

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

/// The table.
pub struct GcpComputeInstance;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpComputeInstance {
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
        super::search::rows(ctx, &["compute.googleapis.com/Instance"], rows, row).await
    }
}

fn row(v: &Value) -> Row {
    vec![
        last_segment(v, "/name"),
        text(v, "/name"),
        text(v, "/project"),
        text(v, "/location"),
        text(v, "/state"),
        last_segment(v, "/additionalAttributes/machineType"),
        json(v, "/labels"),
        timestamp(v, "/createTime"),
    ]
}
