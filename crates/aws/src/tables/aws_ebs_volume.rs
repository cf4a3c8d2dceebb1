//! `aws_ebs_volume`: EBS volumes.

use super::common::{EC2_DESCRIBE, rows_by_page, tags, text, timestamp};
use crate::scan::AwsContext;
use aws_sdk_ec2::types::Volume;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};

/// The table.
pub struct EbsVolume;

static DEF: TableDef = TableDef {
    name: "aws_ebs_volume",
    cloud: Cloud::Aws,
    description: "An EBS volume.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("volume_id", Text, "The volume's id."),
        ColumnDef::new("arn", Text, "The volume's ARN."),
        ColumnDef::new("volume_type", Text, "gp3, gp2, io2, st1, …"),
        ColumnDef::new(
            "state",
            Text,
            "creating, available, in-use, deleting, deleted or error.",
        ),
        ColumnDef::new("size", Integer, "The size in GiB."),
        ColumnDef::new("iops", Integer, "Provisioned IOPS, where applicable."),
        ColumnDef::new("encrypted", Boolean, "Whether the volume is encrypted."),
        ColumnDef::new("kms_key_id", Text, "The KMS key encrypting it, if any."),
        ColumnDef::new("availability_zone", Text, "The availability zone."),
        ColumnDef::new(
            "snapshot_id",
            Text,
            "The snapshot it was created from, if any.",
        ),
        ColumnDef::new("create_time", Timestamp, "When it was created."),
        ColumnDef::new(
            "attachments",
            Json,
            "Attachments, as [{\"InstanceId\", \"Device\", \"State\"}].",
        ),
        ColumnDef::new("tags", Json, "The volume's tags, as {\"Key\": \"Value\"}."),
    ],
    permissions: &["ec2:DescribeVolumes"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for EbsVolume {
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
            &EC2_DESCRIBE,
            target,
            "DescribeVolumes",
            ctx.ec2()
                .describe_volumes()
                .max_results(500)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.volumes().iter().map(|v| row(ctx, v)));
            },
        )
        .await
    }
}

fn row(ctx: &AwsContext, v: &Volume) -> Row {
    let attachments: Vec<serde_json::Value> = v
        .attachments()
        .iter()
        .map(|a| serde_json::json!({"InstanceId": a.instance_id(), "Device": a.device(), "State": a.state().map(|s| s.as_str())}))
        .collect();
    vec![
        v.volume_id().into(),
        v.volume_id()
            .map(|id| format!("arn:aws:ec2:{}:{}:volume/{id}", ctx.region, ctx.account_id))
            .into(),
        text(v.volume_type()),
        text(v.state()),
        v.size().into(),
        v.iops().into(),
        v.encrypted().into(),
        v.kms_key_id().into(),
        v.availability_zone().into(),
        v.snapshot_id().filter(|s| !s.is_empty()).into(),
        timestamp(v.create_time()),
        Value::Json(attachments.into()),
        tags(v.tags().iter().map(|t| (t.key(), t.value()))),
    ]
}
