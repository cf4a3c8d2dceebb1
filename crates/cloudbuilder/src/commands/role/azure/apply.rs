//! `role apply --cloud azure`: PUTs the role definition and its assignment
//! under deterministic GUIDs (a second apply reports them unchanged).

use super::{arm, print, spec};
use crate::cli::RoleApplyArgs;
use anyhow::Context;
use cloudbuilder_azure::role::provision::{self, Backoff};
use std::process::ExitCode;

/// Runs `role apply --cloud azure`.
pub async fn run(args: RoleApplyArgs) -> anyhow::Result<ExitCode> {
    let spec = spec(&args.target, &args.azure, true)?;
    let arm = arm(&args.azure)?;
    let steps = provision::apply(&arm, &spec, Backoff::default())
        .await
        .with_context(|| format!("cannot apply the Cloud Builder role at {}", spec.scope))?;
    print(&args.target.format, &spec, &steps);
    Ok(ExitCode::SUCCESS)
}
