use std::sync::Arc;

use serde_json::json;
use tableschema::custom::{CustomCheck, CustomError};
use tableschema::{ErrorCode, FieldsMatch, Hint, Lang, Options, Plan, Schema, Value};

use crate::{check, validate};

fn field(descriptor: serde_json::Value) -> tableschema::Field {
    let (schema, _) = Schema::from_json(&json!({ "fields": [descriptor] })).expect("schema");
    schema.fields()[0].clone()
}

// Where frictionless departs from the Table Schema specification, Socle follows the
// specification. Each test says what frictionless 5.21.0 does.

#[test]
fn differs_from_frictionless_default_date_is_strict_iso() {
    // Frictionless reads `default` dates with Python's strptime("%Y-%m-%d"), which accepts
    // `2024-3-5` and `2024-03- 5`; the specification says YYYY-MM-DD.
    let date = field(json!({"name": "d", "type": "date"}));
    assert!(date.cast("2024-3-5").is_err());
    assert!(date.cast("2024-03- 5").is_err());
    assert!(date.cast("2024-03-05").is_ok());
}

#[test]
fn differs_from_frictionless_pattern_is_anchored_as_a_whole() {
    // Frictionless compiles `^{pattern}$`, so `a|b` means `^a` or `b$`; the specification
    // anchors the whole expression.
    let text = field(json!({"name": "s", "constraints": {"pattern": "a|b"}}));
    check(
        r#"{"fields": [{"name": "s", "constraints": {"pattern": "a|b"}}]}"#,
        "s\na\nab\nxb\n",
        &[
            ("constraint-error", Some(3), Some(1)),
            ("constraint-error", Some(4), Some(1)),
        ],
    );
    assert!(text.constraints.pattern.as_ref().unwrap().matches("b"));
}

#[test]
fn differs_from_frictionless_year_and_yearmonth_are_strict() {
    // Frictionless accepts `+202`, ` 202`, `1_00` as years (Python's int) and `2024-1`,
    // ` 2024 - 03 ` as year-months.
    let year = field(json!({"name": "y", "type": "year"}));
    for text in ["+202", " 202", "1_00", "２０２４"] {
        assert!(year.cast(text).is_err(), "{text}");
    }
    let month = field(json!({"name": "m", "type": "yearmonth"}));
    for text in ["2024-1", " 2024 - 03 ", "24-01"] {
        assert!(month.cast(text).is_err(), "{text}");
    }
}

#[test]
fn differs_from_frictionless_datetime_needs_t_separator() {
    // Frictionless (dateutil's isoparse) accepts any one character between date and time,
    // e.g. `2024-03-05 10:00:00` or `2024-03-05x10:00:00`; XML Schema's form needs `T`.
    let datetime = field(json!({"name": "t", "type": "datetime"}));
    assert!(datetime.cast("2024-03-05 10:00:00").is_err());
    assert!(datetime.cast("2024-03-05T10:00:00").is_ok());
}

#[test]
fn differs_from_frictionless_numbers_without_python_extensions() {
    // Python's Decimal and int accept `1_000` and non-ASCII digits (`٣`); the specification's
    // lexical forms do not. Integers beyond 64 bits are refused (a Socle limit).
    let number = field(json!({"name": "n", "type": "number"}));
    assert!(number.cast("1_000").is_err());
    assert!(number.cast("٣").is_err());
    let integer = field(json!({"name": "i", "type": "integer"}));
    assert!(integer.cast("1_0").is_err());
    assert!(integer.cast("9999999999999999999999").is_err());
}

#[test]
fn differs_from_frictionless_repeated_labels_under_name_matching() {
    // Frictionless raises an exception (no report) when labels repeat under name matching;
    // Socle reports `duplicate-label` and reads the first column.
    check(
        r#"{"fieldsMatch": "equal", "fields": [{"name": "a"}, {"name": "b"}]}"#,
        "a,b,a\n1,2,3\n",
        &[("duplicate-label", None, Some(3))],
    );
}

