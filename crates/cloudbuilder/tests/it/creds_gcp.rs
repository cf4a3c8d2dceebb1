//! `creds gcp [exec]` against the GCP contract fake: a token minted with
//! generateAccessToken acts as the service account, reaches a command's
//! environment, and never shows in logs or errors.

use crate::util::BIN;
use cloudbuilder_testkit::{GCP_ADMIN_TOKEN, GcpFake};
use std::process::{Command, Output, Stdio};

const SA: &str = "cloud-builder@billing-admin.iam.gserviceaccount.com";

fn run(fake: &GcpFake, token: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("home");
    Command::new(BIN)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("CLOUDBUILDER_GCP_ENDPOINT", fake.url())
        .env("CLOUDBUILDER_GCP_ACCESS_TOKEN", token)
        .stdin(Stdio::null())
        .args(args)
        .output()
        .expect("run cloudbuilder")
}

#[test]
fn the_minted_token_is_the_service_accounts_and_reaches_the_command() {
    let fake = GcpFake::start();
    let out = run(
        &fake,
        GCP_ADMIN_TOKEN,
        &[
            "-vvv",
            "creds",
            "gcp",
            "--impersonate",
            SA,
            "--lifetime",
            "30m",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let token = json["access_token"].as_str().expect("token").to_owned();
    assert_eq!(json["service_account"], SA);
    let state = fake.state();
    assert_eq!(
        state["tokens"][&token]["principal"],
        format!("serviceAccount:{SA}")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&token), "the token reached the logs");
    assert!(
        !stderr.contains(GCP_ADMIN_TOKEN),
        "the caller's token reached the logs"
    );
    let minted = fake.stats(Some("iamcredentials.*"));
    assert_eq!(
        minted["recent"][0]["body"]["lifetime"], "1800s",
        "{minted:#}"
    );
    assert_eq!(minted["recent"][0]["principal"], "user:admin@example.com");

    let out = run(
        &fake,
        GCP_ADMIN_TOKEN,
        &["creds", "gcp", "--impersonate", SA],
    );
    let env = String::from_utf8_lossy(&out.stdout);
    assert!(env.contains("export CLOUDSDK_AUTH_ACCESS_TOKEN='"), "{env}");
    assert!(env.contains("export GOOGLE_OAUTH_ACCESS_TOKEN='"), "{env}");

    let out = run(
        &fake,
        GCP_ADMIN_TOKEN,
        &[
            "creds",
            "gcp",
            "--impersonate",
            SA,
            "exec",
            "--",
            "sh",
            "-c",
            "test \"$CLOUDSDK_AUTH_ACCESS_TOKEN\" = \"$GOOGLE_OAUTH_ACCESS_TOKEN\" && printf %s \"$CLOUDSDK_AUTH_ACCESS_TOKEN\"; exit 7",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        fake.state()["tokens"][&token]["principal"],
        format!("serviceAccount:{SA}")
    );
    fake.assert_no_invalid();
}

#[test]
fn a_caller_without_token_creator_is_refused_in_one_line_without_secrets() {
    let fake = GcpFake::start();
    let nobody = fake.token("user:nobody@example.com", 600);
    let out = run(&fake, &nobody, &["creds", "gcp", "--impersonate", SA]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("PERMISSION_DENIED"), "{stderr}");
    assert!(!stderr.contains(&nobody));
    assert!(out.stdout.is_empty());
    fake.assert_no_invalid();
}

#[test]
fn bad_input_exits_64_naming_the_field() {
    let fake = GcpFake::start();
    for (args, field) in [
        (vec!["--impersonate", "bob"], "--impersonate"),
        (vec!["--impersonate", SA, "--lifetime", "1d"], "--lifetime"),
        (
            vec!["--impersonate", SA, "--scopes", "cloud-platform"],
            "--scopes",
        ),
        (vec![], "--impersonate"),
    ] {
        let mut all = vec!["creds", "gcp"];
        all.extend(args);
        let out = run(&fake, GCP_ADMIN_TOKEN, &all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{all:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("{field}: ")), "{stderr}");
    }
    assert_eq!(fake.stats(None)["requests"], 0);
}
