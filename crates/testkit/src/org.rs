//! An AWS Organization seeded in moto: a management account, member accounts
//! in an OU, a Cloud Builder role in every account (management included), EC2 instances in several regions,
//! and a scanner identity (an IAM user with keys) in the management account.

use crate::Sandbox;
use crate::sandbox::{allow_policy, trust_policy};

/// What [`Sandbox::organization`] made.
#[derive(Debug, Clone)]
pub struct OrgFixture {
    /// The management account's id.
    pub management: String,
    /// The member accounts' ids, in creation order.
    pub members: Vec<String>,
    /// The OU the members were moved into.
    pub ou: String,
    /// The regions instances were launched in.
    pub regions: Vec<String>,
    /// Instances launched per (member account, region).
    pub instances_per_region: usize,
    /// The scanner user's ARN.
    pub scanner_arn: String,
}

/// How to seed the organization.
#[derive(Debug, Clone)]
pub struct OrgSpec<'a> {
    /// Member accounts to create.
    pub members: usize,
    /// Regions to launch instances in.
    pub regions: &'a [&'a str],
    /// Instances per member account and region.
    pub instances_per_region: usize,
    /// The external id the Cloud Builder roles require.
    pub external_id: &'a str,
    /// What the Cloud Builder role may do (the scanner's registry-generated permissions).
    pub role_actions: &'a [&'a str],
    /// Members (by index) whose Cloud Builder role may do nothing but identify itself.
    pub denied_members: &'a [usize],
    /// The tag `Name` every instance gets.
    pub name_tag: &'a str,
}

impl Sandbox {
    /// Seeds an organization (see the module doc), turns on moto's
    /// authentication, and makes the scanner's keys the ones in effect.
    pub fn organization(&mut self, spec: &OrgSpec<'_>) -> OrgFixture {
        let json = |out: crate::Output| out.success().json();
        let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();

        let org = json(self.aws(&[
            "organizations",
            "create-organization",
            "--feature-set",
            "ALL",
        ]));
        let management = text(&org["Organization"]["MasterAccountId"]);
        let root = json(self.aws(&["organizations", "list-roots"]));
        let root_id = text(&root["Roots"][0]["Id"]);
        let ou = json(self.aws(&[
            "organizations",
            "create-organizational-unit",
            "--parent-id",
            &root_id,
            "--name",
            "workloads",
        ]));
        let ou_id = text(&ou["OrganizationalUnit"]["Id"]);

        let mut members = Vec::new();
        for i in 0..spec.members {
            let created = json(self.aws(&[
                "organizations",
                "create-account",
                "--email",
                &format!("member{i}@example.com"),
                "--account-name",
                &format!("member-{i}"),
            ]));
            let id = text(&created["CreateAccountStatus"]["AccountId"]);
            self.aws(&[
                "organizations",
                "move-account",
                "--account-id",
                &id,
                "--source-parent-id",
                &root_id,
                "--destination-parent-id",
                &ou_id,
            ])
            .success();
            members.push(id);
        }

        let (scanner_arn, key_id, key_secret) = self.create_scanner_user(&[
            "sts:AssumeRole",
            "sts:GetCallerIdentity",
            "organizations:Describe*",
            "organizations:List*",
            "ec2:DescribeRegions",
        ]);
        let trust = trust_policy(&scanner_arn, Some(spec.external_id));

        let amis: Vec<String> = spec
            .regions
            .iter()
            .map(|region| {
                text(
                    &json(self.aws(&[
                        "ec2",
                        "describe-images",
                        "--owners",
                        "amazon",
                        "--region",
                        region,
                    ]))["Images"][0]["ImageId"],
                )
            })
            .collect();
        let tags = serde_json::json!([{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": spec.name_tag}, {"Key": "team", "Value": "platform"}]}]).to_string();

        // The management account is an account of the organization too, scanned like the others.
        self.aws(&[
            "iam",
            "create-role",
            "--role-name",
            "CloudBuilder",
            "--assume-role-policy-document",
            &trust,
        ])
        .success();
        self.aws(&[
            "iam",
            "put-role-policy",
            "--role-name",
            "CloudBuilder",
            "--policy-name",
            "read",
            "--policy-document",
            &allow_policy(spec.role_actions),
        ])
        .success();

        for (i, account) in members.iter().enumerate() {
            let session = json(self.aws(&[
                "sts",
                "assume-role",
                "--role-arn",
                &format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"),
                "--role-session-name",
                "seed",
            ]));
            let c = &session["Credentials"];
            let (id, secret, token) = (
                text(&c["AccessKeyId"]),
                text(&c["SecretAccessKey"]),
                text(&c["SessionToken"]),
            );
            let as_member = [
                ("AWS_ACCESS_KEY_ID", id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
                ("AWS_SESSION_TOKEN", token.as_str()),
            ];
            self.aws_as(
                &as_member,
                &[
                    "iam",
                    "create-role",
                    "--role-name",
                    "CloudBuilder",
                    "--assume-role-policy-document",
                    &trust,
                ],
            )
            .success();
            let actions: &[&str] = if spec.denied_members.contains(&i) {
                &["sts:GetCallerIdentity"]
            } else {
                spec.role_actions
            };
            self.aws_as(
                &as_member,
                &[
                    "iam",
                    "put-role-policy",
                    "--role-name",
                    "CloudBuilder",
                    "--policy-name",
                    "read",
                    "--policy-document",
                    &allow_policy(actions),
                ],
            )
            .success();
            let bucket = format!("logs-{account}");
            self.aws_as(
                &as_member,
                &[
                    "s3api",
                    "create-bucket",
                    "--bucket",
                    &bucket,
                    "--region",
                    "eu-west-1",
                    "--create-bucket-configuration",
                    "LocationConstraint=eu-west-1",
                ],
            )
            .success();
            self.aws_as(
                &as_member,
                &[
                    "s3api",
                    "put-bucket-tagging",
                    "--bucket",
                    &bucket,
                    "--tagging",
                    "TagSet=[{Key=team,Value=platform}]",
                ],
            )
            .success();
            for (region, ami) in spec.regions.iter().zip(&amis) {
                // One instance per call, as accounts grow in practice.
                for _ in 0..spec.instances_per_region {
                    self.aws_as(
                        &as_member,
                        &[
                            "ec2",
                            "run-instances",
                            "--region",
                            region,
                            "--image-id",
                            ami,
                            "--instance-type",
                            "t3.micro",
                            "--count",
                            "1",
                            "--tag-specifications",
                            &tags,
                        ],
                    )
                    .success();
                }
            }
        }

        self.moto.enable_auth();
        self.set_var("AWS_ACCESS_KEY_ID", &key_id);
        self.set_var("AWS_SECRET_ACCESS_KEY", &key_secret);
        OrgFixture {
            management,
            members,
            ou: ou_id,
            regions: spec.regions.iter().map(|r| (*r).to_owned()).collect(),
            instances_per_region: spec.instances_per_region,
            scanner_arn,
        }
    }
}