#[test]
fn differs_from_frictionless_format_any_reads_unambiguous_forms_only() {
    // The specification leaves `any` to the implementation. Frictionless hands the text to
    // dateutil, which reads `1` as the first day of the current month and `05/03/2024` as
    // May 3rd; Socle reads ISO forms and `YYYY/MM/DD` only, and refuses the rest.
    let date = field(json!({"name": "d", "type": "date", "format": "any"}));
    assert!(date.cast("2024-03-05").is_ok());
    assert!(date.cast("2024/03/05").is_ok());
    assert!(date.cast("2024-03-05T10:00:00").is_ok());
    assert!(date.cast("1").is_err());
    assert!(date.cast("05/03/2024").is_err());
}

#[test]
fn casts_typed_values() {
    assert_eq!(
        field(json!({"name": "n", "type": "integer"})).cast(" 42 "),
        Ok(Value::Integer(42))
    );
    assert_eq!(
        field(json!({"name": "n", "type": "number", "decimalChar": ","})).cast("12,5"),
        Ok(Value::Number(12.5))
    );
    assert_eq!(
        field(json!({"name": "b", "type": "boolean"})).cast(""),
        Ok(Value::Null)
    );
    match field(json!({"name": "d", "type": "date", "format": "%d/%m/%Y"})).cast("05/03/2024") {
        Ok(Value::Date(date)) => assert_eq!(date.to_string(), "2024-03-05"),
        other => panic!("{other:?}"),
    }
    match field(json!({"name": "l", "type": "list", "itemType": "integer"})).cast("1,2,3") {
        Ok(Value::List(items)) => assert_eq!(
            items,
            vec![Value::Integer(1), Value::Integer(2), Value::Integer(3)]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn exclusive_bounds() {
    check(
        r#"{"fields": [{"name": "i", "type": "integer", "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}}]}"#,
        "i\n0\n1\n9\n10\n",
        &[
            ("constraint-error", Some(2), Some(1)),
            ("constraint-error", Some(5), Some(1)),
        ],
    );
}

#[test]
fn blank_header() {
    let (schema, _) = Schema::from_json(&json!({"fields": [{"name": "a"}]})).unwrap();
    let (_, errors) = Plan::new(&schema, &[], &Options::default());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, ErrorCode::BlankHeader);
}

#[test]
fn fields_match_option_overrides_the_schema() {
    let schema = json!({"fields": [{"name": "a", "type": "integer"}, {"name": "b"}]});
    let options = Options {
        fields_match: Some(FieldsMatch::Equal),
        ..Options::default()
    };
    let report = validate(&schema, "b,a\nx,1\ny,z\n", &options);
    assert_eq!(
        crate::triples(&report),
        vec![("type-error".to_owned(), Some(3), Some(2))]
    );
    let positional = validate(&schema, "b,a\nx,1\n", &Options::default());
    assert_eq!(
        positional
            .errors
            .iter()
            .filter(|error| error.code == ErrorCode::IncorrectLabel)
            .count(),
        2
    );
}

#[test]
fn max_errors_truncates_like_frictionless() {
    let schema = json!({"fields": [{"name": "a", "type": "integer"}]});
    let options = Options {
        max_errors: Some(2),
        ..Options::default()
    };
    let report = validate(&schema, "a\nx\n1\ny\nz\nw\n", &options);
    assert_eq!(report.errors.len(), 2);
    assert_eq!(report.errors[1].row_number, Some(4));
    assert_eq!(report.stats.rows, 3);
    assert_eq!(report.warnings[0].1, "reached error limit: 2");
    assert!(!report.valid);
}

#[test]
fn descriptor_errors_name_the_key() {
    let cases = [
        (json!({}), "fields"),
        (json!({"fields": [{"type": "string"}]}), "fields/0/name"),
        (
            json!({"fields": [{"name": "a", "type": "text"}]}),
            "fields/0/type",
        ),
        (
            json!({"fields": [{"name": "a"}, {"name": "a"}]}),
            "fields/1/name",
        ),
        (
            json!({"fields": [{"name": "a"}], "primaryKey": ["b"]}),
            "primaryKey",
        ),
        (
            json!({"fields": [{"name": "a", "type": "date", "format": "%Q"}]}),
            "fields/0/format",
        ),
    ];
    for (descriptor, path) in cases {
        let error = Schema::from_json(&descriptor).expect_err("unusable");
        assert_eq!(error.path, path, "{descriptor}");
        assert!(!error.message_fr.is_empty() && !error.message_en.is_empty());
    }
}

#[test]
fn messy_descriptors_give_warnings() {
    let descriptor = json!({
        "fields": [
            {"name": "b", "type": "boolean", "example": false, "constraints": {"required": true}},
            {"name": "s", "constraints": {"pattern:": "x", "minimum": 3, "pattern": "(?=x)"}, "weird": 1},
            {"name": "n", "type": "integer", "constraints": {"pattern": "[0-9]+"}}
        ],
        "foreignKeys": [{"fields": "s", "reference": {"resource": "other", "fields": "id"}}],
        "custom_checks": [{"name": "no-such-check", "params": {}}]
    });
    let (schema, warnings) = Schema::from_json(&descriptor).expect("usable");
    let paths: Vec<&str> = warnings
        .iter()
        .map(|warning| warning.path.as_str())
        .collect();
    for expected in [
        "fields/1/constraints/pattern:",
        "fields/1/constraints/minimum",
        "fields/1/constraints/pattern",
        "fields/1/weird",
        "fields/2/constraints/pattern",
        "foreignKeys/0/reference/resource",
        "custom_checks/0",
    ] {
        assert!(paths.contains(&expected), "{expected} not in {paths:?}");
    }
    assert!(schema.fields()[0].constraints.required);
    assert!(schema.foreign_keys.is_empty());
}

fn first_message(schema: serde_json::Value, csv: &str, lang: Lang) -> (String, Option<Hint>) {
    let report = validate(&schema, csv, &Options::default());
    let error = report.errors.first().expect("an error");
    (error.message(lang), error.hint.clone())
}

#[test]
fn hints_suggest_fixes() {
    let (message, hint) = first_message(
        json!({"fields": [{"name": "date", "type": "date"}]}),
        "date\n05/03/2024\n",
        Lang::Fr,
    );
    assert_eq!(
        hint,
        Some(Hint::IsoDate {
            suggestion: "2024-03-05".into()
        })
    );
    assert!(
        message.contains("AAAA-MM-JJ") && message.contains("écrire 2024-03-05"),
        "{message}"
    );

    let (message, hint) = first_message(
        json!({"fields": [{"name": "montant", "type": "number"}]}),
        "montant\n\"12,5\"\n",
        Lang::Fr,
    );
    assert_eq!(
        hint,
        Some(Hint::DecimalPoint {
            suggestion: "12.5".into()
        })
    );
    assert!(
        message.contains("utiliser le point comme séparateur décimal : 12.5"),
        "{message}"
    );

    let siret = json!({"fields": [{"name": "siret", "constraints": {"pattern": "[0-9]{14}"}}]});
    let (_, hint) = first_message(siret, "siret\n123 456 789 00012\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::RemoveSpaces {
            suggestion: "12345678900012".into()
        })
    );

    let (message, hint) = first_message(
        json!({"fields": [{"name": "bio", "type": "boolean"}]}),
        "bio\noui\n",
        Lang::Fr,
    );
    assert_eq!(
        hint,
        Some(Hint::BooleanValues {
            suggestion: "true".into()
        })
    );
    assert!(message.contains("true, True, TRUE, 1, false"), "{message}");

    let trimmed = validate(
        &json!({"fields": [{"name": "n", "type": "integer"}]}),
        "n\n\"42 \"\n",
        &Options::default(),
    );
    assert!(trimmed.valid, "integers are trimmed, so `42 ` is valid");
    let (_, hint) = first_message(
        json!({"fields": [{"name": "c", "constraints": {"enum": ["a"]}}]}),
        "c\n\"a \"\n",
        Lang::Fr,
    );
    assert_eq!(
        hint,
        Some(Hint::Trim {
            suggestion: "a".into()
        })
    );

    let regime = json!({"fields": [{"name": "regime", "constraints": {"enum": ["végétarien", "sans sel"]}}]});
    let (message, hint) = first_message(regime.clone(), "regime\nVegetarien\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::ClosestValue {
            suggestion: "végétarien".into()
        })
    );
    assert!(
        message.contains("« végétarien », « sans sel »") && message.contains("vouliez-vous dire"),
        "{message}"
    );
    let (message, _) = first_message(regime, "regime\nVegetarien\n", Lang::En);
    assert!(
        message.contains("allowed values") && message.contains("did you mean `végétarien`?"),
        "{message}"
    );
}

