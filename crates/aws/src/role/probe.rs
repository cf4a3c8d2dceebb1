//! Proof by use: with the Cloud Builder role's own credentials, one read per
//! API family the scanner calls must succeed and a write must be refused.
//! The write is EC2's RunInstances with DryRun, which changes nothing either
//! way: `DryRunOperation` means it would have been allowed. Cost Explorer is
//! not probed: each of its calls costs USD 0.01.

use crate::Error;
use aws_config::SdkConfig;
use aws_sdk_ec2::types::InstanceType;

/// One probe's result.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The IAM action tried, e.g. `ec2:DescribeRegions`.
    pub action: &'static str,
    /// Whether the role should be allowed to.
    pub should_allow: bool,
    /// What AWS answered: Ok, or the error code.
    pub answer: Result<(), String>,
}

impl Probe {
    /// Whether the answer is the expected one.
    pub fn passed(&self) -> bool {
        match (&self.answer, self.should_allow) {
            (Ok(()), true) => true,
            (Err(code), false) => is_denial(code),
            _ => false,
        }
    }
}

fn is_denial(code: &str) -> bool {
    matches!(
        code,
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException"
    )
}

fn outcome<T, E>(
    operation: &'static str,
    result: Result<
        T,
        aws_sdk_sts::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    >,
) -> Result<(), String>
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    result.map(|_| ()).map_err(|e| {
        let err = Error::from_sdk(operation, e);
        err.code()
            .map(str::to_owned)
            .unwrap_or_else(|| err.to_string())
    })
}

/// Runs the probes with `config` (the role's credentials); `management` adds
/// the organization reads only the management account can answer.
pub async fn run(config: &SdkConfig, management: bool) -> Vec<Probe> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let mut probes = vec![
        Probe {
            action: "ec2:DescribeRegions",
            should_allow: true,
            answer: outcome("DescribeRegions", ec2.describe_regions().send().await),
        },
        Probe {
            action: "iam:ListRoles",
            should_allow: true,
            answer: outcome(
                "ListRoles",
                aws_sdk_iam::Client::new(config)
                    .list_roles()
                    .max_items(1)
                    .send()
                    .await,
            ),
        },
        Probe {
            action: "s3:ListAllMyBuckets",
            should_allow: true,
            answer: outcome(
                "ListBuckets",
                aws_sdk_s3::Client::new(config).list_buckets().send().await,
            ),
        },
        Probe {
            action: "rds:DescribeDBInstances",
            should_allow: true,
            answer: outcome(
                "DescribeDBInstances",
                aws_sdk_rds::Client::new(config)
                    .describe_db_instances()
                    .max_records(20)
                    .send()
                    .await,
            ),
        },
        Probe {
            action: "cloudtrail:LookupEvents",
            should_allow: true,
            answer: outcome(
                "LookupEvents",
                aws_sdk_cloudtrail::Client::new(config)
                    .lookup_events()
                    .max_results(1)
                    .send()
                    .await,
            ),
        },
    ];
    if management {
        probes.push(Probe {
            action: "organizations:ListAccounts",
            should_allow: true,
            answer: outcome(
                "ListAccounts",
                aws_sdk_organizations::Client::new(config)
                    .list_accounts()
                    .max_results(1)
                    .send()
                    .await,
            ),
        });
    }
    let write = ec2
        .run_instances()
        .dry_run(true)
        .image_id("ami-00000000000000000")
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .send()
        .await;
    probes.push(Probe {
        action: "ec2:RunInstances (dry run)",
        should_allow: false,
        answer: outcome("RunInstances", write),
    });
    probes
}
