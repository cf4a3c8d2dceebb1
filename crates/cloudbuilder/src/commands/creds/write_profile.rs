//! `creds write-profile`: store a role's temporary credentials as a profile in
//! the shared credentials file, for tools that only read profiles.

use crate::cli::WriteProfileArgs;
use anyhow::Context;
use cloudbuilder_creds::{SharedCredentialsFile, WriteOutcome};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;

/// Runs `creds write-profile`.
pub async fn run(args: WriteProfileArgs) -> anyhow::Result<ExitCode> {
    SharedCredentialsFile::validate_name(&args.name)?;
    let file = SharedCredentialsFile::locate(|k| std::env::var(k).ok(), home_dir())?;
    let assumed = super::assume(&args.role).await?;
    let outcome = file
        .write_profile(&args.name, &assumed.credentials)
        .with_context(|| format!("cannot write profile '{}'", args.name))?;
    let verb = match outcome {
        WriteOutcome::Created => "created",
        WriteOutcome::Updated => "updated",
    };
    let expires = assumed
        .credentials
        .expiration
        .format(&Rfc3339)
        .unwrap_or_default();
    println!(
        "{verb} profile '{}' in {} (expires {expires})",
        args.name,
        file.path().display()
    );
    Ok(ExitCode::SUCCESS)
}

fn home_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(Into::into)
}
