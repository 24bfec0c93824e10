//! Every setting is documented in `docs/configuration.md` and `config.example.toml`, and the
//! example file is exactly the defaults.

use std::path::PathBuf;

use server::Config;

fn repo_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn every_setting_is_documented() {
    let docs = repo_file("docs/configuration.md");
    let example = repo_file("config.example.toml");
    for field in Config::FIELDS {
        assert!(
            docs.contains(&format!("### `{field}`")),
            "docs/configuration.md has no section for `{field}`"
        );
        let env = Config::env_name(field);
        assert!(
            docs.contains(&format!("`{env}`")),
            "docs/configuration.md does not name `{env}`"
        );
        assert!(
            example
                .lines()
                .any(|line| line.starts_with(&format!("{field} = "))),
            "config.example.toml does not set `{field}`"
        );
    }
}

#[test]
fn example_file_holds_the_defaults() {
    let example =
        Config::from_toml(&repo_file("config.example.toml")).expect("config.example.toml parses");
    assert_eq!(example, Config::default());
}
