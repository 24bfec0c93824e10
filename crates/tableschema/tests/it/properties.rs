use proptest::prelude::*;
use serde_json::json;
use tableschema::{Options, Plan, Schema};

fn schema() -> Schema {
    let descriptor = json!({
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"unique": true}},
            {"name": "code", "constraints": {"unique": true, "required": true, "pattern": "[a-c]"}},
            {"name": "parent", "type": "integer"},
            {"name": "n", "type": "number", "constraints": {"minimum": 0, "unique": true}}
        ],
        "primaryKey": ["code", "parent"],
        "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]
    });
    Schema::from_json(&descriptor).expect("schema").0
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-5]",
        "[a-d]",
        "-?[0-9]\\.[0-9]",
        Just("x".to_owned()),
        Just("NaN".to_owned())
    ]
}

fn row() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(cell(), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunked_validation_equals_serial(rows in prop::collection::vec(row(), 0..40), cuts in prop::collection::vec(0usize..40, 0..5), max_errors in prop::option::of(1usize..30)) {
        let schema = schema();
        let options = Options { max_errors, ..Options::default() };
        let header = ["id", "code", "parent", "n"];
        let (plan, header_errors) = Plan::new(&schema, &header, &options);
        let mut serial = plan.new_part();
        for (index, row) in rows.iter().enumerate() {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            plan.check_row(&mut serial, index as u64 + 2, &cells);
        }
        let expected = plan.finish(header_errors.clone(), [(0, serial)]);

        let mut bounds: Vec<usize> = cuts.into_iter().filter(|cut| *cut < rows.len()).collect();
        bounds.push(0);
        bounds.push(rows.len());
        bounds.sort_unstable();
        bounds.dedup();
        let mut parts = Vec::new();
        for window in bounds.windows(2) {
            let mut part = plan.new_part();
            for (local, row) in rows[window[0]..window[1]].iter().enumerate() {
                let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                // Chunk-local row numbers, shifted back by `finish`.
                plan.check_row(&mut part, local as u64 + 1, &cells);
            }
            parts.push((window[0] as u64 + 1, part));
        }
        let chunked = plan.finish(header_errors, parts);
        prop_assert_eq!(chunked, expected);
    }

    #[test]
    fn cast_never_panics(text in any::<String>(), pick in 0usize..24) {
        let descriptors = [
            json!({"type": "string"}), json!({"type": "string", "format": "email"}), json!({"type": "string", "format": "uri"}),
            json!({"type": "string", "format": "uuid"}), json!({"type": "string", "format": "binary"}), json!({"type": "number"}),
            json!({"type": "number", "decimalChar": ",", "groupChar": " ", "bareNumber": false}), json!({"type": "integer", "bareNumber": false}),
            json!({"type": "integer"}), json!({"type": "boolean"}), json!({"type": "date"}), json!({"type": "date", "format": "%d/%m/%Y"}),
            json!({"type": "date", "format": "any"}), json!({"type": "time"}), json!({"type": "datetime"}), json!({"type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}),
            json!({"type": "year"}), json!({"type": "yearmonth"}), json!({"type": "duration"}), json!({"type": "geopoint"}),
            json!({"type": "geopoint", "format": "object"}), json!({"type": "geojson"}), json!({"type": "array", "arrayItem": {"type": "integer"}}),
            json!({"type": "list", "itemType": "date", "delimiter": ";"}),
        ];
        let mut descriptor = descriptors[pick].clone();
        descriptor["name"] = json!("f");
        let (schema, _) = Schema::from_json(&json!({"fields": [descriptor]})).expect("schema");
        let _ = schema.fields()[0].cast(&text);
        let (plan, header_errors) = Plan::new(&schema, &["f"], &Options::default());
        let mut part = plan.new_part();
        plan.check_row(&mut part, 2, &[text.as_str()]);
        for error in plan.finish(header_errors, [(0, part)]).errors {
            let _ = error.message(tableschema::Lang::Fr);
        }
    }
}
