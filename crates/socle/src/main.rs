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
    exit_quietly_on_closed_stdout();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(failure) => {
            eprintln!("socle : {failure}");
            ExitCode::from(2)
        }
    }
}

/// `socle dataset list | head` must stop quietly when the reader goes away, as Unix tools do.
/// Rust ignores SIGPIPE and `println!` then panics on the broken pipe; `unsafe` (to restore the
/// signal) is forbidden in this workspace, so the panic hook turns that one panic into a silent
/// exit and hands every other panic to the default hook.
fn exit_quietly_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}
