//! `creds clear-cache`: delete every cached credential.

use anyhow::Context;
use std::process::ExitCode;

/// Runs `creds clear-cache`.
pub fn run() -> anyhow::Result<ExitCode> {
    let Some(cache) = super::user_cache() else {
        println!("no credential cache to clear");
        return Ok(ExitCode::SUCCESS);
    };
    let removed = cache.clear().context("cannot clear the credential cache")?;
    println!(
        "removed {removed} cached credential(s) from {}",
        cache.dir().display()
    );
    Ok(ExitCode::SUCCESS)
}
