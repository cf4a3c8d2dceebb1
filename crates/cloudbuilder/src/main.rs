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

/// mimalloc instead of glibc's malloc: a scan allocates and frees from every
/// runtime thread at once (SDK clients, parsed XML pages, rows), and glibc's
/// per-thread arenas grow and shrink with an `mprotect` call at a time — a
/// profile of an organization scan (bench/org-scan/timeline.sh) spent about a
/// fifth of its CPU in `mprotect` and the page faults that follow.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
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
    // Signing requests and parsing answers is CPU work: scans and organization-wide
    // role commands keep every core busy. Credential commands run on one thread:
    // `credential_process` starts on every aws CLI call, and every millisecond counts.
    let mut builder = match cli.command {
        cli::Command::Scan(_) | cli::Command::Role(_) => {
            tokio::runtime::Builder::new_multi_thread()
        }
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = builder.enable_all().build()?;
    runtime.block_on(commands::dispatch(cli.command))
}

/// `cloudbuilder tables | head` closes standard output early: that ends the
/// program quietly, as it does for every Unix tool, instead of a panic message
/// from `println!`. Every other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
