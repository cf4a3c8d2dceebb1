//! `aws_vpc`: VPCs.

use super::common::{EC2_DESCRIBE, rows_by_page, tags, text};
use crate::scan::AwsContext;
use aws_sdk_ec2::types::Vpc;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The table.
pub struct AwsVpc;

static DEF: TableDef = TableDef {
    name: "aws_vpc",
    cloud: Cloud::Aws,
    description: "A VPC.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("vpc_id", Text, "The VPC's id."),
        ColumnDef::new("arn", Text, "The VPC's ARN."),
        ColumnDef::new("cidr_block", Text, "The primary IPv4 CIDR block."),
        ColumnDef::new("state", Text, "pending or available."),
        ColumnDef::new(
            "is_default",
            Boolean,
            "Whether it is the region's default VPC.",
        ),
        ColumnDef::new("instance_tenancy", Text, "default, dedicated or host."),
        ColumnDef::new("dhcp_options_id", Text, "The DHCP options set."),
        ColumnDef::new("owner_id", Text, "The account that owns the VPC."),
        ColumnDef::new("tags", Json, "The VPC's tags, as {\"Key\": \"Value\"}."),
    ],
    permissions: &["ec2:DescribeVpcs"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for AwsVpc {
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
            "DescribeVpcs",
            ctx.ec2()
                .describe_vpcs()
                .max_results(1000)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.vpcs().iter().map(|v| row(ctx, v)));
            },
        )
        .await
    }
}

fn row(ctx: &AwsContext, v: &Vpc) -> Row {
    vec![
        v.vpc_id().into(),
        v.vpc_id()
            .map(|id| format!("arn:aws:ec2:{}:{}:vpc/{id}", ctx.region, ctx.account_id))
            .into(),
        v.cidr_block().into(),
        text(v.state()),
        v.is_default().into(),
        text(v.instance_tenancy()),
        v.dhcp_options_id().into(),
        v.owner_id().into(),
        tags(v.tags().iter().map(|t| (t.key(), t.value()))),
    ]
}
