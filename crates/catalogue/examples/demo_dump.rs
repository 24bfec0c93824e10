//! Writes every demo file to a folder, with a `manifest.tsv` (file, schema, expected_valid,
//! organisation, rows), so that reference validators can check them outside Socle.
//!
//! ```text
//! cargo run -p catalogue --example demo_dump -- /tmp/socle-demo [SEED] [--large]
//! ```
//!
//! Checked with validata-table 0.12.5 (frictionless + the SCDL custom checks), whose `validata`
//! command is broken in that release, so through its Python API, in a venv outside the repo:
//!
//! ```text
//! python3 -m venv /work/venv-peers-demo && /work/venv-peers-demo/bin/pip install validata-table frictionless
//! /work/venv-peers-demo/bin/python - /tmp/socle-demo /work/shared/schemas <<'PY'
//! import csv, os, sys
//! from validata_core import validate
//! dump, schemas = sys.argv[1], sys.argv[2]
//! for row in csv.DictReader(open(os.path.join(dump, "manifest.tsv")), delimiter="\t"):
//!     report = validate(os.path.join(dump, row["file"]),
//!                       os.path.join(schemas, row["schema"], "schema.json"))
//!     expected = row["expected_valid"] == "true"
//!     print("OK " if report.valid == expected else "BAD", row["file"], report.valid)
//! PY
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use catalogue::demo::{self, DemoSize};

fn main() -> ExitCode {
    let mut folder = None;
    let mut seed = 2026;
    let mut size = DemoSize::Small;
    for argument in std::env::args().skip(1) {
        if argument == "--large" {
            size = DemoSize::Large;
        } else if let Ok(number) = argument.parse::<u64>() {
            seed = number;
        } else {
            folder = Some(PathBuf::from(argument));
        }
    }
    let Some(folder) = folder else {
        eprintln!("usage : demo_dump DOSSIER [GRAINE] [--large]");
        return ExitCode::FAILURE;
    };
    match dump(&folder, seed, size) {
        Ok(count) => {
            println!("{count} fichiers écrits dans {}", folder.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("échec de l'écriture dans {} : {error}", folder.display());
            ExitCode::FAILURE
        }
    }
}

fn dump(folder: &std::path::Path, seed: u64, size: DemoSize) -> std::io::Result<usize> {
    std::fs::create_dir_all(folder)?;
    let mut manifest = String::from("file\tschema\texpected_valid\torganisation\trows\n");
    let mut count = 0;
    for org in demo::organisations() {
        for dataset in demo::datasets_sized(&org, seed, size) {
            let file = format!("{}--{}", org.slug, dataset.file_name);
            std::fs::write(folder.join(&file), &dataset.csv)?;
            let rows = dataset.csv.iter().filter(|&&byte| byte == b'\n').count() - 1;
            manifest.push_str(&format!(
                "{file}\t{}\t{}\t{}\t{rows}\n",
                dataset.schema, dataset.expected_valid, org.slug
            ));
            count += 1;
        }
    }
    std::fs::write(folder.join("manifest.tsv"), manifest)?;
    Ok(count)
}
