//! `creds exec`: run a command with a role's temporary credentials.
//!
//! The child's environment carries the credentials and region, and none of the
//! variables that would make AWS tools pick other credentials instead. On Unix
//! the command replaces this process (as aws-vault does), so its exit status
//! and signals are the caller's directly; elsewhere it is waited for.

use crate::cli::ExecArgs;
use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Variables removed from the child's environment: each would select or supply
/// other credentials ahead of, or alongside, the ones handed over.
const CLEARED: [&str; 14] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Set in the child to the assumed role's ARN, so scripts and prompts can tell.
const MARKER: &str = "CLOUDBUILDER_ASSUMED_ROLE";

/// Runs `creds exec`.
pub async fn run(args: ExecArgs) -> anyhow::Result<ExitCode> {
    let assumed = super::assume(&args.role).await?;
    let (program, rest) = args.command.split_first().ok_or_else(|| {
        crate::exit::UsageError::new("COMMAND", "give the command to run after --")
    })?;

    let mut command = Command::new(program);
    command.args(rest);
    for name in CLEARED {
        command.env_remove(name);
    }
    for (name, value) in
        cloudbuilder_creds::environment(&assumed.credentials, assumed.region.as_deref())
    {
        command.env(name, value);
    }
    if let Some(arn) = &assumed.credentials.assumed_role_arn {
        command.env(MARKER, arn);
    }
    tracing::debug!(program = %program.to_string_lossy(), "running command with temporary credentials");
    Ok(run_command(command, program))
}

#[cfg(unix)]
fn run_command(mut command: Command, program: &OsString) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    report_spawn_failure(program, &err)
}

#[cfg(not(unix))]
fn run_command(mut command: Command, program: &OsString) -> ExitCode {
    match command.status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .map_or(1, |c| u8::try_from(c & 0xff).unwrap_or(1)),
        ),
        Err(err) => report_spawn_failure(program, &err),
    }
}

/// Exit 127 when the command is not found and 126 when it cannot be run, as shells and env(1) do.
fn report_spawn_failure(program: &OsString, err: &std::io::Error) -> ExitCode {
    let program = program.to_string_lossy();
    if err.kind() == std::io::ErrorKind::NotFound {
        eprintln!("error: cannot run '{program}': command not found");
        ExitCode::from(127)
    } else {
        eprintln!("error: cannot run '{program}': {err}");
        ExitCode::from(126)
    }
}
