//! Keyless from AWS: `role apply --cloud gcp --federate-from-aws` against the
//! GCP contract fake, and `creds gcp --from-aws` with nothing but an assumed
//! AWS role's credentials. The AWS side is moto with authentication on (every
//! signature checked); the fake's STS replays each signed GetCallerIdentity to
//! that moto to learn who signed it. Every test ends by asserting that the
//! fake counted no invalid request.

use crate::util::BIN;
use cloudbuilder_testkit::{ACCOUNT, GCP_ADMIN_TOKEN, GcpFake, Output, Sandbox};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const SA: &str = "cloud-builder@billing-admin.iam.gserviceaccount.com";
const SCANNER_ROLE: &str = "CloudBuilderScanner";
const OTHER_ROLE: &str = "SomeOtherRole";
const POOL: &str = "projects/333333333333/locations/global/workloadIdentityPools/cloudbuilder";

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn provider_name() -> String {
    format!("{POOL}/providers/aws-{ACCOUNT}")
}

fn principal_set() -> String {
    format!(
        "principalSet://iam.googleapis.com/{POOL}/attribute.aws_role/arn:aws:sts::{ACCOUNT}:assumed-role/{SCANNER_ROLE}"
    )
}

/// Temporary credentials of an assumed role.
struct Session {
    key_id: String,
    secret: String,
    token: String,
}

/// moto with two roles a deployer user may assume, authentication on; the
/// GCP fake, its STS pointed at that moto.
struct World {
    sandbox: Sandbox,
    fake: GcpFake,
    deployer: (String, String),
}

impl World {
    fn new() -> World {
        let sandbox = Sandbox::new();
        let (user_arn, key_id, secret) =
            sandbox.create_user("deployer", &["sts:AssumeRole", "sts:GetCallerIdentity"]);
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}]})
        .to_string();
        for name in [SCANNER_ROLE, OTHER_ROLE] {
            sandbox
                .aws(&[
                    "iam",
                    "create-role",
                    "--role-name",
                    name,
                    "--assume-role-policy-document",
                    &trust,
                ])
                .success();
        }
        sandbox.moto.enable_auth();
        let fake = GcpFake::start();
        fake.behave(json!({"aws_sts_endpoint": sandbox.moto.url()}));
        World {
            sandbox,
            fake,
            deployer: (key_id, secret),
        }
    }

    /// Assumes `role` as the deployer (through moto, signatures checked).
    fn assume(&self, role: &str) -> Session {
        let out = self
            .sandbox
            .aws_as(
                &[
                    ("AWS_ACCESS_KEY_ID", &self.deployer.0),
                    ("AWS_SECRET_ACCESS_KEY", &self.deployer.1),
                ],
                &[
                    "sts",
                    "assume-role",
                    "--role-arn",
                    &role_arn(role),
                    "--role-session-name",
                    "scan",
                ],
            )
            .success()
            .json();
        let text = |k: &str| {
            out["Credentials"][k]
                .as_str()
                .expect("credential")
                .to_owned()
        };
        Session {
            key_id: text("AccessKeyId"),
            secret: text("SecretAccessKey"),
            token: text("SessionToken"),
        }
    }

    /// `cloudbuilder role <verb> --cloud gcp --format json …` as the GCP admin
    /// (the sandbox's AWS variables are there but unused).
    fn role(&self, verb: &str, args: &[&str]) -> Output {
        let mut cmd = self.sandbox.command(BIN);
        cmd.env("CLOUDBUILDER_GCP_ENDPOINT", self.fake.url())
            .env("CLOUDBUILDER_GCP_ACCESS_TOKEN", GCP_ADMIN_TOKEN)
            .args(["role", verb, "--cloud", "gcp", "--format", "json"])
            .args(args);
        self.sandbox.run(&mut cmd)
    }

    /// `cloudbuilder creds gcp …` with the session's AWS credentials and
    /// nothing of Google's: no token variable, no endpoint variable, no ADC.
    fn creds(&self, session: &Session, args: &[&str]) -> Output {
        let mut cmd = self.sandbox.command(BIN);
        cmd.env("AWS_ACCESS_KEY_ID", &session.key_id)
            .env("AWS_SECRET_ACCESS_KEY", &session.secret)
            .env("AWS_SESSION_TOKEN", &session.token)
            .env_remove("CLOUDBUILDER_GCP_ENDPOINT")
            .env_remove("CLOUDBUILDER_GCP_ACCESS_TOKEN")
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .args(["creds", "gcp"])
            .args(args);
        self.sandbox.run(&mut cmd)
    }

    /// Where apply writes the credential configuration by default.
    fn config_path(&self) -> PathBuf {
        self.sandbox.path(".config/cloudbuilder/gcp-from-aws.json")
    }
}

