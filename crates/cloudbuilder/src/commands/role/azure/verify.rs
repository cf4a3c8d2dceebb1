//! `role verify --cloud azure`: reads the role definition and assignment back
//! and reports drift from the plan (exit 1 on drift or when missing).

use super::{arm, print, spec};
use crate::cli::RoleVerifyArgs;
use anyhow::Context;
use cloudbuilder_azure::role::provision;
use std::process::ExitCode;

/// Runs `role verify --cloud azure`.
pub async fn run(args: RoleVerifyArgs) -> anyhow::Result<ExitCode> {
    let spec = spec(&args.target, &args.azure, true)?;
    let arm = arm(&args.azure)?;
    let readback = provision::verify(&arm, &spec)
        .await
        .with_context(|| format!("cannot read the Cloud Builder role at {}", spec.scope))?;
    print(&args.target.format, &spec, &readback.steps);
    Ok(if readback.drifted() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
