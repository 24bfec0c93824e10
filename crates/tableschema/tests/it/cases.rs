use serde_json::Value;

use crate::{triples, validate};

#[test]
fn socle_agrees_with_frictionless_on_every_case() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cases.json");
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("cases.json")).expect("JSON");
    let mut failures = Vec::new();
    for case in data["cases"].as_array().expect("cases") {
        let report = validate(
            &case["schema"],
            case["csv"].as_str().expect("csv"),
            &tableschema::Options::default(),
        );
        let expected: Vec<(String, Option<u64>, Option<usize>)> = case["expected"]
            .as_array()
            .expect("expected")
            .iter()
            .map(|item| {
                (
                    item[0].as_str().expect("type").to_owned(),
                    item[1].as_u64(),
                    item[2].as_u64().map(|number| number as usize),
                )
            })
            .collect();
        let found = triples(&report);
        if found != expected || Some(report.stats.rows) != case["expected_rows"].as_u64() {
            failures.push(format!(
                "{}:\n  expected {expected:?} ({} rows)\n  found    {found:?} ({} rows)",
                case["name"], case["expected_rows"], report.stats.rows
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
