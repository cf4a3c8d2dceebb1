//! The AWS table registry: one file per table, one list here. Everything
//! derived from tables — the SQL schema, `cloudbuilder tables`, the Cloud
//! Builder role's permissions — is computed from [`TABLES`].

mod aws_cloudtrail_event;
mod aws_cost_by_account_monthly;
mod aws_cost_by_service_daily;
mod aws_ebs_volume;
mod aws_ec2_instance;
mod aws_iam_role;
mod aws_iam_user;
mod aws_lambda_function;
mod aws_organizations_account;
mod aws_rds_db_instance;
mod aws_region;
mod aws_s3_bucket;
mod aws_vpc;
mod aws_vpc_security_group;
mod aws_vpc_subnet;
pub(crate) mod common;
mod cost;

use crate::scan::AwsContext;
use cloudbuilder_core::{Table, TableDef};

/// Every AWS table, in listing order.
pub static TABLES: &[&dyn Table<AwsContext>] = &[
    &aws_organizations_account::OrganizationsAccount,
    &aws_region::AwsRegion,
    &aws_ec2_instance::Ec2Instance,
    &aws_ebs_volume::EbsVolume,
    &aws_vpc::AwsVpc,
    &aws_vpc_subnet::AwsVpcSubnet,
    &aws_vpc_security_group::AwsVpcSecurityGroup,
    &aws_s3_bucket::S3Bucket,
    &aws_iam_role::IamRole,
    &aws_iam_user::IamUser,
    &aws_lambda_function::LambdaFunction,
    &aws_rds_db_instance::RdsDbInstance,
    &aws_cloudtrail_event::CloudTrailEvent,
    &aws_cost_by_service_daily::CostByServiceDaily,
    &aws_cost_by_account_monthly::CostByAccountMonthly,
];

/// The permissions that read data rather than metadata: the trail bucket's
/// listing and log files (`aws_cloudtrail_event --trail-bucket`). The Cloud
/// Builder role grants them on the named trail bucket only, never on `*`.
pub const TRAIL_BUCKET_PERMISSIONS: &[&str] = &["s3:GetObject", "s3:ListBucket"];

/// The table named `name`.
pub fn find(name: &str) -> Option<&'static dyn Table<AwsContext>> {
    TABLES.iter().copied().find(|t| t.def().name == name)
}

/// Every table's declaration.
pub fn defs() -> Vec<&'static TableDef> {
    TABLES.iter().map(|t| t.def()).collect()
}

/// Every API permission the tables call, sorted and without repeats.
pub fn permissions() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = TABLES
        .iter()
        .flat_map(|t| t.def().permissions.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_prefixed_and_columns_are_well_formed() {
        let mut names = HashSet::new();
        for def in defs() {
            assert!(names.insert(def.name), "{} twice", def.name);
            assert!(def.name.starts_with("aws_"), "{}", def.name);
            assert!(
                !def.permissions.is_empty(),
                "{} declares no permission",
                def.name
            );
            let mut columns = HashSet::new();
            for column in def.all_columns() {
                assert!(
                    columns.insert(column.name),
                    "{}.{} twice",
                    def.name,
                    column.name
                );
                assert!(
                    column
                        .name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{}.{}",
                    def.name,
                    column.name
                );
                assert!(!column.description.is_empty());
            }
        }
    }

    #[test]
    fn permissions_are_read_only_and_listed_once() {
        let permissions = permissions();
        for p in &permissions {
            let action = p.split_once(':').map(|(_, a)| a).unwrap_or_default();
            assert!(
                ["Describe", "List", "Get", "Lookup"]
                    .iter()
                    .any(|verb| action.starts_with(verb)),
                "{p} is not a read"
            );
        }
        assert!(permissions.contains(&"ec2:DescribeInstances"));
        for p in TRAIL_BUCKET_PERMISSIONS {
            assert!(permissions.contains(p), "{p} is declared by no table");
        }
        assert_eq!(
            permissions.len(),
            permissions.iter().collect::<HashSet<_>>().len()
        );
    }
}