#[test]
fn hints_for_enumerations_written_as_patterns_and_date_patterns() {
    let nature = json!({"fields": [{"name": "nature", "constraints": {"pattern": "(^Marché$)|(^Marché de partenariat$)|(^Accord-cadre$)"}}]});
    let (message, hint) = first_message(nature, "nature\nmarché de partenariat\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::ClosestValue {
            suggestion: "Marché de partenariat".into()
        })
    );
    assert!(
        message.ends_with("vouliez-vous dire « Marché de partenariat » ?"),
        "{message}"
    );
    let date = json!({"fields": [{"name": "date_maj", "type": "date", "format": "%Y-%m-%d"}]});
    let (message, hint) = first_message(date, "date_maj\n24-06-2019\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::IsoDate {
            suggestion: "2019-06-24".into()
        })
    );
    assert_eq!(
        message,
        "« 24-06-2019 » n'est pas valide pour « date_maj » (attendu : une date au format AAAA-MM-JJ) ; écrire 2019-06-24"
    );
}

#[test]
fn hints_for_units_and_french_times() {
    let amount = json!({"fields": [{"name": "montant", "type": "number"}]});
    let (message, hint) = first_message(amount.clone(), "montant\n12 €\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::RemoveUnit {
            suggestion: "12".into()
        })
    );
    assert!(
        message.ends_with("écrire le nombre seul, sans unité ni symbole : 12"),
        "{message}"
    );
    let (_, hint) = first_message(amount, "montant\n\"1 250,50 €\"\n", Lang::Fr);
    assert_eq!(
        hint,
        Some(Hint::DecimalPoint {
            suggestion: "1250.50".into()
        })
    );
    let (_, hint) = first_message(
        json!({"fields": [{"name": "ouverture", "type": "time"}]}),
        "ouverture\n9h30\n",
        Lang::Fr,
    );
    assert_eq!(
        hint,
        Some(Hint::IsoTime {
            suggestion: "09:30:00".into()
        })
    );
}

