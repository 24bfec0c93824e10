use std::path::PathBuf;

/// CI has /work/shared beside the clone: `<clone>/../shared`.
fn shared_schemas() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/schemas")
}

#[test]
fn every_shared_schema_loads() {
    let mut loaded = 0;
    for entry in std::fs::read_dir(shared_schemas()).expect("shared schemas directory") {
        let path = entry.expect("entry").path().join("schema.json");
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let (schema, warnings) = tableschema::Schema::from_json(&json)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert!(!schema.fields().is_empty(), "{}", path.display());
        // No pattern of a real schema may be dropped: Rust's regex must read them all.
        let dropped_patterns: Vec<_> = warnings
            .iter()
            .filter(|warning| warning.path.ends_with("/pattern"))
            .collect();
        assert!(
            dropped_patterns.is_empty(),
            "{}: {dropped_patterns:?}",
            path.display()
        );
        loaded += 1;
    }
    assert!(loaded >= 15, "only {loaded} schemas found");
}

#[test]
fn typo_key_is_a_warning_with_a_suggestion() {
    let path = shared_schemas().join("scdl-marches-publics/schema.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    let (_, warnings) = tableschema::Schema::from_json(&json).expect("loads");
    let typo = warnings
        .iter()
        .find(|warning| warning.path.ends_with("constraints/pattern:"))
        .expect("typo warning");
    assert!(
        typo.message_fr.contains("vouliez-vous dire « pattern »"),
        "{}",
        typo.message_fr
    );
}
