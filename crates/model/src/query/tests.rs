//! Grammar tests: every construct, precedence, errors with positions, and property tests
//! (never panics; format → parse is the identity on trees).

use super::*;
use proptest::prelude::*;

fn f(name: &str) -> Field {
    Field::new(name)
}

fn cmp(field: &str, op: CompareOp, value: Literal) -> Expr {
    Expr::Compare(Comparison {
        field: f(field),
        op,
        value,
    })
}

fn eq(field: &str, value: Literal) -> Expr {
    cmp(field, CompareOp::Eq, value)
}

fn int(i: i64) -> Literal {
    Literal::Integer(i)
}

fn text(s: &str) -> Literal {
    Literal::Text(s.into())
}

fn parse(input: &str) -> Expr {
    match parse_where(input) {
        Ok(e) => e,
        Err(e) => panic!("{input:?}: {}", e.message_en()),
    }
}

fn error(input: &str) -> ParseError {
    match parse_where(input) {
        Ok(e) => panic!("{input:?} parsed as {e:?}"),
        Err(e) => e,
    }
}

#[test]
fn comparisons_with_every_operator() {
    for (text_op, op) in [
        ("=", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<>", CompareOp::Ne),
        ("<", CompareOp::Lt),
        ("<=", CompareOp::Le),
        (">", CompareOp::Gt),
        (">=", CompareOp::Ge),
    ] {
        assert_eq!(parse(&format!("a {text_op} 1")), cmp("a", op, int(1)));
        assert_eq!(parse(&format!("a{text_op}1")), cmp("a", op, int(1)));
    }
}

#[test]
fn literals() {
    assert_eq!(parse(r#"a = "x""#), eq("a", text("x")));
    assert_eq!(parse("a = 'x'"), eq("a", text("x")));
    assert_eq!(parse("a = -12"), eq("a", int(-12)));
    assert_eq!(parse("a = 1.5"), eq("a", Literal::Decimal(1.5)));
    assert_eq!(parse("a = -2.5e3"), eq("a", Literal::Decimal(-2500.0)));
    assert_eq!(parse("a = 1E2"), eq("a", Literal::Decimal(100.0)));
    assert_eq!(parse("a = TRUE"), eq("a", Literal::Bool(true)));
    assert_eq!(parse("a = false"), eq("a", Literal::Bool(false)));
    assert_eq!(parse("a = Null"), eq("a", Literal::Null));
    assert_eq!(
        parse("a >= date'2024-03-05'"),
        cmp("a", CompareOp::Ge, Literal::Date("2024-03-05".into()))
    );
    assert_eq!(
        parse("a < DATE'2024-03-05T10:00:00'"),
        cmp(
            "a",
            CompareOp::Lt,
            Literal::DateTime("2024-03-05T10:00:00".into())
        )
    );
    assert_eq!(
        parse(r#"a = date"2024-03-05t10:00""#),
        eq("a", Literal::DateTime("2024-03-05T10:00:00".into()))
    );
    assert_eq!(parse("a = -9223372036854775808"), eq("a", int(i64::MIN)));
}

#[test]
fn string_escapes() {
    assert_eq!(
        parse(r#"a = "l'\"école\"\\\n\t\u00e9""#),
        eq("a", text("l'\"école\"\\\n\té"))
    );
    assert_eq!(parse(r"a = 'l\'eau'"), eq("a", text("l'eau")));
    // Unknown escapes keep their backslash, for LIKE patterns.
    assert_eq!(parse(r#"a = "50\%""#), eq("a", text(r"50\%")));
}

#[test]
fn field_names() {
    assert_eq!(parse("libellé_2 = 1"), eq("libellé_2", int(1)));
    assert_eq!(parse("_x = 1"), eq("_x", int(1)));
    assert_eq!(
        parse("`nom avec espace` = 1"),
        eq("nom avec espace", int(1))
    );
    assert_eq!(parse("`a``b` = 1"), eq("a`b", int(1)));
    assert_eq!(parse("`and` = 1"), eq("and", int(1)));
    assert_eq!(parse("`2024` = 1"), eq("2024", int(1)));
    // Common field names that are function names or `date` stay usable bare.
    assert_eq!(
        parse("date = date'2024-01-01'"),
        eq("date", Literal::Date("2024-01-01".into()))
    );
    assert_eq!(parse("search = 1"), eq("search", int(1)));
}

#[test]
fn in_like_null_search_startswith() {
    assert_eq!(
        parse("code IN (1, 'a', null)"),
        Expr::In {
            field: f("code"),
            values: vec![int(1), text("a"), Literal::Null],
            negated: false
        }
    );
    assert_eq!(
        parse("code not in (1)"),
        Expr::In {
            field: f("code"),
            values: vec![int(1)],
            negated: true
        }
    );
    assert_eq!(
        parse("nom LIKE 'Saint-%'"),
        Expr::Like {
            field: f("nom"),
            pattern: "Saint-%".into(),
            negated: false
        }
    );
    assert_eq!(
        parse("nom NOT like \"*ville\""),
        Expr::Like {
            field: f("nom"),
            pattern: "*ville".into(),
            negated: true
        }
    );
    assert_eq!(
        parse("x is null"),
        Expr::IsNull {
            field: f("x"),
            negated: false
        }
    );
    assert_eq!(
        parse("x IS NOT NULL"),
        Expr::IsNull {
            field: f("x"),
            negated: true
        }
    );
    assert_eq!(
        parse("search(\"école\")"),
        Expr::Search {
            field: None,
            text: "école".into()
        }
    );
    assert_eq!(
        parse("SEARCH(nom, 'école')"),
        Expr::Search {
            field: Some(f("nom")),
            text: "école".into()
        }
    );
    assert_eq!(
        parse("\"paris\""),
        Expr::Search {
            field: None,
            text: "paris".into()
        }
    );
    assert_eq!(
        parse("startswith(`code postal`, \"31\")"),
        Expr::StartsWith {
            field: f("code postal"),
            prefix: "31".into()
        }
    );
}

#[test]
fn precedence_not_and_or() {
    let a = || eq("a", int(1));
    let b = || eq("b", int(2));
    let c = || eq("c", int(3));
    assert_eq!(
        parse("a = 1 OR b = 2 AND c = 3"),
        Expr::Or(vec![a(), Expr::And(vec![b(), c()])])
    );
    assert_eq!(
        parse("a = 1 and b = 2 or c = 3"),
        Expr::Or(vec![Expr::And(vec![a(), b()]), c()])
    );
    assert_eq!(
        parse("NOT a = 1 AND b = 2"),
        Expr::And(vec![Expr::Not(Box::new(a())), b()])
    );
    assert_eq!(
        parse("not (a = 1 or b = 2)"),
        Expr::Not(Box::new(Expr::Or(vec![a(), b()])))
    );
    assert_eq!(
        parse("(a = 1 OR b = 2) AND c = 3"),
        Expr::And(vec![Expr::Or(vec![a(), b()]), c()])
    );
    assert_eq!(
        parse("a = 1 AND b = 2 AND c = 3"),
        Expr::And(vec![a(), b(), c()])
    );
    assert_eq!(
        parse("(a = 1 AND b = 2) AND c = 3"),
        Expr::And(vec![Expr::And(vec![a(), b()]), c()])
    );
    assert_eq!(parse("((a = 1))"), a());
    assert_eq!(
        parse("NOT NOT a = 1"),
        Expr::Not(Box::new(Expr::Not(Box::new(a()))))
    );
}

#[test]
fn error_positions_and_expectations() {
    let e = error("commune = ");
    assert_eq!(e.position, 10);
    assert_eq!(e.expected(), &[Expected::Value]);
    assert_eq!(e.found(), Some(&Found::EndOfInput));
    assert_eq!(
        e.message_fr(),
        "position 10 : on attendait une valeur après « = », mais on a trouvé la fin de l'expression"
    );
    assert_eq!(
        e.message_en(),
        "position 10: expected a value after '=', found end of input"
    );

    let e = error("commune frites");
    assert_eq!(e.position, 8);
    assert_eq!(e.expected(), &[Expected::Operator]);
    assert_eq!(e.found(), Some(&Found::Token("frites".into())));

    let e = error("a = 1 b = 2");
    assert_eq!(e.position, 6);
    assert!(e.expected().contains(&Expected::Token("AND")));

    let e = error("(a = 1");
    assert_eq!(e.position, 6);
    assert!(e.expected().contains(&Expected::Token(")")));

    let e = error("a = 1 AND");
    assert_eq!((e.position, e.expected()), (9, &[Expected::Condition][..]));

    // Positions count characters, not bytes.
    let e = error("libellé = = 1");
    assert_eq!(e.position, 10);

    let e = error("a NOT = 1");
    assert_eq!(e.position, 6);
    assert_eq!(
        e.expected(),
        &[Expected::Token("IN"), Expected::Token("LIKE")]
    );

    let e = error("a IS 1");
    assert_eq!(e.position, 5);

    let e = error("a IN ()");
    assert_eq!((e.position, e.expected()), (6, &[Expected::Value][..]));

    let e = error("a LIKE 3");
    assert_eq!((e.position, e.expected()), (7, &[Expected::Text][..]));

    let e = error("and = 1");
    assert_eq!(e.position, 0);
    assert_eq!(e.expected(), &[Expected::Condition]);
}

#[test]
fn lexical_errors() {
    assert_eq!(error("a = \"abc").kind, ParseErrorKind::UnterminatedString);
    assert_eq!(error("a = \"abc").position, 4);
    assert_eq!(error("`abc = 1").kind, ParseErrorKind::UnterminatedName);
    assert_eq!(error("`` = 1").kind, ParseErrorKind::EmptyName);
    let e = error(r#"a = "\u00zz""#);
    assert_eq!(e.position, 5);
    assert!(matches!(e.kind, ParseErrorKind::InvalidEscape { .. }));
    let e = error(r#"a = "\ud800""#);
    assert!(matches!(e.kind, ParseErrorKind::InvalidEscape { .. }));
    let e = error("a = 99999999999999999999");
    assert!(matches!(e.kind, ParseErrorKind::NumberOutOfRange { .. }));
    let e = error("a = 1e999");
    assert!(matches!(e.kind, ParseErrorKind::NumberOutOfRange { .. }));
    let e = error("a = date'2023-02-29'");
    assert_eq!(e.position, 8);
    assert!(matches!(e.kind, ParseErrorKind::InvalidDate { .. }));
    let e = error("a = 1 ; DROP TABLE x");
    assert_eq!(e.position, 6);
    assert!(e.message_fr().contains("caractère inattendu « ; »"));
    let e = error("frobnicate(a, 'x')");
    assert!(matches!(e.kind, ParseErrorKind::UnknownFunction { .. }));
    assert!(e.message_fr().contains("search, startswith"));
}

#[test]
fn limits_refuse_pathological_input() {
    let deep = format!("{}a = 1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(error(&deep).kind, ParseErrorKind::TooLong { .. }));
    let deep = format!("{}a = 1{}", "(".repeat(5_000), ")".repeat(5_000));
    assert_eq!(
        error(&deep).kind,
        ParseErrorKind::TooDeep { max: MAX_DEPTH }
    );
    let nots = "NOT ".repeat(4_000) + "a = 1";
    assert_eq!(
        error(&nots).kind,
        ParseErrorKind::TooDeep { max: MAX_DEPTH }
    );
    let ok = format!("{}a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(parse(&ok), eq("a", int(1)));
    // Long flat chains are not nesting: accepted up to the length limit.
    let chain = vec!["a = 1"; 1_000].join(" OR ");
    assert!(matches!(parse(&chain), Expr::Or(v) if v.len() == 1_000));
}

#[test]
fn select_group_by_order_by() {
    assert_eq!(
        parse_select("*, nom, count(*) AS n, COUNT(x), sum(`montant €`) as total, avg(a), min(b), max(c) As `le max`").unwrap(),
        vec![
            SelectItem { expr: SelectExpr::All, alias: None },
            SelectItem { expr: SelectExpr::Field(f("nom")), alias: None },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::CountAll), alias: Some(f("n")) },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::Count(f("x"))), alias: None },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::Sum(f("montant €"))), alias: Some(f("total")) },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::Avg(f("a"))), alias: None },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::Min(f("b"))), alias: None },
            SelectItem { expr: SelectExpr::Aggregate(Aggregate::Max(f("c"))), alias: Some(f("le max")) },
        ]
    );
    assert_eq!(
        parse_group_by("commune, `année`").unwrap(),
        vec![f("commune"), f("année")]
    );
    assert_eq!(
        parse_order_by("date desc, nom, count(*) DESC, n asc").unwrap(),
        vec![
            OrderKey {
                expr: OrderExpr::Name(f("date")),
                direction: Direction::Desc
            },
            OrderKey {
                expr: OrderExpr::Name(f("nom")),
                direction: Direction::Asc
            },
            OrderKey {
                expr: OrderExpr::Aggregate(Aggregate::CountAll),
                direction: Direction::Desc
            },
            OrderKey {
                expr: OrderExpr::Name(f("n")),
                direction: Direction::Asc
            },
        ]
    );
    let e = parse_select("sum(*)").unwrap_err();
    assert_eq!((e.position, e.expected()), (4, &[Expected::Field][..]));
    let e = parse_select("median(x)").unwrap_err();
    assert!(e.message_fr().contains("count, sum, avg, min, max"));
    let e = parse_order_by("a sideways").unwrap_err();
    assert_eq!(e.position, 2);
    let e = parse_group_by("a,").unwrap_err();
    assert_eq!((e.position, e.found()), (2, Some(&Found::EndOfInput)));
    assert!(parse_select("").is_err());
}

#[test]
fn canonical_text() {
    let cases = [
        ("a<>1", "a != 1"),
        ("a = 1 or (b = 2 and c = 3)", "a = 1 OR b = 2 AND c = 3"),
        ("(a = 1 or b = 2) and c = 3", "(a = 1 OR b = 2) AND c = 3"),
        ("not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)"),
        ("`x y` in (1,'a' , null)", "`x y` IN (1, \"a\", null)"),
        ("`and` like 'a\\\\%'", "`and` LIKE \"a\\\\%\""),
        ("'paris'", "search(\"paris\")"),
        (
            "d >= date'2024-01-02t03:04'",
            "d >= date'2024-01-02T03:04:00'",
        ),
        ("a = 1.0", "a = 1.0"),
    ];
    for (input, canonical) in cases {
        let expr = parse(input);
        assert_eq!(expr.to_string(), canonical, "{input}");
        assert_eq!(parse(canonical), expr);
    }
    let select = parse_select("count(*) as n, `a b`").unwrap();
    assert_eq!(format_select(&select), "count(*) AS n, `a b`");
    let order = parse_order_by("n desc, x asc").unwrap();
    assert_eq!(format_order_by(&order), "n DESC, x");
    assert_eq!(format_group_by(&[f("a"), f("desc")]), "a, `desc`");
}

// ----- properties -----

fn arb_name() -> impl Strategy<Value = Field> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,6}",
        Just("date".to_string()),
        Just("search".to_string()),
        prop::sample::select(
            super::parser::RESERVED
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        ),
        "[éèàçœA-Z][a-zéè0-9 ]{0,5}",
        ".{1,6}",
    ]
    .prop_map(Field::new)
}

