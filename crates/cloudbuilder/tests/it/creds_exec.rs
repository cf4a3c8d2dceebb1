//! `creds exec`: the command runs as the role, with nothing that overrides it.

use crate::util::{assumed_arn, run};
use cloudbuilder_testkit::Sandbox;

#[test]
fn exec_runs_the_aws_cli_as_the_role() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    let out = run(
        &sb,
        &[
            "creds",
            "exec",
            "--role-arn",
            &fx.role_arn,
            "--external-id",
            "acme-42",
            "--session-name",
            "exectest",
            "--",
            "aws",
            "sts",
            "get-caller-identity",
        ],
    )
    .success();
    assert_eq!(out.json()["Arn"], assumed_arn("exectest"));
}

#[test]
fn exec_clears_variables_that_would_override_the_credentials() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    sb.set_var("AWS_PROFILE", "someone-else");
    sb.set_var("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token");
    let out = run(
        &sb,
        &[
            "creds", "exec", "--role-arn", &fx.role_arn, "--region", "eu-central-1", "--",
            "sh", "-c", "echo ${AWS_PROFILE-unset} ${AWS_WEB_IDENTITY_TOKEN_FILE-unset} $AWS_REGION $AWS_DEFAULT_REGION $CLOUDBUILDER_ASSUMED_ROLE; test \"$AWS_ACCESS_KEY_ID\" != \"$0\"",
            &fx.access_key_id,
        ],
    )
    .success();
    assert_eq!(
        out.stdout.trim(),
        format!(
            "unset unset eu-central-1 eu-central-1 {}",
            assumed_arn("cloudbuilder-tester")
        )
    );
}

#[test]
fn exec_exits_with_the_commands_status() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let out = run(
        &sb,
        &[
            "creds",
            "exec",
            "--role-arn",
            &fx.role_arn,
            "--",
            "sh",
            "-c",
            "exit 7",
        ],
    );
    assert_eq!(out.code, Some(7));
    let out = run(
        &sb,
        &[
            "creds",
            "exec",
            "--role-arn",
            &fx.role_arn,
            "--",
            "no-such-command-here",
        ],
    );
    assert_eq!(out.code, Some(127));
    assert!(
        out.stderr.contains("no-such-command-here"),
        "{}",
        out.stderr
    );
}
