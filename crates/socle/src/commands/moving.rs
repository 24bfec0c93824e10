//! `socle export` / `socle import`: a whole instance moved between databases through a dump
//! directory (`catalogue::moving`). Progress goes to stderr, the summary to stdout.

use std::path::Path;

use catalogue::Actor;
use catalogue::moving::Moved;

use super::Outcome;
use super::admin::open;

pub fn export(data: &Path, out: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    let moved = catalogue.export_instance(&Actor::Operator, out, &mut progress)?;
    println!(
        "Instance exportée dans « {} » : {}.",
        out.display(),
        summary(&moved)
    );
    Ok(Outcome::Success)
}

pub fn import(data: &Path, dump: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    let moved = catalogue.import_instance(&Actor::Operator, dump, &mut progress)?;
    println!(
        "Instance importée depuis « {} » : {}, {} tables de versions rechargées.",
        dump.display(),
        summary(&moved),
        moved.rebuilt
    );
    Ok(Outcome::Success)
}

fn progress(step: &str) {
    eprintln!("  {step}");
}

fn summary(moved: &Moved) -> String {
    let rows = |table: &str| {
        moved
            .tables
            .iter()
            .find(|(name, _)| name == table)
            .map_or(0, |(_, rows)| *rows)
    };
    format!(
        "{} organisations, {} comptes, {} jeux de données, {} versions, {} fichiers d'origine",
        rows("organisation"),
        rows("user_account"),
        rows("dataset"),
        rows("version"),
        moved.blobs
    )
}
