//! The `socle` binary: a thin shim over the library crates.
//!
//! `main` parses the command line, runs the command and turns its outcome into an exit status:
//! 0 success (or a valid file), 1 an invalid file, 2 could not run (bad usage, unreadable input,
//! unusable schema). Errors reach the user in French; `--lang en` switches to English.

mod cli;
mod commands;
mod report;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: see the root `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(failure) => {
            eprintln!("socle : {failure}");
            ExitCode::from(2)
        }
    }
}
