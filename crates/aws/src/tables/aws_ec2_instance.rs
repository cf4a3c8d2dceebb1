//! `aws_ec2_instance`: EC2 instances — the runbook's resource.

use super::common::{EC2_DESCRIBE, rows_by_page, tags, text, timestamp};
use crate::scan::AwsContext;
use aws_sdk_ec2::types::Instance;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};

/// The table.
pub struct Ec2Instance;

static DEF: TableDef = TableDef {
    name: "aws_ec2_instance",
    cloud: Cloud::Aws,
    description: "An EC2 instance.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("instance_id", Text, "The instance's id."),
        ColumnDef::new("arn", Text, "The instance's ARN."),
        ColumnDef::new("instance_type", Text, "The instance type, e.g. t3.micro."),
        ColumnDef::new(
            "instance_state",
            Text,
            "pending, running, stopping, stopped, shutting-down or terminated.",
        ),
        ColumnDef::new("launch_time", Timestamp, "When the instance was launched."),
        ColumnDef::new(
            "private_ip_address",
            Text,
            "The primary private IPv4 address.",
        ),
        ColumnDef::new(
            "public_ip_address",
            Text,
            "The public IPv4 address, if any.",
        ),
        ColumnDef::new("private_dns_name", Text, "The private DNS name."),
        ColumnDef::new("public_dns_name", Text, "The public DNS name, if any."),
        ColumnDef::new("vpc_id", Text, "The VPC the instance runs in."),
        ColumnDef::new("subnet_id", Text, "The subnet the instance runs in."),
        ColumnDef::new("image_id", Text, "The AMI the instance was launched from."),
        ColumnDef::new(
            "iam_instance_profile_arn",
            Text,
            "The instance profile's ARN, if any.",
        ),
        ColumnDef::new(
            "security_groups",
            Json,
            "The security groups, as [{\"GroupId\", \"GroupName\"}].",
        ),
        ColumnDef::new("key_name", Text, "The key pair's name, if any."),
        ColumnDef::new("architecture", Text, "The CPU architecture."),
        ColumnDef::new("platform_details", Text, "The platform, e.g. Linux/UNIX."),
        ColumnDef::new(
            "monitoring_state",
            Text,
            "Whether detailed monitoring is enabled.",
        ),
        ColumnDef::new(
            "tags",
            Json,
            "The instance's tags, as {\"Key\": \"Value\"}.",
        ),
    ],
    permissions: &["ec2:DescribeInstances"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for Ec2Instance {
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
        // Always paginated: unpaginated DescribeInstances has a smaller
        // throttling bucket. Instances are the heaviest answers a scan parses
        // (about 3 KB of XML each), so pages shrink while many units run.
        let page = rows.page_size(1000);
        rows_by_page(
            ctx,
            &EC2_DESCRIBE,
            target,
            "DescribeInstances",
            ctx.ec2()
                .describe_instances()
                .max_results(i32::try_from(page).unwrap_or(1000))
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                // Consumed as it is converted: each parsed instance is freed
                // once its row exists, so a page of 1,000 is not held twice.
                let reservations = page.reservations.unwrap_or_default();
                for instance in reservations
                    .into_iter()
                    .flat_map(|r| r.instances.unwrap_or_default())
                {
                    rows.push(row(ctx, &instance));
                }
            },
        )
        .await
    }
}

fn row(ctx: &AwsContext, i: &Instance) -> Row {
    let groups: Vec<serde_json::Value> = i
        .security_groups()
        .iter()
        .map(|g| serde_json::json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
        .collect();
    vec![
        i.instance_id().into(),
        i.instance_id()
            .map(|id| {
                format!(
                    "arn:aws:ec2:{}:{}:instance/{id}",
                    ctx.region, ctx.account_id
                )
            })
            .into(),
        text(i.instance_type()),
        text(i.state().and_then(|s| s.name())),
        timestamp(i.launch_time()),
        i.private_ip_address().into(),
        i.public_ip_address().into(),
        i.private_dns_name().filter(|s| !s.is_empty()).into(),
        i.public_dns_name().filter(|s| !s.is_empty()).into(),
        i.vpc_id().into(),
        i.subnet_id().into(),
        i.image_id().into(),
        i.iam_instance_profile().and_then(|p| p.arn()).into(),
        Value::Json(groups.into()),
        i.key_name().into(),
        text(i.architecture()),
        i.platform_details().into(),
        text(i.monitoring().and_then(|m| m.state())),
        tags(i.tags().iter().map(|t| (t.key(), t.value()))),
    ]
}
