//! `socle demo`: a data directory with real Occitanie organisations and generated SCDL data,
//! published through the catalogue service exactly as users' files are
//! (`catalogue::demo::load`).

use std::path::Path;

use catalogue::Outcome as Published;

use super::Outcome;
use super::admin::open;

pub fn run(data: &Path) -> anyhow::Result<Outcome> {
    let catalogue = open(data)?;
    if !catalogue.store().list_organisations()?.is_empty() {
        // Running the quick start twice must not fail, nor mix the demo into real data.
        println!(
            "« {} » contient déjà des données : rien n'a été ajouté.",
            data.display()
        );
        return Ok(Outcome::Success);
    }
    let loaded = catalogue::demo::load(&catalogue)?;
    let mut published = 0;
    for file in &loaded {
        let mark = match file.outcome {
            Published::Published { conformant: true } => "✔",
            Published::Published { conformant: false } => "⚠ non conforme",
            _ => "✘",
        };
        published += usize::from(matches!(file.outcome, Published::Published { .. }));
        println!("  {mark} {} — {}", file.organisation, file.title);
    }
    let store = catalogue.store();
    // The demo data directory is served at once: its indexes are built before the command ends.
    catalogue.run_waiting_jobs(store::JOB_LEASE, &mut |_, _| {})?;
    println!(
        "Référentiels importés. Démo prête dans « {} » : {} organisations, {published} fichiers publiés.",
        data.display(),
        store.list_organisations()?.len(),
    );
    Ok(Outcome::Success)
}
