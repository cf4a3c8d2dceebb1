//! `aws_vpc_subnet`: VPC subnets.

use super::common::{EC2_DESCRIBE, rows_by_page, tags, text};
use crate::scan::AwsContext;
use aws_sdk_ec2::types::Subnet;
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    WriteMode,
};

/// The table.
pub struct AwsVpcSubnet;

static DEF: TableDef = TableDef {
    name: "aws_vpc_subnet",
    cloud: Cloud::Aws,
    description: "A subnet of a VPC.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("subnet_id", Text, "The subnet's id."),
        ColumnDef::new("subnet_arn", Text, "The subnet's ARN."),
        ColumnDef::new("vpc_id", Text, "The VPC it belongs to."),
        ColumnDef::new("cidr_block", Text, "The IPv4 CIDR block."),
        ColumnDef::new("availability_zone", Text, "The availability zone."),
        ColumnDef::new(
            "available_ip_address_count",
            Integer,
            "Unused IPv4 addresses.",
        ),
        ColumnDef::new(
            "default_for_az",
            Boolean,
            "Whether it is the zone's default subnet.",
        ),
        ColumnDef::new(
            "map_public_ip_on_launch",
            Boolean,
            "Whether instances get public IPv4 addresses.",
        ),
        ColumnDef::new("state", Text, "pending or available."),
        ColumnDef::new("tags", Json, "The subnet's tags, as {\"Key\": \"Value\"}."),
    ],
    permissions: &["ec2:DescribeSubnets"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for AwsVpcSubnet {
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
            "DescribeSubnets",
            ctx.ec2()
                .describe_subnets()
                .max_results(1000)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.subnets().iter().map(row));
            },
        )
        .await
    }
}

fn row(s: &Subnet) -> Row {
    vec![
        s.subnet_id().into(),
        s.subnet_arn().into(),
        s.vpc_id().into(),
        s.cidr_block().into(),
        s.availability_zone().into(),
        s.available_ip_address_count().into(),
        s.default_for_az().into(),
        s.map_public_ip_on_launch().into(),
        text(s.state()),
        tags(s.tags().iter().map(|t| (t.key(), t.value()))),
    ]
}
