//! Exit codes, decided in one place: 0 success, 1 error, 2 partial result,
//! 64 usage error (bad flag, malformed input, unknown profile).

use std::process::ExitCode;

/// Usage error (BSD `EX_USAGE`).
pub const USAGE: u8 = 64;
/// Any other failure.
pub const FAILURE: u8 = 1;

/// A usage error raised by the binary itself (the libraries have their own).
#[derive(Debug, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct UsageError {
    /// The flag at fault.
    pub field: String,
    /// What was wrong and what is allowed.
    pub problem: String,
}

impl UsageError {
    /// A usage error about `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        UsageError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The exit code for an error: 64 when any cause in its chain is a usage error.
pub fn code_for(err: &anyhow::Error) -> ExitCode {
    let usage = err.chain().any(|cause| {
        cause.is::<UsageError>()
            || cause
                .downcast_ref::<cloudbuilder_aws::Error>()
                .is_some_and(cloudbuilder_aws::Error::is_usage)
            || cause
                .downcast_ref::<cloudbuilder_creds::Error>()
                .is_some_and(cloudbuilder_creds::Error::is_usage)
            || cause
                .downcast_ref::<cloudbuilder_gcp::Error>()
                .is_some_and(cloudbuilder_gcp::Error::is_usage)
            || cause
                .downcast_ref::<cloudbuilder_azure::Error>()
                .is_some_and(cloudbuilder_azure::Error::is_usage)
    });
    ExitCode::from(if usage { USAGE } else { FAILURE })
}

/// Prints a command-line parsing error as one line (help and version print in full).
pub fn clap_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::from(
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                USAGE
            } else {
                0
            },
        );
    }
    let rendered = err.render().to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or("error: invalid arguments")
        .trim_end();
    eprintln!("{first} (see --help)");
    ExitCode::from(USAGE)
}
