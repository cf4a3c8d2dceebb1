//! `aws_rds_db_instance`: RDS database instances.

use super::common::{RDS_DESCRIBE, rows_by_page, tags, timestamp};
use crate::scan::AwsContext;
use aws_sdk_rds::types::DbInstance;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The table.
pub struct RdsDbInstance;

static DEF: TableDef = TableDef {
    name: "aws_rds_db_instance",
    cloud: Cloud::Aws,
    description: "An RDS database instance.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("db_instance_identifier", Text, "The instance's identifier."),
        ColumnDef::new("arn", Text, "The instance's ARN."),
        ColumnDef::new("class", Text, "The instance class, e.g. db.t3.micro."),
        ColumnDef::new("engine", Text, "The engine, e.g. postgres."),
        ColumnDef::new("engine_version", Text, "The engine's version."),
        ColumnDef::new("status", Text, "available, backing-up, stopped, …"),
        ColumnDef::new("allocated_storage", Integer, "Storage, in GiB."),
        ColumnDef::new(
            "storage_encrypted",
            Boolean,
            "Whether storage is encrypted.",
        ),
        ColumnDef::new(
            "publicly_accessible",
            Boolean,
            "Whether it has a public address.",
        ),
        ColumnDef::new("multi_az", Boolean, "Whether it is a Multi-AZ deployment."),
        ColumnDef::new("endpoint_address", Text, "The DNS address to connect to."),
        ColumnDef::new("endpoint_port", Integer, "The port to connect to."),
        ColumnDef::new("vpc_id", Text, "The VPC of its subnet group."),
        ColumnDef::new("create_time", Timestamp, "When it was created."),
        ColumnDef::new(
            "tags",
            Json,
            "The instance's tags, as {\"Key\": \"Value\"}.",
        ),
    ],
    permissions: &["rds:DescribeDBInstances"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for RdsDbInstance {
    fn def(&self) -> &'static TableDef {
        &DEF
    }

    async fn fetch(
        &self,
        ctx: &AwsContext,
        target: &Target,
        _cursor: &mut Option<String>,
        rows: &mut RowSink,
    ) -> Result<(), FetchError> {
        rows_by_page(
            ctx,
            &RDS_DESCRIBE,
            target,
            "DescribeDBInstances",
            ctx.rds()
                .describe_db_instances()
                .max_records(100)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.db_instances().iter().map(row));
            },
        )
        .await
    }
}

fn row(d: &DbInstance) -> Row {
    vec![
        d.db_instance_identifier().into(),
        d.db_instance_arn().into(),
        d.db_instance_class().into(),
        d.engine().into(),
        d.engine_version().into(),
        d.db_instance_status().into(),
        d.allocated_storage().into(),
        d.storage_encrypted().into(),
        d.publicly_accessible().into(),
        d.multi_az().into(),
        d.endpoint().and_then(|e| e.address()).into(),
        d.endpoint().and_then(|e| e.port()).into(),
        d.db_subnet_group().and_then(|g| g.vpc_id()).into(),
        timestamp(d.instance_create_time()),
        tags(d.tag_list().iter().map(|t| (t.key(), t.value()))),
    ]
}
