//! `socle schemas`: the bundled schemas, their versions and provenance.

use catalogue::bundled::SCHEMAS;

use super::Outcome;
use crate::cli::{ReportFormat, SchemasArgs};

pub fn run(args: &SchemasArgs) -> anyhow::Result<Outcome> {
    match args.format {
        ReportFormat::Human => print_table(),
        ReportFormat::Json => print_json()?,
    }
    Ok(Outcome::Success)
}

fn print_table() {
    let width = SCHEMAS
        .iter()
        .map(|schema| schema.name.len())
        .max()
        .unwrap_or(0);
    for schema in SCHEMAS {
        println!(
            "{:width$}  {:8}  {}",
            schema.name, schema.version, schema.title
        );
    }
    println!(
        "\n{} schémas embarqués. Provenance : `socle schemas --format json`.",
        SCHEMAS.len()
    );
}

fn print_json() -> anyhow::Result<()> {
    let list: Vec<_> = SCHEMAS
        .iter()
        .map(|schema| {
            serde_json::json!({
                "name": schema.name,
                "version": schema.version,
                "title": schema.title,
                "provenance": schema.provenance,
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&list)?);
    Ok(())
}
