//! `creds azure exec -- CMD`: runs a command with the token in
//! `AZURE_ACCESS_TOKEN` and its expiry in `AZURE_ACCESS_TOKEN_EXPIRES_ON`.
//! The client secret that minted it is removed from the child's
//! environment: the child gets the short-lived token, not the long-lived key.

use super::print::{EXPIRY_VAR, TOKEN_VAR};
use crate::cli::CredsAzureExecArgs;
use crate::exit::UsageError;
use cloudbuilder_azure::Token;
use std::process::{Command, ExitCode};
use time::format_description::well_known::Rfc3339;

/// Long-lived secrets the child does not get.
const CLEARED: [&str; 3] = [
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_CLIENT_CERTIFICATE_PATH",
];

/// Runs `creds azure exec`.
pub fn run(args: CredsAzureExecArgs, token: &Token) -> anyhow::Result<ExitCode> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| UsageError::new("COMMAND", "give the command to run after --"))?;
    let mut command = Command::new(program);
    command.args(rest);
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env(TOKEN_VAR, token.secret());
    command.env(EXPIRY_VAR, token.expires_on.format(&Rfc3339)?);
    tracing::debug!(program = %program.to_string_lossy(), "running command with an Azure token");
    match command.status() {
        Ok(status) => Ok(ExitCode::from(
            status
                .code()
                .map_or(1, |c| u8::try_from(c & 0xff).unwrap_or(1)),
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "error: cannot run '{}': command not found",
                program.to_string_lossy()
            );
            Ok(ExitCode::from(127))
        }
        Err(err) => {
            eprintln!("error: cannot run '{}': {err}", program.to_string_lossy());
            Ok(ExitCode::from(126))
        }
    }
}
