//! AWS CLI profiles: read as the role's definition, and written by `write-profile`.

use crate::util::{assumed_arn, run};
use cloudbuilder_testkit::Sandbox;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[test]
fn a_role_profile_supplies_role_source_external_id_session_and_duration() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    std::fs::create_dir_all(sb.path(".aws")).expect("mkdir");
    std::fs::write(
        sb.path(".aws/config"),
        format!(
            "[profile scanner]\nrole_arn = {}\nsource_profile = base\nexternal_id = acme-42\nrole_session_name = nightly\nduration_seconds = 7200\nregion = ap-southeast-2\n",
            fx.role_arn
        ),
    )
    .expect("config");
    std::fs::write(
        sb.path(".aws/credentials"),
        format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            fx.access_key_id, fx.secret_access_key
        ),
    )
    .expect("credentials");
    // The source is the profile's, not the environment's.
    sb.remove_var("AWS_ACCESS_KEY_ID");
    sb.remove_var("AWS_SECRET_ACCESS_KEY");
    sb.remove_var("AWS_DEFAULT_REGION");

    let before = OffsetDateTime::now_utc();
    let out = run(
        &sb,
        &[
            "creds",
            "assume",
            "--profile",
            "scanner",
            "--format",
            "json",
        ],
    )
    .success();
    let v = out.json();
    assert_eq!(v["AssumedRoleArn"], assumed_arn("nightly"));
    let expiration = OffsetDateTime::parse(v["Expiration"].as_str().expect("expiration"), &Rfc3339)
        .expect("rfc3339");
    assert!(
        (119..=121).contains(&(expiration - before).whole_minutes()),
        "duration_seconds = 7200 honoured"
    );

    let env = run(&sb, &["creds", "assume", "--profile", "scanner"]).success();
    assert!(
        env.stdout.contains("export AWS_REGION='ap-southeast-2'\n"),
        "profile region:\n{}",
        env.stdout
    );
}

#[test]
fn write_profile_is_used_by_the_aws_cli_and_keeps_everything_else() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(Some("acme-42"));
    std::fs::create_dir_all(sb.path(".aws")).expect("mkdir");
    let before = "# my keys, do not touch\n[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n\n[cb]\nregion = eu-west-1 ; kept\naws_access_key_id = STALE\n\n[later]\naws_access_key_id = AKIALATER\n";
    std::fs::write(sb.path(".aws/credentials"), before).expect("credentials");

    let out = run(
        &sb,
        &[
            "creds",
            "write-profile",
            "--name",
            "cb",
            "--role-arn",
            &fx.role_arn,
            "--external-id",
            "acme-42",
            "--session-name",
            "profiletest",
        ],
    )
    .success();
    assert!(
        out.stdout.starts_with("updated profile 'cb' in "),
        "{}",
        out.stdout
    );

    let after = std::fs::read_to_string(sb.path(".aws/credentials")).expect("read");
    assert!(after.starts_with("# my keys, do not touch\n[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n"));
    assert!(
        after.contains("[cb]\nregion = eu-west-1 ; kept\naws_access_key_id = ASIA"),
        "{after}"
    );
    assert!(
        after.ends_with("[later]\naws_access_key_id = AKIALATER\n"),
        "{after}"
    );
    assert!(!after.contains("STALE"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sb.path(".aws/credentials"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    sb.remove_var("AWS_ACCESS_KEY_ID");
    sb.remove_var("AWS_SECRET_ACCESS_KEY");
    let who = sb
        .aws(&["--profile", "cb", "sts", "get-caller-identity"])
        .success();
    assert_eq!(who.json()["Arn"], assumed_arn("profiletest"));
}