#[test]
fn constraint_keys_outside_constraints_are_reported() {
    let (schema, warnings) =
        Schema::from_json(&json!({"fields": [{"name": "a", "enum": ["x"], "required": true}]}))
            .unwrap();
    assert!(schema.fields()[0].constraints.enumeration.is_none());
    assert!(
        warnings
            .iter()
            .any(|warning| warning.path == "fields/0/enum"
                && warning.message_fr.contains("« constraints »"))
    );
    assert!(
        warnings
            .iter()
            .any(|warning| warning.path == "fields/0/required")
    );
}

#[test]
fn report_json_has_the_published_keys() {
    let report = validate(
        &json!({"fields": [{"name": "a", "type": "integer"}]}),
        "a\nx\n",
        &Options::default(),
    );
    let json = report.to_json(Lang::Fr);
    assert_eq!(json["valid"], false);
    assert_eq!(
        json["stats"],
        json!({"rows": 1, "fields": 1, "errors": 1, "warnings": 0})
    );
    let error = &json["errors"][0];
    assert_eq!(error["type"], "type-error");
    assert_eq!(error["rowNumber"], 2);
    assert_eq!(error["fieldNumber"], 1);
    assert_eq!(error["fieldName"], "a");
    assert_eq!(error["cell"], "x");
    assert!(error["message"].as_str().unwrap().contains("nombre entier"));
}

