//! Every command and flag is documented in `docs/cli.md`.

use crate::support::{repo_root, socle, stdout};

fn documented() -> String {
    std::fs::read_to_string(repo_root().join("docs/cli.md")).expect("docs/cli.md exists")
}

/// Subcommand names, read from `socle --help` so a new command cannot be forgotten.
fn subcommands() -> Vec<String> {
    let help = stdout(&socle(&["--help"]));
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Long flags of one subcommand, read from its `--help`.
fn flags(command: &str) -> Vec<String> {
    let help = stdout(&socle(&[command, "--help"]));
    help.split_whitespace()
        .filter(|word| word.starts_with("--"))
        .map(|word| word.trim_end_matches([',', '.', ')']).to_owned())
        .filter(|flag| flag != "--help" && flag != "--version")
        .collect()
}

#[test]
fn every_subcommand_has_a_section() {
    let docs = documented();
    let commands = subcommands();
    assert!(
        commands.len() >= 2,
        "commands read from --help: {commands:?}"
    );
    for command in commands {
        assert!(
            docs.contains(&format!("## socle {command}\n")),
            "docs/cli.md has no section for `socle {command}`"
        );
    }
}

#[test]
fn every_flag_is_documented() {
    let docs = documented();
    assert!(flags("validate").contains(&"--schema".to_owned()));
    for command in subcommands() {
        for flag in flags(&command) {
            assert!(
                docs.contains(&format!("`{flag}")),
                "docs/cli.md does not document `socle {command} {flag}`"
            );
        }
    }
}
