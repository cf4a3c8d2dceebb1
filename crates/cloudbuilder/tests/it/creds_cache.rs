//! The credential cache: served while fresh, shared safely between processes.

use crate::util::{cloudbuilder, run};
use cloudbuilder_testkit::Sandbox;

fn key_id(out: &cloudbuilder_testkit::Output) -> String {
    out.json()["AccessKeyId"]
        .as_str()
        .expect("AccessKeyId")
        .to_owned()
}

#[test]
fn a_cached_entry_is_served_without_calling_sts_and_no_cache_bypasses_it() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let args = [
        "creds",
        "assume",
        "--role-arn",
        fx.role_arn.as_str(),
        "--format",
        "credential-process",
    ];
    let first = key_id(&run(&sb, &args).success());

    // With the emulator gone, only the cache can answer.
    sb.moto.stop();
    assert_eq!(key_id(&run(&sb, &args).success()), first);

    let mut no_cache = args.to_vec();
    no_cache.push("--no-cache");
    let out = run(&sb, &no_cache);
    assert_eq!(
        out.code,
        Some(1),
        "--no-cache must call STS, which is gone:\n{}",
        out.stderr
    );

    // A different session name is a different entry.
    let out = run(
        &sb,
        &[
            "creds",
            "assume",
            "--role-arn",
            &fx.role_arn,
            "--session-name",
            "other",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, Some(1));
}

#[test]
fn clear_cache_forgets_entries_and_files_are_private() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let args = [
        "creds",
        "assume",
        "--role-arn",
        fx.role_arn.as_str(),
        "--format",
        "json",
    ];
    let first = key_id(&run(&sb, &args).success());

    let dir = sb.path(".cache/cloudbuilder/aws-sts");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(
            entries
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "json"))
        );
        for entry in entries {
            assert_eq!(mode(&entry), 0o600, "{}", entry.display());
        }
    }

    let out = run(&sb, &["creds", "clear-cache"]).success();
    assert!(
        out.stdout
            .starts_with("removed 1 cached credential(s) from "),
        "{}",
        out.stdout
    );
    assert_ne!(
        key_id(&run(&sb, &args).success()),
        first,
        "after clear-cache STS is asked again"
    );
}

#[test]
fn concurrent_processes_get_one_session_and_an_intact_cache() {
    let mut sb = Sandbox::new();
    let fx = sb.scanner(None);
    let children: Vec<_> = (0..6)
        .map(|_| {
            cloudbuilder(
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
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let mut ids = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        ids.push(v["AccessKeyId"].as_str().expect("id").to_owned());
    }
    ids.dedup();
    assert_eq!(
        ids.len(),
        1,
        "all six processes share the one session STS issued: {ids:?}"
    );
}