#[test]
fn header_match_score_ignores_case_and_accents() {
    let (schema, _) = Schema::from_json(
        &json!({"fields": [{"name": "nom"}, {"name": "prénom"}, {"name": "date_naissance"}]}),
    )
    .unwrap();
    assert_eq!(
        tableschema::header_match_score(&schema, &["NOM", "Prenom", "date naissance"]),
        1.0
    );
    let partial = tableschema::header_match_score(&schema, &["nom", "autre"]);
    assert!((partial - 0.25).abs() < 1e-9, "{partial}");
    assert_eq!(tableschema::header_match_score(&schema, &["x"]), 0.0);
}

/// A custom check flagging the value `bad` in field 0.
#[derive(Debug)]
struct FlagBad;

impl CustomCheck for FlagBad {
    fn name(&self) -> &'static str {
        "flag-bad"
    }
    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        if cells[0] == Some("bad") {
            out.push(CustomError {
                code: "flag-bad",
                field_index: Some(0),
                cell: "bad".into(),
                message_fr: "mauvais".into(),
                message_en: "bad".into(),
            });
        }
    }
}

#[test]
fn custom_checks_run_after_table_checks() {
    let (mut schema, _) = Schema::from_json(&json!({"fields": [{"name": "a", "constraints": {"unique": true}}, {"name": "b", "type": "integer"}]})).unwrap();
    schema.custom_checks.push(Arc::new(FlagBad));
    let (plan, header_errors) = Plan::new(
        &schema,
        &["b", "a"],
        &Options {
            fields_match: Some(FieldsMatch::Equal),
            ..Options::default()
        },
    );
    let mut part = plan.new_part();
    plan.check_row(&mut part, 2, &["1", "bad"]);
    plan.check_row(&mut part, 3, &["x", "bad"]);
    let report = plan.finish(header_errors, [(0, part)]);
    let codes: Vec<(&str, Option<u64>, Option<usize>)> = report
        .errors
        .iter()
        .map(|error| (error.code.as_str(), error.row_number, error.field_number))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("flag-bad", Some(2), Some(2)),
            ("type-error", Some(3), Some(1)),
            ("unique-error", Some(3), Some(2)),
            ("flag-bad", Some(3), Some(2))
        ]
    );
    assert_eq!(report.errors[0].message(Lang::Fr), "mauvais");
}

#[test]
fn values_buffer_holds_cast_cells() {
    let (schema, _) =
        Schema::from_json(&json!({"fields": [{"name": "a", "type": "integer"}, {"name": "b"}]}))
            .unwrap();
    let (plan, _) = Plan::new(&schema, &["a", "b"], &Options::default());
    let mut part = plan.new_part();
    let mut values = Vec::new();
    plan.check_row_values(&mut part, 2, &["7", "x"], &mut values);
    assert_eq!(values, vec![Value::Integer(7), Value::String("x".into())]);
    plan.check_row_values(&mut part, 3, &["nope"], &mut values);
    assert_eq!(values, vec![Value::Null, Value::Null]);
}

#[test]
fn plan_is_shared_and_parts_move_between_threads() {
    fn assert_sync<T: Sync>() {}
    fn assert_send<T: Send>() {}
    assert_sync::<Plan>();
    assert_send::<tableschema::Part>();
    assert_send::<tableschema::Report>();
    assert_eq!(Options::frictionless().max_errors, Some(1000));
}

#[test]
fn max_errors_reached_by_the_header_alone() {
    // Frictionless 5.21: `rows` is 1, two `incorrect-label`, warning "reached error limit: 2".
    let schema = json!({"fields": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
    let report = validate(
        &schema,
        "x,y,z\n1,2,3\n4,5,6\n",
        &Options {
            max_errors: Some(2),
            ..Options::default()
        },
    );
    assert_eq!(
        crate::triples(&report),
        vec![
            ("incorrect-label".to_owned(), None, Some(1)),
            ("incorrect-label".to_owned(), None, Some(2))
        ]
    );
    assert_eq!(report.stats.rows, 1);
}
