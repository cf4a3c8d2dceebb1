//! No secret reaches a log line at trace level, or an error message.

use crate::util::run;
use cloudbuilder_testkit::Sandbox;

/// moto skips the trust check for a role it does not hold, so chaining to one succeeds.
const CHAINED_ROLE: &str = "arn:aws:iam::123456789012:role/Chained";

#[test]
fn trace_logs_and_errors_never_contain_a_secret() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    let first = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--external-id",
            "acme-42",
            "--format",
            "json",
        ],
    )
    .success()
    .json();
    let source_token = first["SessionToken"].as_str().expect("token").to_owned();
    let source_secret = first["SecretAccessKey"]
        .as_str()
        .expect("secret")
        .to_owned();

    // Chain from those role credentials, so that a session token is in play on both sides.
    sb.set_var(
        "AWS_ACCESS_KEY_ID",
        first["AccessKeyId"].as_str().expect("id"),
    );
    sb.set_var("AWS_SECRET_ACCESS_KEY", &source_secret);
    sb.set_var("AWS_SESSION_TOKEN", &source_token);
    sb.set_var("RUST_LOG", "trace");

    let ok = run(
        &sb,
        &[
            "-vvv",
            "creds",
            "assume",
            "--role-arn",
            CHAINED_ROLE,
            "--external-id",
            "acme-42",
            "--no-cache",
            "--format",
            "json",
        ],
    )
    .success();
    let minted = ok.json();
    assert!(
        ok.stderr.lines().count() > 20,
        "trace logging is on:\n{}",
        ok.stderr
    );

    let denied = run(
        &sb,
        &[
            "-vvv",
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--external-id",
            "wrong-id",
            "--no-cache",
        ],
    );
    assert_eq!(denied.code, Some(1));
    let chained = run(
        &sb,
        &[
            "-vvv",
            "creds",
            "assume",
            "--role-arn",
            CHAINED_ROLE,
            "--duration",
            "3h",
        ],
    );
    assert_eq!(chained.code, Some(64));

    let secrets = [
        fx.secret_access_key.as_str(),
        source_secret.as_str(),
        source_token.as_str(),
        minted["SecretAccessKey"].as_str().expect("secret"),
        minted["SessionToken"].as_str().expect("token"),
    ];
    for (name, stderr) in [
        ("success", &ok.stderr),
        ("denied", &denied.stderr),
        ("chained", &chained.stderr),
    ] {
        for secret in secrets {
            assert!(
                !stderr.contains(secret),
                "{name}: a secret appears in the log"
            );
            // Not even a recognisable piece of one.
            assert!(
                !stderr.contains(&secret[..16]),
                "{name}: part of a secret appears in the log"
            );
        }
        assert!(
            !stderr.contains("acme-42"),
            "{name}: the external id appears in the log"
        );
    }
}
