//! `cloudbuilder`: see a whole cloud estate through a least-privilege,
//! read-only identity and short-lived credentials.
//!
//! `main` stays thin: parse, set up logging, dispatch, and turn the outcome
//! into an exit code in one place (`exit.rs`).

mod cli;
mod commands;
mod exit;
mod logging;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return exit::clap_error(&err),
    };
    logging::init(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            exit::code_for(&err)
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(commands::dispatch(cli.command))
}
