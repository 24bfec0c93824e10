//! Applying the mechanical fixes of `tableschema::fix` to a whole file, streaming: any format
//! `ingest` reads comes in, a UTF-8 CSV (comma-separated) goes out, with the list of changes.
//!
//! The publishing wizard runs it twice: once into [`std::io::sink`] to preview what would
//! change, then for real to produce the corrected file that is published (the original being
//! kept alongside). Memory is constant for CSV: one row at a time, and at most
//! [`FixOptions::keep_changes`] changes kept for display (every change is counted).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use ingest::{Row, SourceInfo};
use tableschema::Schema;
use tableschema::fix::{Change, FixKind, Fixer};

use crate::error::{Error, Result};

/// What to fix and how much to keep.
#[derive(Debug, Clone)]
pub struct FixOptions {
    /// How to read the input (detected when empty).
    pub read: ingest::Options,
    /// The kinds of fixes the publisher accepted.
    pub accepted: Vec<FixKind>,
    /// How many changes to keep in [`FixSummary::changes`] (the rest are only counted).
    pub keep_changes: usize,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions {
            read: ingest::Options::default(),
            accepted: FixKind::ALL.to_vec(),
            keep_changes: 1000,
        }
    }
}

/// What a fixing pass did.
#[derive(Debug, Clone)]
pub struct FixSummary {
    /// What was detected in the input.
    pub source: SourceInfo,
    /// Data rows read (the header apart).
    pub rows: u64,
    /// The first changes, in file order.
    pub changes: Vec<Change>,
    /// Every change, counted by kind.
    pub counts: BTreeMap<FixKind, u64>,
}

impl FixSummary {
    /// How many cells were changed in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Reads `input`, fixes its cells against `schema` and writes the result as CSV to `output`.
pub fn fix_file<R: Read + Send>(
    input: R,
    schema: &Schema,
    options: &FixOptions,
    output: impl Write,
) -> Result<FixSummary> {
    let unreadable = |message: String| Error::Invalid(format!("fichier illisible : {message}"));
    let mut reader =
        ingest::open(input, &options.read).map_err(|error| unreadable(error.message_fr()))?;
    let source = reader.info().clone();
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(output);
    let written =
        |error: csv::Error| Error::Internal(format!("écriture du fichier corrigé : {error}"));
    let mut row = Row::new();
    if !reader
        .next_row(&mut row)
        .map_err(|error| unreadable(error.message_fr()))?
    {
        return Err(Error::Invalid("le fichier est vide".to_owned()));
    }
    let header: Vec<String> = row.cells().map(str::to_owned).collect();
    writer.write_record(&header).map_err(written)?;
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let fixer = Fixer::new(schema, &labels, &options.accepted);
    let mut summary = FixSummary {
        source,
        rows: 0,
        changes: Vec::new(),
        counts: BTreeMap::new(),
    };
    let mut cells: Vec<String> = Vec::new();
    while reader
        .next_row(&mut row)
        .map_err(|error| unreadable(error.message_fr()))?
    {
        summary.rows += 1;
        cells.clear();
        cells.extend(row.cells().map(str::to_owned));
        fixer.fix_row(row.number(), &mut cells, |change| {
            *summary.counts.entry(change.kind).or_default() += 1;
            if summary.changes.len() < options.keep_changes {
                summary.changes.push(change);
            }
        });
        writer.write_record(&cells).map_err(written)?;
    }
    writer
        .flush()
        .map_err(|error| Error::Internal(format!("écriture du fichier corrigé : {error}")))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{ValidateOptions, validate};

    fn subventions() -> Schema {
        let bundled = crate::bundled::find("scdl-subventions").unwrap();
        crate::publish::parse_descriptor(bundled.descriptor)
            .unwrap()
            .0
    }

    #[test]
    fn a_fixed_file_validates_and_every_change_is_listed() {
        let header = "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;rnaBeneficiaire;objet;montant;nature;conditionsVersement;datesPeriodeVersement;idRAE;notificationUE;pourcentageSubvention;dispositifAide";
        let rows = [
            "Ville de Montpellier;213 401 722 01787;05/03/2024;;Association sportive;21340172201787;;Soutien aux clubs;1 500,50;aide en numéraire;unique;2024-04-01;;Non;1;",
            "Ville de Montpellier;21340172201787;2024-03-06;;Association sportive;21340172201787;;Soutien;200;aide en numéraire ;unique;2024-04-01;;oui;1;",
        ];
        let input = format!("{header}\n{}\n", rows.join("\n"));
        let schema = subventions();
        let before = validate(input.as_bytes(), &mut &schema, &ValidateOptions::default()).unwrap();
        assert!(!before.report.valid, "the input has the usual mistakes");

        let mut fixed = Vec::new();
        let summary = fix_file(
            input.as_bytes(),
            &schema,
            &FixOptions::default(),
            &mut fixed,
        )
        .unwrap();
        let after = validate(fixed.as_slice(), &mut &schema, &ValidateOptions::default()).unwrap();
        let fixed_text = String::from_utf8(fixed).unwrap();
        assert!(
            after.report.valid,
            "{fixed_text}\n{:?}",
            after.report.errors
        );
        assert_eq!(summary.rows, 2);
        let listed: Vec<(u64, &str, &str, &str)> = summary
            .changes
            .iter()
            .map(|change| {
                (
                    change.row,
                    change.field.as_str(),
                    change.before.as_str(),
                    change.after.as_str(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                (2, "idAttribuant", "213 401 722 01787", "21340172201787"),
                (2, "dateConvention", "05/03/2024", "2024-03-05"),
                (2, "montant", "1 500,50", "1500.50"),
                (2, "notificationUE", "Non", "non"),
                (3, "nature", "aide en numéraire ", "aide en numéraire"),
            ]
        );
        assert_eq!(summary.total(), summary.changes.len() as u64);
    }

    #[test]
    fn only_accepted_kinds_are_applied_and_output_is_csv() {
        let schema = subventions();
        let input = "dateConvention,montant\n05/03/2024,\"12,5\"\n";
        let options = FixOptions {
            accepted: vec![FixKind::IsoDate],
            ..FixOptions::default()
        };
        let mut fixed = Vec::new();
        let summary = fix_file(input.as_bytes(), &schema, &options, &mut fixed).unwrap();
        assert_eq!(
            String::from_utf8(fixed).unwrap(),
            "dateConvention,montant\n2024-03-05,\"12,5\"\n"
        );
        assert_eq!(summary.counts.get(&FixKind::IsoDate), Some(&1));
        assert_eq!(summary.counts.get(&FixKind::DecimalPoint), None);
        let empty = fix_file(&b""[..], &schema, &options, std::io::sink()).unwrap_err();
        assert!(empty.to_string().contains("vide") || empty.to_string().contains("illisible"));
    }
}
