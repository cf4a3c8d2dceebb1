//! `aws_vpc_security_group`: security groups and their rules.

use super::common::{EC2_DESCRIBE, rows_by_page, tags};
use crate::scan::AwsContext;
use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use cloudbuilder_core::{
    Cloud, ColumnDef, ColumnType::*, FetchError, Row, RowSink, Scope, Table, TableDef, Target,
    Value, WriteMode,
};

/// The table.
pub struct AwsVpcSecurityGroup;

static DEF: TableDef = TableDef {
    name: "aws_vpc_security_group",
    cloud: Cloud::Aws,
    description: "A security group.",
    scope: Scope::Region,
    columns: &[
        ColumnDef::new("group_id", Text, "The group's id."),
        ColumnDef::new("arn", Text, "The group's ARN."),
        ColumnDef::new("group_name", Text, "The group's name."),
        ColumnDef::new("description", Text, "The group's description."),
        ColumnDef::new("vpc_id", Text, "The VPC it belongs to."),
        ColumnDef::new("owner_id", Text, "The account that owns it."),
        ColumnDef::new(
            "ip_permissions",
            Json,
            "Inbound rules: [{\"IpProtocol\", \"FromPort\", \"ToPort\", \"IpRanges\", \"Ipv6Ranges\", \"UserIdGroupPairs\"}].",
        ),
        ColumnDef::new(
            "ip_permissions_egress",
            Json,
            "Outbound rules, in the same shape.",
        ),
        ColumnDef::new("tags", Json, "The group's tags, as {\"Key\": \"Value\"}."),
    ],
    permissions: &["ec2:DescribeSecurityGroups"],
    mode: WriteMode::Snapshot,
    ignored_errors: &[],
};

#[async_trait::async_trait]
impl Table<AwsContext> for AwsVpcSecurityGroup {
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
            "DescribeSecurityGroups",
            ctx.ec2()
                .describe_security_groups()
                .max_results(1000)
                .into_paginator()
                .send(),
            rows,
            |page, rows| {
                rows.extend(page.security_groups().iter().map(|g| row(ctx, g)));
            },
        )
        .await
    }
}

fn rules(permissions: &[IpPermission]) -> Value {
    let rules: Vec<serde_json::Value> = permissions
        .iter()
        .map(|p| {
            serde_json::json!({
                "IpProtocol": p.ip_protocol(),
                "FromPort": p.from_port(),
                "ToPort": p.to_port(),
                "IpRanges": p.ip_ranges().iter().map(|r| r.cidr_ip()).collect::<Vec<_>>(),
                "Ipv6Ranges": p.ipv6_ranges().iter().map(|r| r.cidr_ipv6()).collect::<Vec<_>>(),
                "UserIdGroupPairs": p.user_id_group_pairs().iter().map(|g| g.group_id()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Value::Json(rules.into())
}

fn row(ctx: &AwsContext, g: &SecurityGroup) -> Row {
    vec![
        g.group_id().into(),
        g.group_id()
            .map(|id| {
                format!(
                    "arn:aws:ec2:{}:{}:security-group/{id}",
                    ctx.region, ctx.account_id
                )
            })
            .into(),
        g.group_name().into(),
        g.description().into(),
        g.vpc_id().into(),
        g.owner_id().into(),
        rules(g.ip_permissions()),
        rules(g.ip_permissions_egress()),
        tags(g.tags().iter().map(|t| (t.key(), t.value()))),
    ]
}
