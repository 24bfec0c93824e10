//! Validating a file against a schema: `ingest` reads it, `tableschema` checks it.
//!
//! CSV (plain or gzip) is cut into record-aligned blocks that several threads parse and
//! check at once; the per-block findings are merged in file order, so the report is the one a
//! serial run gives. Spreadsheets are read row by row on one thread. Memory stays bounded by
//! the blocks in flight (about `2 × threads + 2` blocks of 1 MiB, [`ingest::DEFAULT_BLOCK_SIZE`])
//! plus the findings themselves.
//!
//! Rows that cannot be decoded in the file's encoding become `encoding-error`s of their own
//! row; the other rows are still checked.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use ingest::{
    Block, BlockReader, Dialect, Format, IngestError, ReadError, Row, SourceInfo, reuse_cells,
};
use serde_json::json;
use tableschema::{
    DescriptorWarning, Details, ErrorCode, Lang, Part, Plan, Report, ReportError, Schema,
};

/// How to read and check a file.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// Encoding, delimiter, sheet and file-name hint (detected when absent).
    pub read: ingest::Options,
    /// Error limit and header matching.
    pub check: tableschema::Options,
    /// Threads that parse and check CSV blocks; 0 or 1 checks on the calling thread.
    pub threads: usize,
}

/// The outcome of a validation that could run.
#[derive(Debug)]
pub struct Validation {
    /// What was detected (format, encoding, delimiter, sheet).
    pub source: SourceInfo,
    /// The file's labels (first row).
    pub header: Vec<String>,
    /// Every finding.
    pub report: Report,
}

