//! `creds assume`: print a role's temporary credentials in the chosen format.

use crate::cli::AssumeArgs;
use std::io::Write;
use std::process::ExitCode;

/// Runs `creds assume`.
pub async fn run(args: AssumeArgs) -> anyhow::Result<ExitCode> {
    let assumed = super::assume(&args.role).await?;
    let text =
        cloudbuilder_creds::render(args.format, &assumed.credentials, assumed.region.as_deref());
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
