//! `creds assume` in every format, proven by the real aws CLI.

use crate::util::{BIN, assumed_arn, run};
use cloudbuilder_testkit::Sandbox;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[test]
fn eval_of_env_output_gives_the_aws_cli_the_assumed_role() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    let script = format!(
        "eval \"$('{BIN}' creds assume --role-arn {} --external-id acme-42 --session-name evaltest)\" && aws sts get-caller-identity",
        fx.role_arn
    );
    let out = sb.run(sb.command("bash").args(["-c", &script])).success();
    assert_eq!(out.json()["Arn"], assumed_arn("evaltest"));
}

#[test]
fn credential_process_profile_works_with_the_aws_cli() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    std::fs::create_dir_all(sb.path(".aws")).expect("mkdir");
    std::fs::write(
        sb.path(".aws/config"),
        format!(
            "[profile cb]\ncredential_process = {BIN} creds assume --role-arn {} --external-id acme-42 --session-name cp --format credential-process\n",
            fx.role_arn
        ),
    )
    .expect("write config");
    let out = sb
        .aws(&["--profile", "cb", "sts", "get-caller-identity"])
        .success();
    assert_eq!(out.json()["Arn"], assumed_arn("cp"));
}

#[test]
fn json_output_has_the_runbook_fields_the_role_and_the_requested_lifetime() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let before = OffsetDateTime::now_utc();
    let out = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--duration",
            "90m",
            "--format",
            "json",
        ],
    )
    .success();
    let v = out.json();
    assert!(
        v["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA")),
        "{v}"
    );
    assert!(v["SecretAccessKey"].as_str().is_some_and(|s| s.len() >= 20));
    assert!(v["SessionToken"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        v["AssumedRoleArn"],
        assumed_arn("cloudbuilder-tester"),
        "default session name comes from $USER"
    );
    let expiration = OffsetDateTime::parse(v["Expiration"].as_str().expect("expiration"), &Rfc3339)
        .expect("rfc3339");
    let lifetime = (expiration - before).whole_minutes();
    assert!(
        (89..=91).contains(&lifetime),
        "90m asked, {lifetime}m granted"
    );
}

#[test]
fn fish_and_powershell_output_set_the_same_variables() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let fish = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--format",
            "fish",
            "--region",
            "eu-west-1",
        ],
    )
    .success();
    assert!(fish.stdout.contains("set -e AWS_PROFILE\n"));
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert!(
            fish.stdout.contains(&format!("set -gx {var} '")),
            "{var} in\n{}",
            fish.stdout
        );
    }
    assert!(fish.stdout.contains("set -gx AWS_REGION 'eu-west-1'\n"));
    let ps = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--format",
            "powershell",
        ],
    )
    .success();
    assert!(
        ps.stdout.contains("$Env:AWS_SESSION_TOKEN = '"),
        "{}",
        ps.stdout
    );
    assert!(
        ps.stdout.contains("$Env:AWS_REGION = 'us-east-1'"),
        "region from AWS_DEFAULT_REGION:\n{}",
        ps.stdout
    );
}

#[test]
fn mfa_serial_and_code_are_sent_and_accepted() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let out = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--mfa-serial",
            "arn:aws:iam::123456789012:mfa/tester",
            "--token-code",
            "123456",
            "--format",
            "json",
        ],
    )
    .success();
    assert_eq!(
        out.json()["AssumedRoleArn"],
        assumed_arn("cloudbuilder-tester")
    );
}

#[test]
fn whoami_reports_the_credentials_in_effect() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let out = run(&sb, &["creds", "whoami", "--format", "json"]).success();
    assert_eq!(out.json()["Arn"], fx.user_arn.as_str());
    assert_eq!(out.json()["Account"], "123456789012");
    let table = run(&sb, &["creds", "whoami"]).success();
    assert!(
        table.stdout.contains(&format!("Arn      {}", fx.user_arn)),
        "{}",
        table.stdout
    );
}

#[test]
fn a_service_specific_endpoint_variable_reaches_sts() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let moto = sb.moto.url().to_owned();
    sb.set_var("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    sb.set_var("AWS_ENDPOINT_URL_STS", &moto);
    let out = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--format",
            "json",
        ],
    )
    .success();
    assert_eq!(
        out.json()["AssumedRoleArn"],
        assumed_arn("cloudbuilder-tester")
    );
}

#[test]
fn the_mfa_code_is_asked_for_on_a_terminal() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    // `script` gives the command a pseudo-terminal and types our input into it.
    let command = format!(
        "'{BIN}' creds assume --role-arn {} --mfa-serial arn:aws:iam::123456789012:mfa/tester --session-name prompted --format json",
        fx.role_arn
    );
    let mut script = sb.command("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = script.spawn().expect("spawn script");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::sleep(std::time::Duration::from_millis(500));
        stdin.write_all(b"123456\n").expect("type the code");
    }
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("MFA code for arn:aws:iam::123456789012:mfa/tester: "),
        "{stdout}"
    );
    assert!(stdout.contains(&assumed_arn("prompted")), "{stdout}");
}