/// Why a file could not be validated at all (as opposed to being invalid).
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// The file cannot be opened as a table (empty, binary, unsupported...).
    #[error(transparent)]
    Open(#[from] IngestError),
    /// The file breaks off (truncated gzip, read failure, unclosed quote at the end).
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl ValidationError {
    /// The message for a person, in French.
    pub fn message_fr(&self) -> String {
        match self {
            ValidationError::Open(error) => error.message_fr(),
            ValidationError::Read(error) => error.message_fr(),
        }
    }
}

/// Picks the schema once the header is known (for `--schema auto`), then validates.
pub trait SchemaChooser {
    fn choose(&mut self, header: &[&str]) -> &Schema;
}

impl SchemaChooser for &Schema {
    fn choose(&mut self, _header: &[&str]) -> &Schema {
        self
    }
}

/// Validates `input` against the schema `chooser` picks from the header.
pub fn validate<R: Read + Send>(
    input: R,
    chooser: &mut dyn SchemaChooser,
    options: &ValidateOptions,
) -> Result<Validation, ValidationError> {
    let input = PeekFormat::new(input)?;
    if input.is_spreadsheet() {
        validate_rows(input, chooser, options)
    } else {
        validate_blocks(input, chooser, options)
    }
}

/// Reads rows one at a time: the path for workbooks, whose cells come out of calamine.
fn validate_rows<R: Read + Send>(
    input: R,
    chooser: &mut dyn SchemaChooser,
    options: &ValidateOptions,
) -> Result<Validation, ValidationError> {
    let mut reader = ingest::open(input, &options.read)?;
    let source = reader.info().clone();
    let mut row = Row::new();
    let header = match reader.next_row(&mut row)? {
        true => row.cells().map(str::to_owned).collect::<Vec<_>>(),
        false => Vec::new(),
    };
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let schema = chooser.choose(&labels);
    let (plan, header_errors) = Plan::new(schema, &labels, &options.check);
    let mut part = plan.new_part();
    let mut cells: Vec<&str> = Vec::new();
    while reader.next_row(&mut row)? {
        let mut row_cells = reuse_cells(cells);
        row_cells.extend(row.cells());
        plan.check_row(&mut part, row.number(), &row_cells);
        cells = reuse_cells(row_cells);
    }
    let report = plan.finish(header_errors, [(0, part)]);
    Ok(Validation {
        source,
        header,
        report,
    })
}

/// What one block gave: its findings and the rows it could not decode.
struct BlockFindings {
    index: u64,
    offset: u64,
    part: Part,
    encoding_errors: Vec<ReadError>,
}

/// Cuts a CSV into blocks and checks them on `options.threads` threads.
fn validate_blocks<R: Read + Send>(
    input: R,
    chooser: &mut dyn SchemaChooser,
    options: &ValidateOptions,
) -> Result<Validation, ValidationError> {
    let mut blocks = BlockReader::open(input, &options.read)?;
    let source = blocks.info().clone();
    let dialect = blocks.dialect();
    let Some(first) = blocks.next_block()? else {
        return Err(ValidationError::Open(IngestError::Empty));
    };
    let (header, first_findings, plan, header_errors) =
        check_first_block(&dialect, &first, chooser, &options.check);
    blocks.recycle(first.bytes);
    let mut findings = if options.threads <= 1 {
        check_serially(&plan, &dialect, &mut blocks)?
    } else {
        check_in_parallel(&plan, &dialect, &mut blocks, options.threads)?
    };
    findings.push(first_findings);
    findings.sort_by_key(|found| found.index);
    let mut encoding_errors = Vec::new();
    let parts = findings.into_iter().map(|found| {
        encoding_errors.extend(found.encoding_errors);
        (found.offset, found.part)
    });
    let mut report = plan.finish(header_errors, parts);
    add_encoding_errors(&mut report, encoding_errors, &header);
    Ok(Validation {
        source,
        header,
        report,
    })
}

/// Reads the header from the first block, plans the checks, and checks the block's other rows
/// (on the calling thread: the plan must exist before any worker starts).
fn check_first_block(
    dialect: &Dialect,
    block: &Block,
    chooser: &mut dyn SchemaChooser,
    check: &tableschema::Options,
) -> (Vec<String>, BlockFindings, Plan, Vec<ReportError>) {
    let mut header: Vec<String> = Vec::new();
    let mut planned: Option<(Plan, Vec<ReportError>)> = None;
    let mut part = None;
    let mut encoding_errors = Vec::new();
    ingest::parse_block_cells(dialect, &block.bytes, |number, cells| {
        let cells = match cells {
            Ok(cells) => cells,
            Err(error) => return encoding_errors.push(error),
        };
        if let (Some((plan, _)), Some(part)) = (&planned, part.as_mut()) {
            plan.check_row(part, number, cells);
            return;
        }
        header = cells.iter().map(|cell| (*cell).to_owned()).collect();
        let labels: Vec<&str> = header.iter().map(String::as_str).collect();
        let (plan, header_errors) = Plan::new(chooser.choose(&labels), &labels, check);
        part = Some(plan.new_part());
        planned = Some((plan, header_errors));
    });
    let (plan, header_errors) = planned.unwrap_or_else(|| {
        // The first row itself could not be decoded: check against an empty header.
        let (plan, header_errors) = Plan::new(chooser.choose(&[]), &[], check);
        (plan, header_errors)
    });
    let part = part.unwrap_or_else(|| plan.new_part());
    let findings = BlockFindings {
        index: block.index,
        offset: block.first_row - 1,
        part,
        encoding_errors,
    };
    (header, findings, plan, header_errors)
}

fn check_serially(
    plan: &Plan,
    dialect: &Dialect,
    blocks: &mut BlockReader<'_>,
) -> Result<Vec<BlockFindings>, ReadError> {
    let mut findings = Vec::new();
    while let Some(block) = blocks.next_block()? {
        findings.push(check_block(plan, dialect, &block));
        blocks.recycle(block.bytes);
    }
    Ok(findings)
}

fn check_in_parallel(
    plan: &Plan,
    dialect: &Dialect,
    blocks: &mut BlockReader<'_>,
    threads: usize,
) -> Result<Vec<BlockFindings>, ReadError> {
    // One block queued per worker keeps every core busy while the reader fills the next, and
    // bounds memory to about (2 × threads + 2) blocks whatever the file's size.
    let (to_workers, from_reader) = sync_channel::<Block>(threads);
    let from_reader = Arc::new(Mutex::new(from_reader));
    let (to_collector, findings) = std::sync::mpsc::channel();
    // Checked blocks' buffers go back to the reader, which reuses them for the next blocks.
    let (to_recycle, recycled) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let from_reader = Arc::clone(&from_reader);
            let to_collector = to_collector.clone();
            let to_recycle = to_recycle.clone();
            scope.spawn(move || {
                check_blocks_from(plan, dialect, &from_reader, &to_collector, &to_recycle)
            });
        }
        drop(to_collector);
        drop(to_recycle);
        let fed = feed_blocks(blocks, &to_workers, &recycled);
        drop(to_workers);
        fed
    })?;
    Ok(findings.into_iter().collect())
}