fn arb_date() -> impl Strategy<Value = String> {
    (1000u32..3000, 1u32..=12, 1u32..=31)
        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{:02}", d.min(days_in_month(y, m))))
}

fn arb_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Integer),
        (proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL)
            .prop_map(Literal::Decimal),
        ".*".prop_map(Literal::Text),
        arb_date().prop_map(Literal::Date),
        (
            arb_date(),
            0u32..24,
            0u32..60,
            prop_oneof![
                Just(String::new()),
                Just("Z".to_string()),
                Just(".5+02:00".to_string())
            ]
        )
            .prop_map(|(d, h, m, tail)| Literal::DateTime(format!("{d}T{h:02}:{m:02}:07{tail}"))),
    ]
}

fn arb_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ])
}

fn arb_leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (arb_name(), arb_op(), arb_literal())
            .prop_map(|(field, op, value)| Expr::Compare(Comparison { field, op, value })),
        (
            arb_name(),
            prop::collection::vec(arb_literal(), 1..4),
            any::<bool>()
        )
            .prop_map(|(field, values, negated)| Expr::In {
                field,
                values,
                negated
            }),
        (arb_name(), ".*", any::<bool>()).prop_map(|(field, pattern, negated)| Expr::Like {
            field,
            pattern,
            negated
        }),
        (arb_name(), any::<bool>()).prop_map(|(field, negated)| Expr::IsNull { field, negated }),
        (prop::option::of(arb_name()), ".*").prop_map(|(field, text)| Expr::Search { field, text }),
        (arb_name(), ".*").prop_map(|(field, prefix)| Expr::StartsWith { field, prefix }),
    ]
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    arb_leaf().prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

