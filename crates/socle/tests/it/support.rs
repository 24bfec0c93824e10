//! Running the compiled binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A `socle` command ready to run.
pub fn socle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socle"))
        .args(args)
        .output()
        .expect("the socle binary runs")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard output of a command that must have succeeded (both outputs in the panic if not).
pub fn success_stdout(args: &[&str], output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}{}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(output)
}

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