/// Sends every block to the workers; returns the reading error that ended the file, if any.
fn feed_blocks(
    blocks: &mut BlockReader<'_>,
    to_workers: &SyncSender<Block>,
    recycled: &Receiver<Vec<u8>>,
) -> Result<(), ReadError> {
    loop {
        while let Ok(bytes) = recycled.try_recv() {
            blocks.recycle(bytes);
        }
        let Some(block) = blocks.next_block()? else {
            break;
        };
        if to_workers.send(block).is_err() {
            break;
        }
    }
    Ok(())
}

fn check_blocks_from(
    plan: &Plan,
    dialect: &Dialect,
    from_reader: &Mutex<Receiver<Block>>,
    to_collector: &std::sync::mpsc::Sender<BlockFindings>,
    to_recycle: &std::sync::mpsc::Sender<Vec<u8>>,
) {
    loop {
        // The lock is held only while taking the next block, not while checking it.
        let next = from_reader.lock().map(|receiver| receiver.recv());
        let Ok(Ok(block)) = next else { return };
        let findings = check_block(plan, dialect, &block);
        // The reader may be done already: then the buffer is simply dropped.
        let _ = to_recycle.send(block.bytes);
        if to_collector.send(findings).is_err() {
            return;
        }
    }
}

/// Parses and checks one block; row numbers in the findings are block-local.
fn check_block(plan: &Plan, dialect: &Dialect, block: &Block) -> BlockFindings {
    let mut part = plan.new_part();
    let mut encoding_errors = Vec::new();
    let offset = block.first_row - 1;
    ingest::parse_block_cells(dialect, &block.bytes, |number, cells| match cells {
        Ok(cells) => plan.check_row(&mut part, number, cells),
        Err(mut error) => {
            error.offset_row(offset);
            encoding_errors.push(error);
        }
    });
    BlockFindings {
        index: block.index,
        offset,
        part,
        encoding_errors,
    }
}

/// Rows that could not be decoded: each becomes an `encoding-error` in row order.
pub(crate) fn add_encoding_errors(report: &mut Report, errors: Vec<ReadError>, header: &[String]) {
    if errors.is_empty() {
        return;
    }
    for error in errors {
        let (row, column) = match &error {
            ReadError::Encoding { row, column, .. } => (Some(*row), Some(*column)),
            other => (other.row(), None),
        };
        report.errors.push(ReportError {
            code: ErrorCode::Custom("encoding-error"),
            row_number: row,
            field_number: column,
            field_name: column.and_then(|column| header.get(column - 1).cloned()),
            cell: None,
            details: Details::Custom {
                message_fr: error.message_fr(),
                message_en: error.to_string(),
            },
            hint: None,
        });
    }
    report
        .errors
        .sort_by_key(|error| (error.row_number.is_some(), error.row_number));
    report.valid = false;
    report.stats.errors = report.errors.len();
}

