//! `role destroy --cloud azure`: removes the assignee's assignment of the
//! role at the scope, then the role definition.

use super::{arm, print, spec};
use crate::cli::RoleDestroyArgs;
use anyhow::Context;
use cloudbuilder_azure::role::provision;
use std::process::ExitCode;

/// Runs `role destroy --cloud azure`.
pub async fn run(args: RoleDestroyArgs) -> anyhow::Result<ExitCode> {
    let spec = spec(&args.target, &args.azure, false)?;
    let arm = arm(&args.azure)?;
    let steps = provision::destroy(&arm, &spec)
        .await
        .with_context(|| format!("cannot remove the Cloud Builder role at {}", spec.scope))?;
    print(&args.target.format, &spec, &steps);
    Ok(ExitCode::SUCCESS)
}
