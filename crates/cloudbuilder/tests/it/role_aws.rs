//! `role plan|apply|verify|destroy --cloud aws`: the Cloud Builder role in one
//! account and across an organization, in moto's auth mode, proven by use
//! (the role's own credentials through the real aws CLI) and linted by
//! parliament, policy_sentry and cfn-lint.

use crate::util::{assert_one_line_failure, run};
use cloudbuilder_testkit::{AdminOrg, CloudTrailFake, Output, Sandbox};
use serde_json::Value;
use std::path::Path;

const EXTERNAL_ID: &str = "acme-role-7";
const EC2_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess";
/// IAM and CloudFormation calls that change something.
const WRITE_VERBS: &[&str] = &[
    "Create", "Put", "Update", "Attach", "Detach", "Delete", "Tag", "Untag",
];

fn managed_policies() -> Sandbox {
    Sandbox::with_moto_env(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")])
}

/// `role <verb> --cloud aws <args…> --format json`, parsed.
fn role(sb: &Sandbox, verb: &str, args: &[&str]) -> (Output, Vec<Value>) {
    let mut all = vec!["role", verb, "--cloud", "aws", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(sb, &all);
    let rows = serde_json::from_str::<Vec<Value>>(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON rows ({e}):\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    });
    (out, rows)
}

/// Each row's (account, result), sorted.
fn results(rows: &[Value]) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["account"].as_str().unwrap_or_default().to_owned(),
                r["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

fn all(accounts: &[String], result: &str) -> Vec<(String, String)> {
    let mut list: Vec<_> = accounts
        .iter()
        .map(|a| (a.clone(), result.to_owned()))
        .collect();
    list.sort();
    list
}

/// The IAM/CloudFormation writes among recorded actions.
fn writes(actions: &[String]) -> Vec<&String> {
    actions
        .iter()
        .filter(|a| {
            let (service, op) = a.split_once(':').unwrap_or_default();
            matches!(service, "iam" | "cloudformation")
                && WRITE_VERBS.iter().any(|v| op.starts_with(v))
        })
        .collect()
}

/// A profile `scanner` holding the scanner user's keys, for verify's probes.
fn scanner_profile(sb: &Sandbox, key: &str, secret: &str) {
    std::fs::create_dir_all(sb.path(".aws")).expect("aws dir");
    std::fs::write(
        sb.path(".aws/credentials"),
        format!("[scanner]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    )
    .expect("credentials file");
}

/// LookupEvents is not in moto: verify's CloudTrail probe goes to the contract fake.
fn cloudtrail_fake(sb: &mut Sandbox) -> CloudTrailFake {
    let fake = CloudTrailFake::start(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cloudtrail"
        )),
        5,
    );
    sb.set_var("AWS_ENDPOINT_URL_CLOUDTRAIL", fake.url());
    fake
}

fn lint(dir: &Path) -> Value {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testkit/tools/lint_role_plan.py"
    );
    let out = std::process::Command::new(cloudbuilder_testkit::venv_bin().join("python"))
        .arg(script)
        .arg(dir)
        .output()
        .expect("run the linters");
    assert!(
        out.status.success(),
        "linters: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("lint JSON")
}

#[test]
fn plan_changes_nothing_lints_clean_and_its_apply_sh_builds_the_role_verify_expects() {
    let sb = managed_policies();
    let principal = "arn:aws:iam::111122223333:role/Scanner";
    let definition = [
        "--trusted-principal",
        principal,
        "--external-id",
        EXTERNAL_ID,
        "--managed-policy",
        EC2_READ_ONLY,
    ];
    let account_dir = sb.path("plan");
    let mut args = vec![
        "role",
        "plan",
        "--cloud",
        "aws",
        "--out",
        account_dir.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(&definition);
    let out = run(&sb, &args).success();
    assert!(out.stdout.contains("nothing was changed"), "{}", out.stdout);
    assert!(
        out.stderr.is_empty(),
        "no warning with a principal and an external id: {}",
        out.stderr
    );
    let org_dir = sb.path("plan-org");
    run(
        &sb,
        &[
            "role",
            "plan",
            "--cloud",
            "aws",
            "--scope",
            "organization",
            "--ou",
            "ou-ab12-cd34ef56",
            "--exclude-account",
            "444455556666",
            "--trail-bucket",
            "org-trail",
            "--trusted-principal",
            principal,
            "--out",
            org_dir.to_str().expect("utf-8"),
        ],
    )
    .success();
    for name in [
        "cloud-builder-trust-policy.json",
        "cloud-builder-policy.json",
        "cloud-builder-role.cfn.yaml",
        "apply.sh",
    ] {
        assert!(account_dir.join(name).is_file(), "{name}");
    }
    assert!(org_dir.join("cloud-builder-stackset.cfn.yaml").is_file());
    assert!(
        sb.aws(&["iam", "get-role", "--role-name", "CloudBuilder"])
            .stderr
            .contains("NoSuchEntity"),
        "plan created nothing"
    );

    for dir in [&account_dir, &org_dir] {
        let report = lint(dir);
        // parliament's one finding, by design: it wants DescribeDBInstances granted
        // on db ARNs, but moto (like the scanner, which lists every instance)
        // authorizes it on `*`, so the role grants it there.
        let findings = report["parliament"].as_array().expect("findings");
        assert!(
            findings
                .iter()
                .all(|f| f["issue"] == "RESOURCE_STAR"
                    && f["detail"] == "['rds:DescribeDBInstances']"),
            "{report:#}"
        );
        assert_eq!(
            report["not_read"],
            serde_json::json!([]),
            "only List/Read actions: {report:#}"
        );
        assert_eq!(report["unknown"], serde_json::json!([]), "{report:#}");
        assert!(
            report["access_levels"].as_object().expect("levels").len() >= 15,
            "{report:#}"
        );
        assert_eq!(report["cfn_lint"]["exit"], 0, "{report:#}");
        assert_eq!(
            report["templates"].as_array().expect("templates").len(),
            if dir == &org_dir { 2 } else { 1 }
        );
    }

    // The runbook way: the written aws CLI commands make a role verify accepts.
    let mut sh = sb.command("sh");
    sh.arg(account_dir.join("apply.sh"));
    sb.run(&mut sh).success();
    let mut args = vec!["verify", "--no-probe"];
    args.extend_from_slice(&definition);
    let (out, rows) = role(&sb, args[0], &args[1..]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(rows[0]["result"], "ok");
    assert_eq!(rows[0]["detail"], "matches the plan");
}

#[test]
fn apply_in_one_account_is_idempotent_and_the_role_reads_but_cannot_write_or_read_data() {
    let mut sb = managed_policies();
    let (scanner_arn, scanner_key, scanner_secret) = sb.create_user("scanner", &["sts:AssumeRole"]);
    let (_, admin_key, admin_secret) = sb.create_user("admin", &["*"]);
    sb.aws(&["s3api", "create-bucket", "--bucket", "payroll"])
        .success();
    let object = sb.path("salaries.csv");
    std::fs::write(&object, "alice,1\n").expect("object");
    sb.aws(&[
        "s3api",
        "put-object",
        "--bucket",
        "payroll",
        "--key",
        "salaries.csv",
        "--body",
        object.to_str().expect("utf-8"),
    ])
    .success();
    let ami = sb
        .aws(&["ec2", "describe-images", "--owners", "amazon"])
        .success()
        .json()["Images"][0]["ImageId"]
        .as_str()
        .expect("ami")
        .to_owned();
    sb.moto.enable_auth();
    sb.set_var("AWS_ACCESS_KEY_ID", &admin_key);
    sb.set_var("AWS_SECRET_ACCESS_KEY", &admin_secret);
    let _fake = cloudtrail_fake(&mut sb);
    scanner_profile(&sb, &scanner_key, &scanner_secret);
    let definition = [
        "--trusted-principal",
        scanner_arn.as_str(),
        "--external-id",
        EXTERNAL_ID,
        "--managed-policy",
        EC2_READ_ONLY,
    ];

    let (out, rows) = role(&sb, "apply", &definition);
    assert_eq!(
        (out.code, results(&rows)),
        (
            Some(0),
            all(&[cloudbuilder_testkit::ACCOUNT.to_owned()], "created")
        ),
        "{}",
        out.stderr
    );
    sb.moto.start_recording();
    let (out, rows) = role(&sb, "apply", &definition);
    let recorded = sb.moto.recorded_actions();
    assert_eq!(
        (out.code, rows[0]["result"].as_str()),
        (Some(0), Some("unchanged")),
        "{}",
        out.stderr
    );
    assert!(
        recorded.iter().any(|a| a == "iam:GetRole"),
        "the recording works: {recorded:?}"
    );
    assert_eq!(
        writes(&recorded),
        Vec::<&String>::new(),
        "a second apply writes nothing"
    );

    // The role's own credentials, as the scanner gets them.
    let session = sb
        .aws_as(
            &[
                ("AWS_ACCESS_KEY_ID", &scanner_key),
                ("AWS_SECRET_ACCESS_KEY", &scanner_secret),
            ],
            &[
                "sts",
                "assume-role",
                "--role-arn",
                &format!(
                    "arn:aws:iam::{}:role/CloudBuilder",
                    cloudbuilder_testkit::ACCOUNT
                ),
                "--role-session-name",
                "probe",
                "--external-id",
                EXTERNAL_ID,
            ],
        )
        .success()
        .json();
    let c = &session["Credentials"];
    let text = |k: &str| c[k].as_str().expect("credential").to_owned();
    let (id, secret, token) = (
        text("AccessKeyId"),
        text("SecretAccessKey"),
        text("SessionToken"),
    );
    let as_role = [
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_SESSION_TOKEN", token.as_str()),
    ];
    sb.aws_as(&as_role, &["ec2", "describe-instances"])
        .success();
    sb.aws_as(&as_role, &["ec2", "describe-vpcs"]).success();
    let write = sb.aws_as(
        &as_role,
        &[
            "ec2",
            "run-instances",
            "--image-id",
            &ami,
            "--instance-type",
            "t3.micro",
            "--count",
            "1",
        ],
    );
    assert_ne!(write.code, Some(0), "an EC2 write is refused");
    assert!(
        write.stderr.contains("UnauthorizedOperation") || write.stderr.contains("AccessDenied"),
        "{}",
        write.stderr
    );
    let read = sb.aws_as(
        &as_role,
        &[
            "s3api",
            "get-object",
            "--bucket",
            "payroll",
            "--key",
            "salaries.csv",
            sb.path("stolen.csv").to_str().expect("utf-8"),
        ],
    );
    assert_ne!(read.code, Some(0), "an S3 object read is refused");
    assert!(read.stderr.contains("AccessDenied"), "{}", read.stderr);
    assert!(!sb.path("stolen.csv").exists());

    let mut verify = vec!["--scanner-profile", "scanner"];
    verify.extend_from_slice(&definition);
    let (out, rows) = role(&sb, "verify", &verify);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let detail = rows[0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("matches the plan") && detail.contains("reads allowed, the write refused"),
        "{detail}"
    );

    // Someone widens it by hand: verify names each change and exits 1; apply puts it back.
    let extra = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}"#;
    sb.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "CloudBuilder",
        "--policy-name",
        "extra",
        "--policy-document",
        extra,
    ])
    .success();
    sb.aws(&[
        "iam",
        "update-role",
        "--role-name",
        "CloudBuilder",
        "--max-session-duration",
        "43200",
    ])
    .success();
    let (out, rows) = role(&sb, "verify", &verify);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let detail = rows[0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("extra inline policy extra")
            && detail.contains("max session is 43200s, planned 3600s"),
        "{detail}"
    );
    let (out, rows) = role(&sb, "apply", &definition);
    assert_eq!(
        (out.code, rows[0]["result"].as_str()),
        (Some(0), Some("updated")),
        "{}",
        out.stdout
    );
    assert!(
        rows[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("DeleteRolePolicy extra")
    );
    assert_eq!(role(&sb, "verify", &verify).0.code, Some(0));

    // Destroy removes what apply made, and leaves alone a role it did not make.
    let (out, rows) = role(&sb, "destroy", &[]);
    assert_eq!(
        (out.code, rows[0]["result"].as_str()),
        (Some(0), Some("deleted")),
        "{}",
        out.stderr
    );
    assert!(
        sb.aws(&["iam", "get-role", "--role-name", "CloudBuilder"])
            .stderr
            .contains("NoSuchEntity")
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    sb.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "CloudBuilder",
        "--assume-role-policy-document",
        trust,
    ])
    .success();
    let (out, rows) = role(&sb, "destroy", &[]);
    assert_eq!(
        (out.code, rows[0]["result"].as_str()),
        (Some(0), Some("left-alone"))
    );
    sb.aws(&["iam", "get-role", "--role-name", "CloudBuilder"])
        .success();
    let (out, rows) = role(&sb, "apply", &definition);
    assert_eq!(
        (out.code, rows[0]["result"].as_str()),
        (Some(2), Some("failed"))
    );
    assert!(
        rows[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("--adopt"),
        "{rows:?}"
    );
}

#[test]
fn apply_across_the_organization_reaches_exactly_the_targeted_members() {
    let mut sb = Sandbox::new();
    let org: AdminOrg = sb.admin_organization();
    let _fake = cloudtrail_fake(&mut sb);
    let (scanner_arn, key, secret) = org.scanner.clone();
    scanner_profile(&sb, &key, &secret);
    let excluded = org.in_teams[1].clone();
    // One member whose access role can do nothing: that account fails, the others go on.
    let vars = sb.member_env(&org.in_root, "OrganizationAccountAccessRole");
    let as_root_member: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sb.aws_as(
        &as_root_member,
        &[
            "iam",
            "delete-role-policy",
            "--role-name",
            "OrganizationAccountAccessRole",
            "--policy-name",
            "AdministratorAccess",
        ],
    )
    .success();

    let definition = [
        "--trusted-principal",
        scanner_arn.as_str(),
        "--external-id",
        EXTERNAL_ID,
    ];
    let mut whole = vec![
        "--scope",
        "organization",
        "--exclude-account",
        excluded.as_str(),
    ];
    whole.extend_from_slice(&definition);
    let (out, rows) = role(&sb, "apply", &whole);
    assert_eq!(out.code, Some(2), "{}\n{}", out.stdout, out.stderr);
    let mut expected = all(
        &[
            vec![org.management.clone()],
            org.in_workloads.clone(),
            vec![org.in_teams[0].clone()],
        ]
        .concat(),
        "created",
    );
    expected.push((org.in_root.clone(), "failed".to_owned()));
    expected.sort();
    assert_eq!(results(&rows), expected);
    let failed = rows
        .iter()
        .find(|r| r["result"] == "failed")
        .expect("failed row");
    assert!(
        failed["detail"]
            .as_str()
            .expect("detail")
            .starts_with("AccessDenied"),
        "{failed}"
    );

    // --ou reaches nested OUs; a second apply is unchanged and writes nothing.
    let mut workloads = vec![
        "--scope",
        "organization",
        "--ou",
        org.workloads.as_str(),
        "--exclude-account",
        excluded.as_str(),
    ];
    workloads.extend_from_slice(&definition);
    let targeted: Vec<String> = org
        .under_workloads()
        .into_iter()
        .filter(|a| *a != excluded)
        .collect();
    sb.moto.start_recording();
    let (out, rows) = role(&sb, "apply", &workloads);
    let recorded = sb.moto.recorded_actions();
    assert_eq!(
        (out.code, results(&rows)),
        (Some(0), all(&targeted, "unchanged")),
        "{}",
        out.stderr
    );
    assert!(
        recorded.iter().filter(|a| *a == "sts:AssumeRole").count() >= targeted.len(),
        "{recorded:?}"
    );
    assert_eq!(
        writes(&recorded),
        Vec::<&String>::new(),
        "a second apply writes nothing"
    );
    let vars = sb.member_env(&excluded, "OrganizationAccountAccessRole");
    let as_excluded: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(
        sb.aws_as(
            &as_excluded,
            &["iam", "get-role", "--role-name", "CloudBuilder"]
        )
        .stderr
        .contains("NoSuchEntity"),
        "the excluded account is untouched"
    );

    let mut verify = vec!["--scanner-profile", "scanner"];
    verify.extend_from_slice(&workloads);
    let (out, rows) = role(&sb, "verify", &verify);
    assert_eq!(
        (out.code, results(&rows)),
        (Some(0), all(&targeted, "ok")),
        "{}\n{}",
        out.stdout,
        out.stderr
    );

    // Widen one member's policy: verify flags that account only.
    let widened = &org.in_teams[0];
    let vars = sb.member_env(widened, "OrganizationAccountAccessRole");
    let as_member: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let policy = sb
        .aws_as(
            &as_member,
            &[
                "iam",
                "get-role-policy",
                "--role-name",
                "CloudBuilder",
                "--policy-name",
                "CloudBuilderReadOnly",
            ],
        )
        .success()
        .json();
    let mut document = policy["PolicyDocument"].clone();
    document["Statement"][0]["Action"]
        .as_array_mut()
        .expect("actions")
        .push("s3:PutObject".into());
    sb.aws_as(
        &as_member,
        &[
            "iam",
            "put-role-policy",
            "--role-name",
            "CloudBuilder",
            "--policy-name",
            "CloudBuilderReadOnly",
            "--policy-document",
            &document.to_string(),
        ],
    )
    .success();
    let (out, rows) = role(&sb, "verify", &verify);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    for row in &rows {
        let drifted = row["account"] == widened.as_str();
        assert_eq!(row["result"], if drifted { "drift" } else { "ok" }, "{row}");
        if drifted {
            assert!(
                row["detail"]
                    .as_str()
                    .expect("detail")
                    .contains("policy also allows s3:PutObject"),
                "{row}"
            );
        }
    }

    let (out, rows) = role(&sb, "destroy", &workloads[..6]);
    assert_eq!(
        (out.code, results(&rows)),
        (Some(0), all(&targeted, "deleted")),
        "{}",
        out.stderr
    );
    assert!(
        sb.aws_as(
            &as_member,
            &["iam", "get-role", "--role-name", "CloudBuilder"]
        )
        .stderr
        .contains("NoSuchEntity")
    );
}

#[test]
fn apply_via_stackset_deploys_to_the_ous_and_destroy_removes_it() {
    let mut sb = Sandbox::new();
    let org = sb.admin_organization();
    // StackSet mechanics need no auth; and in auth mode moto re-encodes form
    // bodies (a space as `+` where the SDK signed `%20`), which every
    // template body with a space in it would fail.
    sb.moto.disable_auth();
    let scanner = org.scanner.0.clone();
    let args = [
        "--scope",
        "organization",
        "--via",
        "stackset",
        "--ou",
        org.workloads.as_str(),
        "--trusted-principal",
        scanner.as_str(),
        "--external-id",
        EXTERNAL_ID,
    ];
    let (out, rows) = role(&sb, "apply", &args);
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let stackset = rows
        .iter()
        .find(|r| r["account"] == "stackset cloudbuilder-role")
        .expect("stackset row");
    assert_eq!(stackset["result"], "created", "{rows:?}");
    for member in org.under_workloads() {
        assert!(
            stackset["detail"]
                .as_str()
                .expect("detail")
                .contains(&member),
            "{member} has an instance: {stackset}"
        );
    }
    assert!(
        !stackset["detail"]
            .as_str()
            .expect("detail")
            .contains(&org.in_root),
        "{stackset}"
    );
    let management = rows
        .iter()
        .find(|r| r["account"] == org.management.as_str())
        .expect("management row");
    assert_eq!(
        management["result"], "created",
        "the management account gets the role directly"
    );
    let vars = sb.member_env(&org.in_teams[0], "OrganizationAccountAccessRole");
    let as_member: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sb.aws_as(
        &as_member,
        &["iam", "get-role", "--role-name", "CloudBuilder"],
    )
    .success();

    let (out, rows) = role(&sb, "apply", &args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(rows.iter().all(|r| r["result"] == "unchanged"), "{rows:?}");

    let (out, rows) = role(
        &sb,
        "destroy",
        &[
            "--scope",
            "organization",
            "--via",
            "stackset",
            "--ou",
            org.workloads.as_str(),
        ],
    );
    // moto's DeleteStackInstances ignores DeploymentTargets (it reads only
    // Accounts, which AWS refuses for service-managed StackSets), so its
    // instances outlive the call and DeleteStackSet answers StackSetNotEmpty;
    // AWS deletes them. Every role is removed all the same, by IAM.
    let stackset = &rows[0];
    assert_eq!(
        stackset["account"], "stackset cloudbuilder-role",
        "{rows:?}"
    );
    assert!(
        stackset["result"] == "deleted"
            || stackset["detail"]
                .as_str()
                .is_some_and(|d| d.contains("StackSetNotEmptyException")),
        "{stackset}"
    );
    let mut expected = all(&org.under_workloads(), "deleted");
    expected.push((org.management.clone(), "deleted".to_owned()));
    expected.push((
        "stackset cloudbuilder-role".to_owned(),
        stackset["result"].as_str().unwrap_or_default().to_owned(),
    ));
    expected.sort();
    assert_eq!(results(&rows), expected, "{}", out.stdout);
    assert!(
        sb.aws_as(
            &as_member,
            &["iam", "get-role", "--role-name", "CloudBuilder"]
        )
        .stderr
        .contains("NoSuchEntity")
    );
    assert!(
        sb.aws(&["iam", "get-role", "--role-name", "CloudBuilder"])
            .stderr
            .contains("NoSuchEntity")
    );
}

#[test]
fn malformed_role_input_is_one_line_and_exit_64() {
    let sb = Sandbox::new();
    for (args, field) in [
        (
            vec!["plan", "--trusted-principal", "arn:aws:iam::123:user/x"],
            "--trusted-principal",
        ),
        (
            vec!["plan", "--trusted-principal", "*"],
            "--trusted-principal",
        ),
        (
            vec!["apply", "--scope", "organization", "--ou", "org-1"],
            "--ou",
        ),
        (
            vec![
                "verify",
                "--scope",
                "organization",
                "--exclude-account",
                "12",
            ],
            "--exclude-account",
        ),
        (
            vec!["apply", "--managed-policy", "ReadOnlyAccess"],
            "--managed-policy",
        ),
        (vec!["apply", "--max-session", "30m"], "--max-session"),
        (vec!["apply", "--role-name", "Cloud Builder"], "--role-name"),
        (vec!["apply", "--ou", "ou-ab12-cd34ef56"], "--ou"),
        (vec!["apply", "--via", "stackset"], "--via"),
    ] {
        let mut all = vec!["role", args[0], "--cloud", "aws"];
        all.extend_from_slice(&args[1..]);
        assert_one_line_failure(&run(&sb, &all), 64, &[field]);
    }
}