/// Looks at the first bytes to tell a workbook (ZIP) from text, without losing them.
struct PeekFormat<R> {
    prefix: std::io::Cursor<Vec<u8>>,
    rest: R,
}

impl<R: Read> PeekFormat<R> {
    fn new(mut rest: R) -> std::io::Result<Self> {
        let mut prefix = vec![0; 4];
        let mut filled = 0;
        while filled < prefix.len() {
            match rest.read(&mut prefix[filled..])? {
                0 => break,
                read => filled += read,
            }
        }
        prefix.truncate(filled);
        Ok(Self {
            prefix: std::io::Cursor::new(prefix),
            rest,
        })
    }

    fn is_spreadsheet(&self) -> bool {
        self.prefix.get_ref().starts_with(b"PK\x03\x04")
    }
}

impl<R: Read> Read for PeekFormat<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.prefix.read(buf)? {
            0 => self.rest.read(buf),
            read => Ok(read),
        }
    }
}

impl From<std::io::Error> for ValidationError {
    fn from(error: std::io::Error) -> Self {
        ValidationError::Read(ReadError::Io(error))
    }
}

/// The source's format, for reports.
pub fn format_name(source: &SourceInfo) -> &'static str {
    match source.format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
        Format::Ods => "ods",
    }
}

/// Which schema a report is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaLabel {
    pub name: Option<String>,
    pub version: Option<String>,
    /// How `--schema auto` chose it, and how sure it is.
    pub detection: Option<String>,
}

/// The machine report, as `socle validate --format json` prints it and as versions keep it:
/// `{"valid", "schema", "source", "stats", "errors", "warnings"}`.
pub fn report_json(
    validation: &Validation,
    schema: &SchemaLabel,
    warnings: &[DescriptorWarning],
    lang: Lang,
) -> serde_json::Value {
    let mut report = validation.report.to_json(lang);
    let source = &validation.source;
    report["schema"] = json!({
        "name": schema.name,
        "version": schema.version,
        "detection": schema.detection,
    });
    report["source"] = json!({
        "format": format_name(source),
        "encoding": source.encoding.map(|encoding| encoding.name()),
        "delimiter": source.delimiter.map(|delimiter| char::from(delimiter).to_string()),
        "compression": matches!(source.compression, ingest::Compression::Gzip).then_some("gzip"),
        "sheet": source.sheet,
    });
    if let Some(list) = report["warnings"].as_array_mut() {
        list.extend(
            warnings
                .iter()
                .map(|warning| json!(format!("{} ({})", warning.message(lang), warning.path))),
        );
    }
    report["stats"]["warnings"] = json!(report["warnings"].as_array().map_or(0, Vec::len));
    report
}

/// Key of each stored error's English message, and of the stored English warnings: versions keep
/// one report carrying both languages, and [`localized_report`] serves the one asked for.
const MESSAGE_EN: &str = "message_en";
const WARNINGS_EN: &str = "warnings_en";

/// The report a version keeps: [`report_json`] in French, each error also carrying its English
/// message, so that a report stored once can be served in either language.
pub fn stored_report(
    validation: &Validation,
    schema: &SchemaLabel,
    warnings: &[DescriptorWarning],
) -> serde_json::Value {
    let mut report = report_json(validation, schema, warnings, Lang::Fr);
    let english = report_json(validation, schema, warnings, Lang::En);
    add_english(&mut report, &english);
    report
}

/// Copies the messages of `english` (a report of the same findings) into `report` as the
/// English side of a stored report.
fn add_english(report: &mut serde_json::Value, english: &serde_json::Value) {
    let english_errors = english["errors"].as_array().into_iter().flatten();
    if let Some(errors) = report["errors"].as_array_mut() {
        for (error, english_error) in errors.iter_mut().zip(english_errors) {
            error[MESSAGE_EN] = english_error["message"].clone();
        }
    }
    report[WARNINGS_EN] = english["warnings"].clone();
}