/// The flags of a federated role command at project scope.
fn federated(arn: &str) -> Vec<String> {
    [
        "--scope",
        "projects/billing-admin",
        "--member",
        &format!("serviceAccount:{SA}"),
        "--federate-from-aws",
        arn,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// (item, result) of each line of a role command's JSON answer.
fn results(out: &Output) -> Vec<(String, String)> {
    out.json()
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap_or_default().to_owned(),
                r["result"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Members holding `role` on the service account in the fake's world.
fn sa_members(fake: &GcpFake, role: &str) -> Vec<String> {
    let state = fake.state();
    state["policies"][format!("projects/billing-admin/serviceAccounts/{SA}")]["bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["role"] == role)
        .flat_map(|b| b["members"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect()
}

/// The fake's pool or provider of that name.
fn wif(fake: &GcpFake, key: &str, name: &str) -> Option<Value> {
    fake.state()[key]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .cloned()
}

/// Requests that wrote anything, by method.
fn writes(fake: &GcpFake) -> Vec<String> {
    fake.stats(None)["by_method"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| {
                    ["create", "patch", "delete", "undelete", "setIamPolicy"]
                        .iter()
                        .any(|w| k.ends_with(w))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("config file")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn apply_makes_pool_provider_binding_and_config_and_a_second_apply_writes_nothing() {
    let world = World::new();
    // Every create operation answers done=false twice before it completes.
    world.fake.behave(json!({"lro_pending_polls": 2}));
    let args = federated(&role_arn(SCANNER_ROLE));
    let out = world.role("apply", &refs(&args)).success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("role", "created"),
            ("binding", "added"),
            ("pool", "created"),
            ("provider", "created"),
            ("binding", "added"),
            ("credential-config", "written"),
        ]),
        "{}",
        out.stdout
    );
    let provider = wif(
        &world.fake,
        "workload_identity_pool_providers",
        &provider_name(),
    )
    .expect("provider");
    assert_eq!(provider["aws"]["accountId"], ACCOUNT);
    assert_eq!(
        provider["attributeCondition"],
        format!("attribute.aws_role == 'arn:aws:sts::{ACCOUNT}:assumed-role/{SCANNER_ROLE}'")
    );
    assert_eq!(
        provider["attributeMapping"]["google.subject"],
        "assertion.arn"
    );
    assert_eq!(
        wif(&world.fake, "workload_identity_pools", POOL).expect("pool")["state"],
        "ACTIVE"
    );
    assert_eq!(
        sa_members(&world.fake, "roles/iam.workloadIdentityUser"),
        vec![principal_set()]
    );

    let path = world.config_path();
    let text = std::fs::read_to_string(&path).expect("credential configuration");
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let config: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(config["type"], "external_account");
    assert_eq!(
        config["audience"],
        format!("//iam.googleapis.com/{}", provider_name())
    );
    assert_eq!(
        config["subject_token_type"],
        "urn:ietf:params:aws:token-type:aws4_request"
    );
    assert_eq!(
        config["token_url"],
        format!("{}/v1/token", world.fake.url())
    );
    assert_eq!(
        config["service_account_impersonation_url"],
        format!(
            "{}/v1/projects/-/serviceAccounts/{SA}:generateAccessToken",
            world.fake.url()
        )
    );
    assert_eq!(config["credential_source"]["environment_id"], "aws1");
    for secret in [
        GCP_ADMIN_TOKEN,
        "setup-secret-not-used-after-auth",
        &world.deployer.1,
    ] {
        assert!(!text.contains(secret), "a secret in the configuration");
    }

    world.fake.reset_stats();
    let out = world.role("apply", &refs(&args)).success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("role", "unchanged"),
            ("binding", "unchanged"),
            ("pool", "unchanged"),
            ("provider", "unchanged"),
            ("binding", "unchanged"),
            ("credential-config", "unchanged"),
        ])
    );
    assert_eq!(writes(&world.fake), Vec::<String>::new());
    let recent = world.fake.stats(None)["recent"].clone();
    assert!(
        recent
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["http"] == "GET"
                || r["method"]
                    .as_str()
                    .is_some_and(|m| m.ends_with("getIamPolicy"))),
        "a second apply only reads: {recent:#}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("config"), text);

    let out = world.role("verify", &refs(&args)).success();
    assert!(
        results(&out).iter().all(|(_, r)| r == "ok"),
        "{}",
        out.stdout
    );
    world.fake.assert_no_invalid();
}

#[test]
fn the_pinned_role_alone_mints_a_token_the_fake_accepts_and_another_role_is_refused() {
    let world = World::new();
    world
        .role("apply", &refs(&federated(&role_arn(SCANNER_ROLE))))
        .success();
    let scanner = world.assume(SCANNER_ROLE);
    let out = world.creds(
        &scanner,
        &[
            "-vvv",
            "--from-aws",
            "--lifetime",
            "20m",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json = out.json();
    let token = json["access_token"].as_str().expect("token").to_owned();
    assert_eq!(json["service_account"], SA);
    let state = world.fake.state();
    assert_eq!(
        state["tokens"][&token]["principal"],
        format!("serviceAccount:{SA}")
    );
    let sts = world.fake.stats(Some("sts.token"));
    let arn = sts["recent"][0]["derived"]["aws_arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/{SCANNER_ROLE}/"
        )),
        "moto told the fake who signed: {arn}"
    );
    let minted = world.fake.stats(Some("iamcredentials.*"));
    assert_eq!(minted["recent"][0]["body"]["lifetime"], "1200s");
    assert!(
        minted["recent"][0]["principal"].as_str().is_some_and(
            |p| p.starts_with(&format!("principal://iam.googleapis.com/{POOL}/subject/"))
        ),
        "the federated principal minted it: {minted:#}"
    );
    for secret in [&token, &scanner.secret, &scanner.token] {
        assert!(
            !out.stderr.contains(secret.as_str()),
            "a secret reached the logs"
        );
    }

    // The token works on its own against the fake, which now refuses any token it did not mint
    // (the refused one counts as invalid: checked first, then the counters start again).
    world.fake.assert_no_invalid();
    world.fake.behave(json!({"strict_tokens": true}));
    let get = |bearer: &str| {
        ureq::get(format!(
            "{}/v1/projects/-/serviceAccounts/{SA}",
            world.fake.url()
        ))
        .header("Authorization", format!("Bearer {bearer}"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .expect("request")
        .status()
        .as_u16()
    };
    assert_eq!(get(&token), 200);
    assert_eq!(get("not-a-minted-token"), 401);
    world.fake.reset_stats();

    // exec hands the same kind of token to a command.
    let out = world.creds(
        &scanner,
        &[
            "--from-aws",
            "exec",
            "--",
            "sh",
            "-c",
            "printf %s \"$CLOUDSDK_AUTH_ACCESS_TOKEN\"",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        world.fake.state()["tokens"][out.stdout.as_str()]["principal"],
        format!("serviceAccount:{SA}")
    );

    // Another role of the same account: the provider's condition refuses it.
    let other = world.assume(OTHER_ROLE);
    let out = world.creds(&other, &["--from-aws"]);
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("attribute condition"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    for secret in [&other.secret, &other.token] {
        assert!(
            !out.stderr.contains(secret.as_str()),
            "a secret in the error"
        );
    }
    let sts = world.fake.stats(Some("sts.token"));
    let last = sts["recent"]
        .as_array()
        .and_then(|r| r.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["status"], 400, "{sts:#}");
    world.fake.assert_no_invalid();
}

#[test]
fn scan_gcp_from_aws_runs_on_the_pinned_roles_aws_credentials_alone() {
    let world = World::new();
    world
        .role("apply", &refs(&federated(&role_arn(SCANNER_ROLE))))
        .success();
    let scanner = world.assume(SCANNER_ROLE);
    let scan = |session: &Session, store: &str| {
        let mut cmd = world.sandbox.command(BIN);
        cmd.env("AWS_ACCESS_KEY_ID", &session.key_id)
            .env("AWS_SECRET_ACCESS_KEY", &session.secret)
            .env("AWS_SESSION_TOKEN", &session.token)
            .env("CLOUDBUILDER_GCP_ENDPOINT", world.fake.url())
            .env_remove("CLOUDBUILDER_GCP_ACCESS_TOKEN")
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .args([
                "scan",
                "gcp",
                "--from-aws",
                "--scope",
                "projects/billing-admin",
            ])
            .args([
                "--tables",
                "gcp_project,gcp_service_account",
                "--store",
                store,
            ]);
        world.sandbox.run(&mut cmd)
    };
    let out = scan(&scanner, "scan.db");
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    let db = rusqlite::Connection::open(world.sandbox.path("scan.db")).expect("store");
    let projects: String = db
        .query_row(
            "SELECT group_concat(project_id) FROM gcp_project",
            [],
            |r| r.get(0),
        )
        .expect("projects");
    assert_eq!(projects, "billing-admin");
    let accounts: i64 = db
        .query_row(
            "SELECT count(*) FROM gcp_service_account WHERE email = ?1",
            [SA],
            |r| r.get(0),
        )
        .expect("service accounts");
    assert_eq!(accounts, 1);
    // Every Google call of the scan carried a token minted for the service account.
    let searched = world.fake.stats(Some("cloudasset.*"));
    assert!(
        searched["recent"].as_array().is_some_and(|r| !r.is_empty()
            && r.iter()
                .all(|c| c["principal"] == format!("serviceAccount:{SA}"))),
        "{searched:#}"
    );
    for secret in [&scanner.secret, &scanner.token] {
        assert!(!out.stderr.contains(secret.as_str()), "a secret in the log");
    }

    // Another role of the account gets nothing: the scan stops before it starts.
    let other = world.assume(OTHER_ROLE);
    let out = scan(&other, "other.db");
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("attribute condition"), "{}", out.stderr);
    world.fake.assert_no_invalid();
}

#[test]
fn out_dir_and_credential_config_name_the_file() {
    let world = World::new();
    let mut args = federated(&role_arn(SCANNER_ROLE));
    args.extend(["--out".to_owned(), "fed".to_owned()]);
    let out = world.role("apply", &refs(&args)).success();
    let path = world.sandbox.path("fed/gcp-from-aws.json");
    assert!(
        out.stdout.contains(&path.display().to_string()),
        "{}",
        out.stdout
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    assert!(!world.config_path().exists());
    let scanner = world.assume(SCANNER_ROLE);
    // The default place holds nothing; the named file works.
    assert_eq!(world.creds(&scanner, &["--from-aws"]).code, Some(64));
    let out = world.creds(
        &scanner,
        &[
            "--credential-config",
            "fed/gcp-from-aws.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.json()["service_account"], SA);
    // Asking for another service account than the file's is a usage error.
    let out = world.creds(
        &scanner,
        &[
            "--credential-config",
            "fed/gcp-from-aws.json",
            "--impersonate",
            "other@billing-admin.iam.gserviceaccount.com",
        ],
    );
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    assert!(out.stderr.contains("--impersonate: "), "{}", out.stderr);
    world.fake.assert_no_invalid();
}

#[test]
fn verify_reports_a_changed_condition_and_apply_restores_it() {
    let world = World::new();
    let args = federated(&role_arn(SCANNER_ROLE));
    world.role("apply", &refs(&args)).success();
    // Someone widens the provider's condition to every caller of the account.
    let op = ureq::patch(format!(
        "{}/v1/{}?updateMask=attributeCondition",
        world.fake.url(),
        provider_name()
    ))
    .header("Authorization", format!("Bearer {GCP_ADMIN_TOKEN}"))
    .header("content-type", "application/json")
    .send(json!({"attributeCondition": "true"}).to_string());
    assert!(op.is_ok(), "{op:?}");
    let out = world.role("verify", &refs(&args));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let rows = out.json();
    let provider = rows
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["item"] == "provider")
        .cloned()
        .expect("provider row");
    assert_eq!(provider["result"], "drift");
    assert!(
        provider["detail"]
            .as_str()
            .is_some_and(|d| d.contains("attributeCondition") && d.contains("'true'")),
        "{provider}"
    );
    let out = world.role("apply", &refs(&args)).success();
    assert!(
        results(&out).contains(&("provider".to_owned(), "updated".to_owned())),
        "{}",
        out.stdout
    );
    assert!(
        wif(
            &world.fake,
            "workload_identity_pool_providers",
            &provider_name()
        )
        .is_some_and(|p| p["attributeCondition"] != "true")
    );
    world.role("verify", &refs(&args)).success();
    world.fake.assert_no_invalid();
}

#[test]
fn destroy_removes_binding_provider_pool_and_config_and_apply_undeletes_them() {
    let world = World::new();
    let args = federated(&role_arn(SCANNER_ROLE));
    world.role("apply", &refs(&args)).success();
    let out = world.role("destroy", &refs(&args)).success();
    assert_eq!(
        results(&out),
        pairs(&[
            ("binding", "removed"),
            ("provider", "deleted"),
            ("pool", "deleted"),
            ("credential-config", "removed"),
            ("binding", "removed"),
            ("role", "deleted"),
        ]),
        "{}",
        out.stdout
    );
    assert!(sa_members(&world.fake, "roles/iam.workloadIdentityUser").is_empty());
    assert_eq!(
        wif(&world.fake, "workload_identity_pools", POOL).expect("pool")["state"],
        "DELETED"
    );
    assert!(!world.config_path().exists());
    // Nothing is left to mint with.
    let scanner = world.assume(SCANNER_ROLE);
    let out = world.creds(&scanner, &["--from-aws"]);
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    assert!(out.stderr.contains("--from-aws: "), "{}", out.stderr);
    let out = world.role("destroy", &refs(&args)).success();
    assert!(
        results(&out)
            .iter()
            .all(|(_, r)| r == "absent" || r == "deleted"),
        "{}",
        out.stdout
    );

    // The soft-deleted pool and provider keep their ids: apply brings them back.
    let out = world.role("apply", &refs(&args)).success();
    let rows = results(&out);
    assert!(
        rows.contains(&("pool".to_owned(), "undeleted".to_owned())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("provider".to_owned(), "undeleted".to_owned())),
        "{rows:?}"
    );
    assert_eq!(
        world.creds(&scanner, &["--from-aws"]).code,
        Some(0),
        "minting works again"
    );
    world.fake.assert_no_invalid();
}

#[test]
fn plan_writes_the_gcloud_commands_and_changes_nothing() {
    let world = World::new();
    let mut args = federated(&role_arn(SCANNER_ROLE));
    args.extend(["--out".to_owned(), "plan".to_owned()]);
    let mut cmd = world.sandbox.command(BIN);
    cmd.env("CLOUDBUILDER_GCP_ENDPOINT", world.fake.url())
        .args(["role", "plan", "--cloud", "gcp"])
        .args(&args);
    let out = world.sandbox.run(&mut cmd).success();
    for needle in [
        "keyless",
        POOL.rsplit('/').next().unwrap_or_default(),
        &format!("attribute.aws_role == 'arn:aws:sts::{ACCOUNT}:assumed-role/{SCANNER_ROLE}'"),
        "roles/iam.workloadIdentityUser",
    ] {
        assert!(out.stdout.contains(needle), "{needle}\n{}", out.stdout);
    }
    let script = std::fs::read_to_string(world.sandbox.path("plan/apply.sh")).expect("apply.sh");
    for needle in [
        "gcloud iam workload-identity-pools create cloudbuilder",
        &format!("providers create-aws aws-{ACCOUNT}"),
        &format!("--account-id={ACCOUNT}"),
        "--attribute-condition=",
        &format!("gcloud iam service-accounts add-iam-policy-binding {SA}"),
        "--role=roles/iam.workloadIdentityUser",
        &format!("attribute.aws_role/arn:aws:sts::{ACCOUNT}:assumed-role/{SCANNER_ROLE}"),
        "gcloud iam workload-identity-pools create-cred-config",
        "--aws",
    ] {
        assert!(script.contains(needle), "{needle}\n{script}");
    }
    let syntax = std::process::Command::new("sh")
        .arg("-n")
        .arg(world.sandbox.path("plan/apply.sh"))
        .status()
        .expect("sh -n");
    assert!(syntax.success());
    assert_eq!(world.fake.stats(None)["requests"], 0);
    assert!(!world.config_path().exists());
}

#[test]
fn bad_input_exits_64_with_one_line_naming_the_field() {
    let world = World::new();
    let good = role_arn(SCANNER_ROLE);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (federated("not-an-arn"), "--federate-from-aws"),
        (
            federated(&format!("arn:aws:iam::{ACCOUNT}:user/bob")),
            "--federate-from-aws",
        ),
        (
            {
                let mut a = federated(&good);
                a[3] = "user:admin@example.com".to_owned();
                a
            },
            "--member",
        ),
        (
            {
                let mut a = federated(&good);
                a.extend(["--pool-id".to_owned(), "gcp-pool".to_owned()]);
                a
            },
            "--pool-id",
        ),
        (
            {
                let mut a = federated(&good);
                a.extend(["--federation-project".to_owned(), "X".to_owned()]);
                a
            },
            "--federation-project",
        ),
    ];
    for (args, field) in &cases {
        for verb in ["plan", "apply", "verify", "destroy"] {
            let out = world.role(verb, &refs(args));
            assert_eq!(out.code, Some(64), "{verb} {args:?}: {}", out.stderr);
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
            assert!(
                out.stderr.contains(&format!("{field}: ")),
                "{field}: {}",
                out.stderr
            );
        }
    }
    // creds: no configuration yet, and a configuration that is not one.
    let scanner = world.assume(SCANNER_ROLE);
    let out = world.creds(&scanner, &["--from-aws"]);
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    assert!(out.stderr.contains("--from-aws: "), "{}", out.stderr);
    std::fs::write(
        world.sandbox.path("bad.json"),
        "{\"type\": \"service_account\"}",
    )
    .expect("write");
    let out = world.creds(&scanner, &["--credential-config", "bad.json"]);
    assert_eq!(out.code, Some(64), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("--credential-config "),
        "{}",
        out.stderr
    );
    assert_eq!(world.fake.stats(None)["requests"], 0);
}
