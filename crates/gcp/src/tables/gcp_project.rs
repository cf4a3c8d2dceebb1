//! `gcp_project`: projects under the scan root.

use crate::scan::{GcpContext, json, project_id, short_name, text, timestamp};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};
use serde_json::Value;

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

/// The table.
pub struct GcpProject;

#[async_trait::async_trait]
impl Table<GcpContext> for GcpProject {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    /// The projects the scan found before its units ran: no request of its own.
    async fn fetch(
        &self,
        ctx: &GcpContext,
        _target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        super::search::found(&ctx.containers.projects, rows, row).await
    }
}

fn row(v: &Value) -> Row {
    vec![
        project_id(v).into(),
        v["project"]
            .as_str()
            .and_then(|p| p.strip_prefix("projects/"))
            .into(),
        text(v, "/displayName"),
        v["parentFullResourceName"].as_str().map(short_name).into(),
        text(v, "/state"),
        json(v, "/labels"),
        timestamp(v, "/createTime"),
    ]
}