fn arb_aggregate() -> impl Strategy<Value = Aggregate> {
    prop_oneof![
        Just(Aggregate::CountAll),
        arb_name().prop_map(Aggregate::Count),
        arb_name().prop_map(Aggregate::Sum),
        arb_name().prop_map(Aggregate::Avg),
        arb_name().prop_map(Aggregate::Min),
        arb_name().prop_map(Aggregate::Max),
    ]
}

proptest! {
    #[test]
    fn parsers_never_panic(input in ".{0,80}") {
        let _ = parse_where(&input);
        let _ = parse_select(&input);
        let _ = parse_group_by(&input);
        let _ = parse_order_by(&input);
    }

    #[test]
    fn parsers_never_panic_on_query_like_text(
        input in r#"([a-z]{1,3}|[ ()=<>!,*`'"\\]|AND|OR|NOT|IN|LIKE|IS|NULL|date'|[0-9.e+-]{1,4}| ){0,30}"#
    ) {
        if let Ok(expr) = parse_where(&input) {
            prop_assert_eq!(parse_where(&expr.to_string()), Ok(expr));
        }
        let _ = parse_select(&input);
        let _ = parse_order_by(&input);
    }

    #[test]
    fn where_format_then_parse_is_identity(expr in arb_expr()) {
        let text = expr.to_string();
        prop_assert_eq!(parse_where(&text), Ok(expr), "text: {}", text);
    }

    #[test]
    fn select_format_then_parse_is_identity(
        items in prop::collection::vec(
            (prop_oneof![
                Just(SelectExpr::All),
                arb_name().prop_map(SelectExpr::Field),
                arb_aggregate().prop_map(SelectExpr::Aggregate),
            ], prop::option::of(arb_name()))
                .prop_map(|(expr, alias)| SelectItem { expr, alias }),
            1..4,
        )
    ) {
        let text = format_select(&items);
        prop_assert_eq!(parse_select(&text), Ok(items), "text: {}", text);
    }

    #[test]
    fn order_by_and_group_by_format_then_parse_is_identity(
        keys in prop::collection::vec(
            (prop_oneof![
                arb_name().prop_map(OrderExpr::Name),
                arb_aggregate().prop_map(OrderExpr::Aggregate),
            ], any::<bool>())
                .prop_map(|(expr, desc)| OrderKey {
                    expr,
                    direction: if desc { Direction::Desc } else { Direction::Asc },
                }),
            1..4,
        ),
        fields in prop::collection::vec(arb_name(), 1..4),
    ) {
        let text = format_order_by(&keys);
        prop_assert_eq!(parse_order_by(&text), Ok(keys), "text: {}", text);
        let text = format_group_by(&fields);
        prop_assert_eq!(parse_group_by(&text), Ok(fields), "text: {}", text);
    }
}
