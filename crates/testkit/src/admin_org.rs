//! An AWS Organization as an administrator finds it before provisioning the
//! Cloud Builder role: nested OUs, member accounts that each hold the
//! `OrganizationAccountAccessRole` Organizations creates, an administrator
//! user in the management account (whose keys are in effect) and a scanner
//! user that may only assume roles — and no Cloud Builder role anywhere.

use crate::Sandbox;
use crate::sandbox::allow_policy;

/// What [`Sandbox::admin_organization`] made.
#[derive(Debug, Clone)]
pub struct AdminOrg {
    /// The management account's id.
    pub management: String,
    /// The organization's root id.
    pub root: String,
    /// The OU `workloads`, under the root.
    pub workloads: String,
    /// The OU `teams`, nested in `workloads`.
    pub teams: String,
    /// Members directly in `workloads`, by creation order.
    pub in_workloads: Vec<String>,
    /// Members in the nested `teams` OU.
    pub in_teams: Vec<String>,
    /// A member left in the root (outside `workloads`).
    pub in_root: String,
    /// The scanner user's ARN, its key id and secret.
    pub scanner: (String, String, String),
}

impl AdminOrg {
    /// Every member under `workloads`, nested ones included, sorted.
    pub fn under_workloads(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .in_workloads
            .iter()
            .chain(&self.in_teams)
            .cloned()
            .collect();
        all.sort();
        all
    }
}

impl Sandbox {
    /// Seeds the organization (see the module doc) with 2 members in
    /// `workloads`, 2 in the nested `teams`, 1 in the root; turns on moto's
    /// authentication and makes the administrator's keys the ones in effect.
    pub fn admin_organization(&mut self) -> AdminOrg {
        let json = |out: crate::Output| out.success().json();
        let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        let org = json(self.aws(&[
            "organizations",
            "create-organization",
            "--feature-set",
            "ALL",
        ]));
        let management = text(&org["Organization"]["MasterAccountId"]);
        let root = text(&json(self.aws(&["organizations", "list-roots"]))["Roots"][0]["Id"]);
        let ou = |parent: &str, name: &str| {
            text(
                &json(self.aws(&[
                    "organizations",
                    "create-organizational-unit",
                    "--parent-id",
                    parent,
                    "--name",
                    name,
                ]))["OrganizationalUnit"]["Id"],
            )
        };
        let workloads = ou(&root, "workloads");
        let teams = ou(&workloads, "teams");
        let account = |i: usize, parent: &str| {
            let created = json(self.aws(&[
                "organizations",
                "create-account",
                "--email",
                &format!("member{i}@example.com"),
                "--account-name",
                &format!("member-{i}"),
            ]));
            let id = text(&created["CreateAccountStatus"]["AccountId"]);
            if parent != root {
                self.aws(&[
                    "organizations",
                    "move-account",
                    "--account-id",
                    &id,
                    "--source-parent-id",
                    &root,
                    "--destination-parent-id",
                    parent,
                ])
                .success();
            }
            let as_member = self.member_env(&id, "OrganizationAccountAccessRole");
            let vars: Vec<(&str, &str)> = as_member.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // Organizations made the access role (trusting the management account); moto leaves it without a policy.
            self.aws_as(
                &vars,
                &[
                    "iam",
                    "put-role-policy",
                    "--role-name",
                    "OrganizationAccountAccessRole",
                    "--policy-name",
                    "AdministratorAccess",
                    "--policy-document",
                    &allow_policy(&["*"]),
                ],
            )
            .success();
            id
        };
        let in_workloads = vec![account(0, &workloads), account(1, &workloads)];
        let in_teams = vec![account(2, &teams), account(3, &teams)];
        let in_root = account(4, &root);

        let scanner = self.create_user("scanner", &["sts:AssumeRole", "sts:GetCallerIdentity"]);
        let (_, admin_key, admin_secret) = self.create_user("admin", &["*"]);
        self.moto.enable_auth();
        self.set_var("AWS_ACCESS_KEY_ID", &admin_key);
        self.set_var("AWS_SECRET_ACCESS_KEY", &admin_secret);
        AdminOrg {
            management,
            root,
            workloads,
            teams,
            in_workloads,
            in_teams,
            in_root,
            scanner,
        }
    }

    /// Environment variables holding a session of `role` in `account`,
    /// assumed with the credentials in effect.
    pub fn member_env(&self, account: &str, role: &str) -> Vec<(&'static str, String)> {
        let session = self
            .aws(&[
                "sts",
                "assume-role",
                "--role-arn",
                &format!("arn:aws:iam::{account}:role/{role}"),
                "--role-session-name",
                "test",
            ])
            .success()
            .json();
        let c = &session["Credentials"];
        let text = |k: &str| c[k].as_str().expect("credential").to_owned();
        vec![
            ("AWS_ACCESS_KEY_ID", text("AccessKeyId")),
            ("AWS_SECRET_ACCESS_KEY", text("SecretAccessKey")),
            ("AWS_SESSION_TOKEN", text("SessionToken")),
        ]
    }
}
