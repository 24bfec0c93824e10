//! `socle validate`: verdicts, exit statuses, report formats, and bad input.

use std::io::Write;

use crate::support::{socle, stdout};

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_report(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let output = socle(&all);
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("not JSON ({error}): {}{}", stdout(&output), stderr(&output))
    });
    (output.status.code().unwrap_or(-1), report)
}

fn scratch_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn a_valid_file_exits_0_and_an_invalid_one_exits_1() {
    let valid = socle(&[
        "validate",
        &data("exemple_marche_public.csv"),
        "--schema",
        "scdl-marches-publics",
    ]);
    assert_eq!(valid.status.code(), Some(0), "{}", stdout(&valid));
    assert!(stdout(&valid).contains("Fichier valide"));
    let invalid = socle(&[
        "validate",
        &data("exemple_marche_public_avec_erreurs.csv"),
        "--schema",
        "scdl-marches-publics",
    ]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stdout(&invalid).contains("Fichier non valide"));
}

#[test]
fn the_pattern_typo_of_marches_publics_is_a_warning_not_a_failure() {
    let (status, report) = json_report(&[
        "validate",
        &data("exemple_marche_public.csv"),
        "--schema",
        "scdl-marches-publics",
    ]);
    assert_eq!(status, 0);
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("pattern:")),
        "{warnings:?}"
    );
}

#[test]
fn the_json_report_has_the_documented_shape() {
    let (status, report) = json_report(&[
        "validate",
        &data("exemple_marche_public_avec_erreurs.csv"),
        "--schema",
        "scdl-marches-publics",
    ]);
    assert_eq!(status, 1);
    assert_eq!(report["valid"], false);
    assert_eq!(report["schema"]["name"], "scdl-marches-publics");
    assert_eq!(report["schema"]["version"], "1.0");
    assert_eq!(report["source"]["encoding"], "UTF-8");
    assert_eq!(report["source"]["delimiter"], ",");
    assert_eq!(report["source"]["format"], "csv");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(
        report["stats"]["errors"].as_u64().unwrap() as usize,
        errors.len()
    );
    for error in errors {
        for key in [
            "type",
            "rowNumber",
            "fieldNumber",
            "fieldName",
            "cell",
            "message",
        ] {
            assert!(error.get(key).is_some(), "{key} missing in {error}");
        }
    }
}

#[test]
fn the_covoiturage_valid_example_is_in_fact_invalid() {
    let (status, report) = json_report(&[
        "validate",
        &data("lieux-covoiturage-exemple-valide.csv"),
        "--schema",
        "lieux-covoiturage",
    ]);
    assert_eq!(status, 1);
    let types: Vec<_> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["opening-hours-value"]);
}

#[test]
fn english_on_request() {
    let output = socle(&[
        "validate",
        &data("exemple_marche_public_avec_erreurs.csv"),
        "--schema",
        "scdl-marches-publics",
        "--lang",
        "en",
    ]);
    assert!(
        stdout(&output).contains("Invalid file"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn max_errors_limits_the_report() {
    let (_, report) = json_report(&[
        "validate",
        &data("exemple_marche_public_avec_erreurs.csv"),
        "--schema",
        "scdl-marches-publics",
        "--max-errors",
        "2",
    ]);
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn auto_picks_the_schema_from_the_header() {
    let (_, report) = json_report(&[
        "validate",
        &data("lieux-covoiturage-exemple-valide.csv"),
        "--schema",
        "auto",
    ]);
    assert_eq!(report["schema"]["name"], "lieux-covoiturage");
    assert!(
        report["schema"]["detection"]
            .as_str()
            .unwrap()
            .contains('%')
    );
}

#[test]
fn the_same_report_with_one_thread_or_several() {
    let file = data("exemple_marche_public_avec_erreurs.csv");
    let (_, one) = json_report(&[
        "validate",
        &file,
        "--schema",
        "scdl-marches-publics",
        "--threads",
        "1",
    ]);
    let (_, four) = json_report(&[
        "validate",
        &file,
        "--schema",
        "scdl-marches-publics",
        "--threads",
        "4",
    ]);
    assert_eq!(one, four);
}

/// Bad input never panics: it exits 2 with a French message.
fn assert_cannot_validate(args: &[&str], expected_words: &str) {
    let output = socle(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let message = stderr(&output);
    assert!(message.contains(expected_words), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn an_unknown_schema_name_is_explained() {
    assert_cannot_validate(
        &[
            "validate",
            &data("exemple_marche_public.csv"),
            "--schema",
            "scdl-subvention",
        ],
        "scdl-subventions",
    );
}

#[test]
fn a_missing_file_is_explained() {
    assert_cannot_validate(
        &[
            "validate",
            "/nonexistent/file.csv",
            "--schema",
            "scdl-subventions",
        ],
        "introuvable",
    );
}

#[test]
fn an_empty_file_is_explained() {
    let (_dir, path) = scratch_file("vide.csv", b"");
    assert_cannot_validate(&["validate", &path, "--schema", "scdl-subventions"], "vide");
}

#[test]
fn a_binary_file_is_explained() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend([0u8; 64]);
    let (_dir, path) = scratch_file("image.csv", &png);
    let output = socle(&["validate", &path, "--schema", "scdl-subventions"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_truncated_gzip_is_explained() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for row in 0..20_000 {
        writeln!(encoder, "a,b\n{row},x").unwrap();
    }
    let complete = encoder.finish().unwrap();
    let (_dir, path) = scratch_file("coupe.csv.gz", &complete[..complete.len() / 2]);
    assert_cannot_validate(&["validate", &path, "--schema", "scdl-subventions"], "gzip");
}

#[test]
fn an_unusable_schema_file_names_the_key() {
    let (_dir, path) = scratch_file(
        "schema.json",
        br#"{"fields": [{"name": "a", "type": "nimportequoi"}]}"#,
    );
    let (_data_dir, csv) = scratch_file("a.csv", b"a\n1\n");
    assert_cannot_validate(&["validate", &csv, "--schema", &path], "fields/0");
}

#[test]
fn a_reader_that_goes_away_stops_the_output_quietly() {
    // `socle schemas | head -1`: the pipe is closed before socle writes its first line.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_socle"))
        .arg("schemas")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
