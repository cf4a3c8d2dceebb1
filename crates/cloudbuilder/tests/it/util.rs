//! Helpers shared by the tests: running the built binary inside a sandbox.

use cloudbuilder_testkit::{ACCOUNT, Output, Sandbox};
use std::process::Command;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cloudbuilder");

/// A `cloudbuilder` command in the sandbox's environment.
pub fn cloudbuilder(sandbox: &Sandbox, args: &[&str]) -> Command {
    let mut command = sandbox.command(BIN);
    command.args(args);
    command
}

/// Runs `cloudbuilder args…` in the sandbox.
pub fn run(sandbox: &Sandbox, args: &[&str]) -> Output {
    sandbox.run(&mut cloudbuilder(sandbox, args))
}

/// The assumed-role ARN STS reports for the CloudBuilder role and `session`.
pub fn assumed_arn(session: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/CloudBuilder/{session}")
}

/// Asserts a failure printed exactly one line to stderr and exited with `code`.
#[track_caller]
pub fn assert_one_line_failure(out: &Output, code: i32, needles: &[&str]) {
    assert_eq!(
        out.code,
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line expected on stderr:\n{}",
        out.stderr
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            out.stderr
        );
    }
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout on failure:\n{}",
        out.stdout
    );
}