/// A stored report as users read it: messages in `lang`, the other language's removed. Reports
/// stored before they carried English keep their French messages.
pub fn localized_report(mut stored: serde_json::Value, lang: Lang) -> serde_json::Value {
    let Some(report) = stored.as_object_mut() else {
        return stored;
    };
    let english_warnings = report.remove(WARNINGS_EN);
    if let Some(errors) = report.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for error in errors.iter_mut().filter_map(|error| error.as_object_mut()) {
            let english = error.remove(MESSAGE_EN);
            if let (Lang::En, Some(english)) = (lang, english) {
                error.insert("message".to_owned(), english);
            }
        }
    }
    if let (Lang::En, Some(warnings)) = (lang, english_warnings) {
        report.insert("warnings".to_owned(), warnings);
    }
    stored
}

/// The report of a file that could not be read as a table at all, in stored form.
pub fn failure_report(message_fr: &str, message_en: &str) -> serde_json::Value {
    json!({
        "valid": false,
        "stats": { "rows": 0, "fields": 0, "errors": 1, "warnings": 0 },
        "errors": [{
            "type": "source-error", "rowNumber": null, "fieldNumber": null, "fieldName": null,
            "cell": null, "message": message_fr, MESSAGE_EN: message_en,
        }],
        "warnings": [],
        WARNINGS_EN: [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema with a descriptor warning (an unknown key) and a file with a type error, a
    /// constraint error and a missing cell, so that every kind of message is in the report.
    fn validation_with_findings() -> (Validation, Vec<DescriptorWarning>) {
        let descriptor = json!({
            "fields": [
                {"name": "date", "type": "date"},
                {"name": "montant", "type": "number", "constraints": {"minimum": 0, "pattern:": "x"}},
            ],
        });
        let (schema, warnings) = Schema::from_json(&descriptor).expect("a usable schema");
        assert!(!warnings.is_empty(), "the typo'd key is reported");
        let file = "date,montant\n2024-01-02,12\nhier,-3\n2024-01-03\n";
        let validation = validate(file.as_bytes(), &mut &schema, &ValidateOptions::default())
            .expect("the file can be read");
        assert!(
            validation.report.errors.len() >= 3,
            "{:?}",
            validation.report
        );
        (validation, warnings)
    }

    #[test]
    fn a_stored_report_reads_back_in_each_language_as_if_made_in_it() {
        let (validation, warnings) = validation_with_findings();
        let label = SchemaLabel::default();
        let stored = stored_report(&validation, &label, &warnings);
        for lang in [Lang::Fr, Lang::En] {
            assert_eq!(
                localized_report(stored.clone(), lang),
                report_json(&validation, &label, &warnings, lang),
                "{lang:?}"
            );
        }
        // Both languages really differ, so the comparison above could fail.
        assert_ne!(
            report_json(&validation, &label, &warnings, Lang::Fr)["errors"],
            report_json(&validation, &label, &warnings, Lang::En)["errors"]
        );
    }

    #[test]
    fn reports_stored_in_french_only_stay_in_french() {
        let (validation, warnings) = validation_with_findings();
        let label = SchemaLabel::default();
        let french = report_json(&validation, &label, &warnings, Lang::Fr);
        assert_eq!(localized_report(french.clone(), Lang::En), french);
    }

    #[test]
    fn failure_reports_carry_both_languages() {
        let stored = failure_report("fichier vide", "empty file");
        assert_eq!(
            localized_report(stored.clone(), Lang::Fr)["errors"][0]["message"],
            "fichier vide"
        );
        let english = localized_report(stored, Lang::En);
        assert_eq!(english["errors"][0]["message"], "empty file");
        assert!(english.get(WARNINGS_EN).is_none());
        assert!(english["errors"][0].get(MESSAGE_EN).is_none());
    }
}
