//! `role plan|apply|verify|destroy --cloud gcp` against the GCP contract fake:
//! the custom role and its binding at organization, folder and project scope,
//! idempotent, safe under concurrent policy writers, verified and destroyed.
//! Every test ends by asserting that the fake counted no invalid request.

use crate::util::BIN;
use cloudbuilder_testkit::{GCP_ADMIN_TOKEN, GcpFake};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

const ORG: &str = "123456789012";
const SA: &str = "serviceAccount:cloud-builder@billing-admin.iam.gserviceaccount.com";

/// `cloudbuilder args…` against the fake, as its admin, with nothing of the user's.
fn command(fake: Option<&GcpFake>, home: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(home)
        .stdin(Stdio::null())
        .args(args);
    if let Some(fake) = fake {
        cmd.env("CLOUDBUILDER_GCP_ENDPOINT", fake.url())
            .env("CLOUDBUILDER_GCP_ACCESS_TOKEN", GCP_ADMIN_TOKEN);
    }
    cmd
}

fn run(fake: Option<&GcpFake>, home: &std::path::Path, args: &[&str]) -> Output {
    command(fake, home, args)
        .output()
        .expect("run cloudbuilder")
}

/// `role <verb> --cloud gcp --format json <args…>`: exit code and (item, result) pairs.
fn role(fake: &GcpFake, verb: &str, args: &[&str]) -> (i32, Vec<(String, String)>, Vec<Value>) {
    let home = tempfile::tempdir().expect("home");
    let mut all = vec!["role", verb, "--cloud", "gcp", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(Some(fake), home.path(), &all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let pairs = rows
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap_or_default().to_owned(),
                r["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), pairs, rows)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The members holding `role` on `resource` in the fake's world.
fn members(fake: &GcpFake, resource: &str, role: &str) -> Vec<String> {
    let state = fake.state();
    let mut out: Vec<String> = state["policies"][resource]["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["role"] == role && b.get("condition").is_none())
        .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// How many requests of these methods the fake served.
fn writes(fake: &GcpFake) -> u64 {
    let stats = fake.stats(None);
    stats["by_method"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| {
                    k.ends_with("setIamPolicy")
                        || k.contains(".roles.create")
                        || k.contains(".roles.patch")
                        || k.contains(".roles.undelete")
                        || k.contains(".roles.delete")
                })
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn apply_at_each_scope_is_idempotent_and_binds_the_generated_role() {
    let fake = GcpFake::start();
    for (scope, role_name) in [
        (
            format!("organizations/{ORG}"),
            format!("organizations/{ORG}/roles/cloudBuilder"),
        ),
        // The folder's organization is looked up with folders.get.
        (
            "folders/1002".to_owned(),
            format!("organizations/{ORG}/roles/cloudBuilder"),
        ),
        (
            "projects/beta-dev".to_owned(),
            "projects/beta-dev/roles/cloudBuilder".to_owned(),
        ),
    ] {
        let args = ["--scope", scope.as_str(), "--member", SA];
        let (code, first, _) = role(&fake, "apply", &args);
        assert_eq!(code, 0, "{scope}: {first:?}");
        assert_eq!(
            first[1],
            ("binding".to_owned(), "added".to_owned()),
            "{scope}"
        );
        assert!(
            members(&fake, &scope, &role_name).contains(&SA.to_owned()),
            "{scope}"
        );

        let before = writes(&fake);
        let (code, second, _) = role(&fake, "apply", &args);
        assert_eq!(code, 0);
        assert_eq!(
            second,
            pairs(&[("role", "unchanged"), ("binding", "unchanged")]),
            "{scope}"
        );
        assert_eq!(writes(&fake), before, "{scope}: the second apply wrote");
    }
    // The organization's role was made once, then reused for the folder.
    let state = fake.state();
    let role = &state["roles"][format!("organizations/{ORG}/roles/cloudBuilder")];
    let mut permissions: Vec<&str> = role["includedPermissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    permissions.sort_unstable();
    assert_eq!(
        permissions,
        [
            "bigquery.jobs.create",
            "cloudasset.assets.searchAllResources",
            "logging.logEntries.list"
        ]
    );
    assert_eq!(role["stage"], "GA");
    // The seeded bindings are still there.
    assert_eq!(
        members(&fake, &format!("organizations/{ORG}"), "roles/owner"),
        ["user:admin@example.com"]
    );
    assert_eq!(
        members(&fake, "projects/beta-dev", "roles/viewer"),
        ["group:devs@example.com"]
    );
    fake.assert_no_invalid();
}

#[test]
fn concurrent_applies_to_one_project_both_keep_their_bindings() {
    let fake = GcpFake::start();
    let (code, _, _) = role(
        &fake,
        "apply",
        &["--scope", "projects/beta-dev", "--member", SA],
    );
    assert_eq!(code, 0);
    // Another writer adds a binding between our read and write, twice.
    let other = serde_json::json!({"role": "roles/browser", "members": ["user:other@example.com"]});
    fake.behave(serde_json::json!({
        "set_iam_conflicts": {"count": 2, "resource": "projects/beta-dev", "add_binding": other}
    }));
    let home = tempfile::tempdir().expect("home");
    let role_name = "projects/beta-dev/roles/cloudBuilder";
    let children: Vec<_> = ["user:alice@example.com", "user:bob@example.com"]
        .iter()
        .map(|member| {
            command(
                Some(&fake),
                home.path(),
                &[
                    "role",
                    "apply",
                    "--cloud",
                    "gcp",
                    "--format",
                    "json",
                    "--scope",
                    "projects/beta-dev",
                    "--member",
                    member,
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        members(&fake, "projects/beta-dev", role_name),
        [SA, "user:alice@example.com", "user:bob@example.com"]
    );
    assert_eq!(
        members(&fake, "projects/beta-dev", "roles/browser"),
        ["user:other@example.com"]
    );
    assert_eq!(
        members(&fake, "projects/beta-dev", "roles/viewer"),
        ["group:devs@example.com"]
    );
    assert!(fake.stats(None)["conflicts"].as_u64().unwrap_or(0) >= 2);
    fake.assert_no_invalid();
}

#[test]
fn verify_reports_drift_and_probes_as_the_service_account() {
    let fake = GcpFake::start();
    let scope = ["--scope", "folders/1001", "--member", SA];
    let (code, steps, _) = role(&fake, "verify", &scope);
    assert_eq!(code, 1, "nothing applied yet: {steps:?}");
    assert_eq!(steps[0], ("role".to_owned(), "drift".to_owned()));
    assert_eq!(steps[1], ("binding".to_owned(), "drift".to_owned()));

    assert_eq!(role(&fake, "apply", &scope).0, 0);
    let (code, steps, rows) = role(&fake, "verify", &scope);
    assert_eq!(code, 0, "{rows:#?}");
    assert_eq!(
        steps,
        pairs(&[("role", "ok"), ("binding", "ok"), ("permissions", "ok")])
    );
    // The probe ran as the service account, not as the admin.
    let probes = fake.stats(Some("cloudresourcemanager.folders.testIamPermissions"));
    let principal = probes["recent"][0]["principal"]
        .as_str()
        .unwrap_or_default();
    assert!(
        principal.contains("cloud-builder@billing-admin"),
        "{probes:#}"
    );

    // A plan that wants one more permission than the role holds is drift.
    let mut wider = scope.to_vec();
    wider.extend(["--permission", "compute.instances.list"]);
    let (code, steps, rows) = role(&fake, "verify", &wider);
    assert_eq!(code, 1);
    assert_eq!(steps[0], ("role".to_owned(), "drift".to_owned()));
    assert!(
        rows[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("lacks compute.instances.list"),
        "{rows:#?}"
    );
    // apply brings it back with a patch of that field only.
    let (code, steps, rows) = role(&fake, "apply", &wider);
    assert_eq!(code, 0);
    assert_eq!(steps[0], ("role".to_owned(), "updated".to_owned()));
    assert_eq!(rows[0]["detail"], "includedPermissions");
    fake.assert_no_invalid();
}

#[test]
fn destroy_cleans_up_and_apply_undeletes_the_soft_deleted_role() {
    let fake = GcpFake::start();
    let scope = ["--scope", &format!("organizations/{ORG}"), "--member", SA].map(String::from);
    let scope: Vec<&str> = scope.iter().map(String::as_str).collect();
    let role_name = format!("organizations/{ORG}/roles/cloudBuilder");
    assert_eq!(role(&fake, "apply", &scope).0, 0);

    let (code, steps, _) = role(&fake, "destroy", &scope);
    assert_eq!(code, 0);
    assert_eq!(steps, pairs(&[("binding", "removed"), ("role", "deleted")]));
    assert!(members(&fake, &format!("organizations/{ORG}"), &role_name).is_empty());
    assert_eq!(fake.state()["roles"][&role_name]["deleted"], true);
    assert_eq!(
        members(&fake, &format!("organizations/{ORG}"), "roles/owner"),
        ["user:admin@example.com"]
    );
    let (_, steps, _) = role(&fake, "destroy", &scope);
    assert_eq!(steps, pairs(&[("binding", "absent"), ("role", "absent")]));

    // Google keeps a deleted role's id for 7 days: apply undeletes it.
    let (code, steps, _) = role(&fake, "apply", &scope);
    assert_eq!(code, 0);
    assert_eq!(steps, pairs(&[("role", "undeleted"), ("binding", "added")]));
    assert_eq!(fake.state()["roles"][&role_name]["deleted"], Value::Null);
    fake.assert_no_invalid();
}

#[test]
fn bad_input_exits_64_with_one_line_naming_the_field() {
    let home = tempfile::tempdir().expect("home");
    for (args, field) in [
        (vec!["--scope", "org/12", "--member", SA], "--scope"),
        (
            vec!["--scope", "projects/beta-dev", "--member", "bob"],
            "--member",
        ),
        (
            vec![
                "--scope",
                "projects/beta-dev",
                "--member",
                SA,
                "--permission",
                "compute.instances.delete",
            ],
            "--permission",
        ),
        (
            vec![
                "--scope",
                "projects/beta-dev",
                "--member",
                SA,
                "--permission",
                "bogus",
            ],
            "--permission",
        ),
        (
            vec![
                "--scope",
                "projects/beta-dev",
                "--member",
                SA,
                "--role-id",
                "x",
            ],
            "--role-id",
        ),
        (vec!["--member", SA], "--scope"),
    ] {
        for verb in ["plan", "apply", "verify", "destroy"] {
            let mut all = vec!["role", verb, "--cloud", "gcp"];
            all.extend(args.iter().copied());
            let out = run(None, home.path(), &all);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(64), "{all:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{all:?}: {stderr}");
            assert!(stderr.contains(&format!("{field}: ")), "{all:?}: {stderr}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn plan_writes_the_gcloud_role_file_and_script_and_changes_nothing() {
    let fake = GcpFake::start();
    let home = tempfile::tempdir().expect("home");
    let out = run(
        Some(&fake),
        home.path(),
        &[
            "role",
            "plan",
            "--cloud",
            "gcp",
            "--scope",
            "folders/1001",
            "--member",
            SA,
            "--out",
            "plan",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("custom roles live only in organizations and projects"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bigquery.jobs.create: reading the Cloud Billing export"),
        "{stdout}"
    );
    let yaml =
        std::fs::read_to_string(home.path().join("plan/cloud-builder-role.yaml")).expect("yaml");
    assert!(yaml.contains("stage: GA\nincludedPermissions:\n- bigquery.jobs.create\n- cloudasset.assets.searchAllResources\n- logging.logEntries.list\n"), "{yaml}");
    let script = std::fs::read_to_string(home.path().join("plan/apply.sh")).expect("script");
    assert!(script.contains(&format!(
        "gcloud iam roles create cloudBuilder --organization={ORG}"
    )));
    assert!(script.contains("gcloud resource-manager folders add-iam-policy-binding 1001"));
    let check = Command::new("sh")
        .arg("-n")
        .arg(home.path().join("plan/apply.sh"))
        .status()
        .expect("sh -n");
    assert!(check.success(), "apply.sh is not valid sh");
    assert_eq!(writes(&fake), 0);
    fake.assert_no_invalid();
}
