//! Publishing a file as a new version of a resource: keep the bytes, validate, load, flip.
//!
//! The steps, each of which leaves the previous version served if it fails:
//! 1. the bytes go into the content-addressed blob store (the same bytes twice make no new
//!    version); a CSV file with a declared schema is stored while it is read for the next steps
//!    (its duplicate check then comes after the load, once its SHA-256 is known);
//! 2. the file is read (`ingest`: CSV in record-aligned blocks, workbooks row by row) and every
//!    row checked (`tableschema`) against the resource's
//!    declared schema, or against a schema inferred from the file when none is declared;
//! 3. the cast values are loaded, in the same pass, into a staging table no reader sees;
//! 4. strict resources reject a non-conformant file (its version and report are kept, its rows
//!    dropped); otherwise the store makes the new version live in one transaction.

use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use ingest::{Block, BlockReader, Dialect, IngestError, ReadError, Row, SourceInfo};
use model::{
    ColumnDef, ColumnType, NewVersion, PublicationPolicy, Resource, SchemaRef, Value, Version,
    VersionOrigin,
};
use serde_json::json;
use store::{LoadHandle, RowBlock, Store, VersionStart};
use tableschema::{DescriptorWarning, FieldType, Lang, Plan, Report, Schema};

use crate::bundled;
use crate::error::{Error, Result};
use crate::infer::Inference;
use crate::validation::{
    SchemaLabel, Validation, add_encoding_errors, failure_report, stored_report,
};

/// Rows of a spreadsheet sent to the store per block (one transaction each): large enough to
/// amortise the commit, small enough to keep memory flat. A CSV file's rows go in one block per
/// block of the file read (see [`RowVisitor::bytes_start`]).
const BATCH_ROWS: usize = 10_000;

/// Bytes of a CSV file read per block during a load. Each block of the file becomes one block of
/// rows (one transaction) that keeps these bytes for its texts: about 10,000 rows of an SCDL
/// file, as many as [`BATCH_ROWS`], so that commits stay as rare (1 MiB blocks, a third as
/// many rows, meant more commits for no gain).
const LOAD_BLOCK_BYTES: usize = 2_560 * 1024;

/// Text a block of a spreadsheet's rows may hold before it is sent on whatever its rows: far
/// below the 4 GiB a block can address ([`store::Cell`]), for sheets with huge cells.
const MAX_BLOCK_TEXT: usize = 256 * 1024 * 1024;

/// What the publisher says about the file.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub resource: model::ResourceId,
    /// The file's name as received (kept for downloads, and a hint for its format).
    pub file_name: Option<String>,
    /// How the file arrived (upload, CLI, URL, harvest, consolidation).
    pub origin: VersionOrigin,
    /// Encoding, delimiter or sheet, when the publisher imposes them.
    pub read: ingest::Options,
}

/// How a publication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file is the resource's live version now (`conformant` says whether it follows its schema).
    Published { conformant: bool },
    /// The file breaks its schema and the resource is strict: kept with its report, not served.
    Rejected,
    /// These exact bytes were already published for this resource: nothing changed.
    AlreadyPublished,
}

/// The result of [`crate::Catalogue::publish`].
#[derive(Debug, Clone)]
pub struct Publication {
    pub version: Version,
    pub outcome: Outcome,
    /// The stored report (JSON, French messages with their English side), when the file was
    /// read: show it through [`Publication::report_in`].
    pub report: Option<serde_json::Value>,
}

impl Publication {
    /// The report as users read it, messages in `lang`.
    pub fn report_in(&self, lang: Lang) -> Option<serde_json::Value> {
        self.report
            .clone()
            .map(|report| crate::validation::localized_report(report, lang))
    }
}

/// The schema a resource's files are checked against.
struct Checked {
    schema: Schema,
    label: SchemaLabel,
    warnings: Vec<DescriptorWarning>,
}

pub(crate) fn publish(
    store: &Store,
    resource: &Resource,
    request: &PublishRequest,
    received_by: Option<model::UserId>,
    mut input: impl Read + Send,
    corrections: Option<&serde_json::Value>,
    rows_read: &AtomicU64,
) -> Result<Publication> {
    let publishing = Publishing {
        store,
        resource,
        request,
        received_by,
        corrections,
        rows_read,
    };
    let Some(checked) = declared_schema(resource)? else {
        // Inferring the schema reads the whole file before the load: it is stored first.
        let blob = store.put_blob(input)?;
        return publish_stored(&publishing, &blob);
    };
    publish_while_storing(&publishing, &checked, &mut input)
}

/// The pieces of one publication that every step needs.
struct Publishing<'a> {
    store: &'a Store,
    resource: &'a Resource,
    request: &'a PublishRequest,
    received_by: Option<model::UserId>,
    corrections: Option<&'a serde_json::Value>,
    rows_read: &'a AtomicU64,
}

/// Publishes a CSV file (plain or gzip) in one pass over `input`: every byte read for the
/// load is also handed to the blob store, which hashes and keeps it on a thread of its own, so
/// storing the original overlaps the load instead of preceding it. The version is loaded under
/// a provisional address and gets its real one once the input is fully read; a file already
/// published is only found then (its rows are dropped, the publication is a duplicate).
/// Anything but a readable CSV with a header (workbooks, which are read by seeking, unreadable
/// or empty files) is stored whole, then published from the blob store.
fn publish_while_storing(
    publishing: &Publishing<'_>,
    checked: &Checked,
    input: &mut (dyn Read + Send),
) -> Result<Publication> {
    let store = publishing.store;
    let received_at = jiff::Timestamp::now();
    let mut copy = store.blob_writer()?;
    let read = read_options(publishing.request);
    let tee = Tee {
        input: &mut *input,
        copy: &mut copy,
    };
    let Ok(blocks) = open_blocks(tee, &read) else {
        return publish_rest_from_blob(publishing, input, copy);
    };
    let dialect = blocks.dialect();
    let mut source = RowSource::Blocks {
        blocks,
        dialect,
        first: None,
    };
    let info = source.info().clone();
    let Ok(Some(header)) = source.header() else {
        drop(source);
        return publish_rest_from_blob(publishing, input, copy);
    };
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, header_errors) =
        Plan::new(&checked.schema, &labels, &tableschema::Options::default());
    let layout = Layout::new(&checked.schema, &plan, &header);
    let new = new_version(publishing, None, received_at);
    let mut load = store.create_version_table_before_blob(&new, &layout.columns)?;
    let loaded = load_rows(
        &mut source,
        &plan,
        &layout,
        &checked.schema,
        &mut load,
        publishing.rows_read,
    );
    drop(source);
    if let Err(LoadFailure::Store(error)) = loaded {
        return Err(error.into());
    }
    let blob = store_rest(input, copy)?;
    if let Some(existing) = load.attach_blob(&blob)? {
        load.abort()?;
        return Ok(already_published(existing));
    }
    conclude(
        publishing,
        load,
        loaded,
        Loaded {
            plan: &plan,
            header_errors,
            info,
            header,
            checked,
        },
    )
}

/// Reads `input` through while handing every byte to the blob being written.
struct Tee<'a> {
    input: &'a mut (dyn Read + Send),
    copy: &'a mut store::BlobWriter,
}

impl Read for Tee<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n_read = self.input.read(buffer)?;
        self.copy.write_all(&buffer[..n_read])?;
        Ok(n_read)
    }
}

/// Stores what the load left unread of `input` (nothing, usually) and keeps the blob.
fn store_rest(
    input: &mut (dyn Read + Send),
    mut copy: store::BlobWriter,
) -> Result<store::BlobInfo> {
    match std::io::copy(input, &mut copy) {
        Ok(_) => Ok(copy.finish()?),
        // The blob's own failure, if any, says more than the copy's.
        Err(error) => Err(match copy.finish() {
            Err(failure) => failure.into(),
            Ok(_) => store::Error::Io {
                context: "lecture du fichier à publier".to_owned(),
                source: error,
            }
            .into(),
        }),
    }
}

/// The files not loaded while stored: stored whole, then published from the blob store.
fn publish_rest_from_blob(
    publishing: &Publishing<'_>,
    input: &mut (dyn Read + Send),
    copy: store::BlobWriter,
) -> Result<Publication> {
    let blob = store_rest(input, copy)?;
    publish_stored(publishing, &blob)
}

/// The version row of a publication (`blob` is `None` while its bytes are still being stored).
fn new_version(
    publishing: &Publishing<'_>,
    blob: Option<&store::BlobInfo>,
    received_at: jiff::Timestamp,
) -> NewVersion {
    let request = publishing.request;
    NewVersion {
        resource: publishing.resource.id,
        sha256: blob.map_or(model::Sha256([0; 32]), |blob| blob.sha256),
        size: blob.map_or(0, |blob| blob.size),
        media_type: media_type(request.file_name.as_deref()),
        filename: request.file_name.clone(),
        origin: request.origin,
        received_by: publishing.received_by,
        received_at,
    }
}

fn already_published(existing: Version) -> Publication {
    Publication {
        report: existing
            .report
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()),
        version: existing,
        outcome: Outcome::AlreadyPublished,
    }
}

/// What a load read besides the rows: for the report.
struct Loaded<'a> {
    plan: &'a Plan,
    header_errors: Vec<tableschema::ReportError>,
    info: SourceInfo,
    header: Vec<String>,
    checked: &'a Checked,
}

/// Turns a finished load into a publication: a file that broke off midway is rejected with
/// its reading error, any other is checked against the policy by [`finish`].
fn conclude(
    publishing: &Publishing<'_>,
    load: LoadHandle,
    loaded: std::result::Result<(tableschema::Part, Vec<ReadError>), LoadFailure>,
    read: Loaded<'_>,
) -> Result<Publication> {
    let store = publishing.store;
    let (part, encoding_errors) = match loaded {
        Ok(found) => found,
        Err(LoadFailure::Read(error)) => {
            let report = failure_report(&error.message_fr(), &error.to_string());
            return Ok(rejected(
                store.reject_version(load, &report.to_string())?,
                report,
            ));
        }
        Err(LoadFailure::Store(error)) => return Err(error.into()),
    };
    let mut report = read.plan.finish(read.header_errors, [(0, part)]);
    add_encoding_errors(&mut report, encoding_errors, &read.header);
    finish(
        store,
        publishing.resource,
        load,
        report,
        read.info,
        read.header,
        read.checked,
        publishing.corrections,
    )
}

/// Publishes a file already in the blob store (a background publication's upload): the same
/// steps as [`publish`] once the original bytes are kept.
pub(crate) fn publish_blob(
    store: &Store,
    resource: &Resource,
    request: &PublishRequest,
    received_by: Option<model::UserId>,
    blob: &store::BlobInfo,
    corrections: Option<&serde_json::Value>,
    rows_read: &AtomicU64,
) -> Result<Publication> {
    let publishing = Publishing {
        store,
        resource,
        request,
        received_by,
        corrections,
        rows_read,
    };
    publish_stored(&publishing, blob)
}

/// [`publish_blob`] over the pieces of a publication already gathered.
fn publish_stored(publishing: &Publishing<'_>, blob: &store::BlobInfo) -> Result<Publication> {
    let Publishing {
        store,
        resource,
        request,
        rows_read,
        ..
    } = *publishing;
    let new = new_version(publishing, Some(blob), jiff::Timestamp::now());
    if let Some(existing) = store.version_by_sha256(resource.id, &blob.sha256)? {
        return Ok(already_published(existing));
    }
    let declared = declared_schema(resource)?;
    let read = read_options(request);
    let mut source = match open_rows(store, &blob.sha256, &read)? {
        Ok(source) => source,
        Err(error) => return record_unreadable(store, &new, &error),
    };
    let info = source.info().clone();
    let header = match source.header() {
        Ok(Some(header)) => header,
        Ok(None) => return record_unreadable(store, &new, &IngestError::Empty),
        Err(error) => return record_broken(store, &new, &error),
    };
    let checked = match declared {
        Some(checked) => checked,
        None => infer_schema(store, &blob.sha256, &read)?,
    };
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, header_errors) =
        Plan::new(&checked.schema, &labels, &tableschema::Options::default());
    let layout = Layout::new(&checked.schema, &plan, &header);
    let mut load = match store.create_version_table(&new, &layout.columns)? {
        VersionStart::Existing(version) => return Ok(already_published(version)),
        VersionStart::Loading(load) => load,
    };
    let loaded = load_rows(
        &mut source,
        &plan,
        &layout,
        &checked.schema,
        &mut load,
        rows_read,
    );
    conclude(
        publishing,
        load,
        loaded,
        Loaded {
            plan: &plan,
            header_errors,
            info,
            header,
            checked: &checked,
        },
    )
}

/// The rows of a file: CSV (plain or gzip) in record-aligned blocks parsed in one go each (the
/// fast path `validation` uses too), workbooks row by row.
enum RowSource<'a> {
    Blocks {
        blocks: BlockReader<'a>,
        dialect: Dialect,
        /// The first block, read to find the header and loaded with the others.
        first: Option<Block>,
    },
    Sheet(ingest::RowReader<'a>),
}

/// A CSV source read in blocks of [`LOAD_BLOCK_BYTES`] for a load.
fn open_blocks<'a>(
    input: impl Read + Send + 'a,
    read: &ingest::Options,
) -> std::result::Result<BlockReader<'a>, IngestError> {
    BlockReader::open(input, read).map(|blocks| blocks.with_block_size(LOAD_BLOCK_BYTES))
}

/// Opens the kept bytes as rows. The outer error is ours (the blob is missing), the inner one
/// the file's (unreadable as a table).
fn open_rows(
    store: &Store,
    sha256: &model::Sha256,
    read: &ingest::Options,
) -> Result<std::result::Result<RowSource<'static>, IngestError>> {
    let opened = match open_blocks(BufReader::new(store.open_blob(sha256)?), read) {
        Ok(blocks) => {
            let dialect = blocks.dialect();
            Ok(RowSource::Blocks {
                blocks,
                dialect,
                first: None,
            })
        }
        Err(IngestError::NotCsv(_)) => {
            ingest::open(BufReader::new(store.open_blob(sha256)?), read).map(RowSource::Sheet)
        }
        Err(error) => Err(error),
    };
    Ok(opened)
}

impl RowSource<'_> {
    fn info(&self) -> &SourceInfo {
        match self {
            RowSource::Blocks { blocks, .. } => blocks.info(),
            RowSource::Sheet(reader) => reader.info(),
        }
    }

    /// The first row's cells (`None` for an empty file). Only call once, before the data rows.
    fn header(&mut self) -> std::result::Result<Option<Vec<String>>, ReadError> {
        match self {
            RowSource::Sheet(reader) => {
                let mut row = Row::new();
                Ok(reader
                    .next_row(&mut row)?
                    .then(|| row.cells().map(str::to_owned).collect()))
            }
            RowSource::Blocks {
                blocks,
                dialect,
                first,
            } => {
                let Some(block) = blocks.next_block()? else {
                    return Ok(None);
                };
                // Only the first row: the block's rows are parsed once, with the data.
                let header = ingest::parse_first_row(dialect, &block.bytes);
                *first = Some(block);
                header.transpose()
            }
        }
    }

    /// Gives every data row (after the header) to `visitor`, and each undecodable row's
    /// error; stops at a reading error.
    fn for_each_data_row(
        &mut self,
        visitor: &mut dyn RowVisitor,
    ) -> std::result::Result<(), ReadError> {
        match self {
            RowSource::Sheet(reader) => {
                let mut row = Row::new();
                let mut cells: Vec<&str> = Vec::new();
                loop {
                    match reader.next_row(&mut row) {
                        Ok(true) => {}
                        Ok(false) => return Ok(()),
                        Err(error @ ReadError::Encoding { .. }) => {
                            visitor.encoding_error(error);
                            continue;
                        }
                        Err(error) => return Err(error),
                    }
                    let mut row_cells = ingest::reuse_cells(std::mem::take(&mut cells));
                    row_cells.extend(row.cells());
                    visitor.row(row.number(), &row_cells);
                    cells = ingest::reuse_cells(row_cells);
                }
            }
            RowSource::Blocks {
                blocks,
                dialect,
                first,
            } => {
                let mut next = first.take();
                while let Some(block) = next {
                    let offset = block.first_row - 1;
                    visitor.bytes_start(&block.bytes);
                    // Cells are slices of the block itself (as validation reads them), not of
                    // a copy of each row.
                    ingest::parse_block_cells(dialect, &block.bytes, |number, cells| match cells {
                        Ok(_) if block.index == 0 && number == 1 => {} // The header.
                        Ok(cells) => visitor.row(offset + number, cells),
                        Err(mut error) => {
                            error.offset_row(offset);
                            visitor.encoding_error(error);
                        }
                    });
                    if let Some(spare) = visitor.bytes_end(block.bytes) {
                        blocks.recycle(spare);
                    }
                    next = blocks.next_block()?;
                }
                Ok(())
            }
        }
    }
}

/// What [`RowSource::for_each_data_row`] hands the rows to.
trait RowVisitor {
    /// The cells of the rows given next are mostly slices of `bytes` (until
    /// [`RowVisitor::bytes_end`]).
    fn bytes_start(&mut self, bytes: &[u8]);

    /// One data row, with its number in the file.
    fn row(&mut self, number: u64, cells: &[&str]);

    /// A row that could not be decoded.
    fn encoding_error(&mut self, error: ReadError);

    /// The rows of `bytes` were all given; returns a buffer to read the next bytes into.
    fn bytes_end(&mut self, bytes: Vec<u8>) -> Option<Vec<u8>>;
}

/// Commits or rejects the loaded version according to the report and the resource's policy.
#[allow(clippy::too_many_arguments)] // The pieces of one publication, gathered once.
fn finish(
    store: &Store,
    resource: &Resource,
    load: LoadHandle,
    report: Report,
    source: SourceInfo,
    header: Vec<String>,
    checked: &Checked,
    corrections: Option<&serde_json::Value>,
) -> Result<Publication> {
    let conformant = report.valid;
    let validation = Validation {
        source,
        header,
        report,
    };
    let mut json = stored_report(&validation, &checked.label, &checked.warnings);
    // The wizard's fixes, with the original file's address, are kept in the report.
    if let (Some(corrections), Some(object)) = (corrections, json.as_object_mut()) {
        object.insert("corrections".to_owned(), corrections.clone());
    }
    let text = json.to_string();
    if !conformant && resource.policy == PublicationPolicy::Strict && resource.schema.is_some() {
        return Ok(rejected(store.reject_version(load, &text)?, json));
    }
    let version = store.commit_version(load, Some(&text), conformant)?;
    Ok(Publication {
        version,
        outcome: Outcome::Published { conformant },
        report: Some(json),
    })
}

fn rejected(version: Version, report: serde_json::Value) -> Publication {
    Publication {
        version,
        outcome: Outcome::Rejected,
        report: Some(report),
    }
}

/// The columns of the version's table: one per schema field, then the file's extra columns
/// (kept as text, so a lenient publication loses nothing).
struct Layout {
    columns: Vec<ColumnDef>,
    /// For each table column, the physical column of the file it reads (if present).
    sources: Vec<Option<usize>>,
}

impl Layout {
    fn new(schema: &Schema, plan: &Plan, header: &[String]) -> Layout {
        let column_fields = plan.column_fields();
        let mut columns = Vec::new();
        let mut sources = Vec::new();
        for (index, field) in schema.fields().iter().enumerate() {
            columns.push(ColumnDef::new(field.name.clone(), column_type(field.kind)));
            sources.push(column_fields.iter().position(|field| *field == Some(index)));
        }
        let taken: std::collections::HashSet<&str> = schema
            .fields()
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        for (position, field) in column_fields.iter().enumerate() {
            let Some(name) = header.get(position) else {
                continue;
            };
            if field.is_none()
                && !name.is_empty()
                && !taken.contains(name.as_str())
                && !columns.iter().any(|column| &column.name == name)
            {
                columns.push(ColumnDef::new(name.clone(), ColumnType::Text));
                sources.push(Some(position));
            }
        }
        Layout { columns, sources }
    }
}

enum LoadFailure {
    Read(ReadError),
    Store(store::Error),
}

/// Checks every data row and loads its values. Reading and checking run on this thread while
/// another inserts the previous block, so the two halves of the work overlap on two cores.
/// Blocks go back and forth between the threads: once the first ones have grown, a load
/// allocates nothing per row or per cell.
fn load_rows(
    source: &mut RowSource<'_>,
    plan: &Plan,
    layout: &Layout,
    schema: &Schema,
    load: &mut LoadHandle,
    rows_read: &AtomicU64,
) -> std::result::Result<(tableschema::Part, Vec<ReadError>), LoadFailure> {
    let (to_inserter, filled) = std::sync::mpsc::sync_channel::<RowBlock>(BLOCKS_QUEUED);
    let (to_checker, emptied) = std::sync::mpsc::channel::<RowBlock>();
    std::thread::scope(|scope| {
        let inserter = scope.spawn(move || -> std::result::Result<(), store::Error> {
            for mut block in filled {
                load.append_block(&block)?;
                block.clear();
                // The checker may be done already: the block is then simply dropped.
                let _ = to_checker.send(block);
            }
            Ok(())
        });
        let blocks = BlockFlow {
            to_inserter,
            emptied,
            width: layout.columns.len(),
            made: std::cell::Cell::new(0),
            text_bytes: std::cell::Cell::new(0),
        };
        let checked = check_rows(source, plan, layout, schema, &blocks, rows_read);
        drop(blocks);
        let inserted = inserter.join().unwrap_or_else(|_| {
            Err(store::Error::Invalid(
                "le chargement des lignes s'est interrompu".to_owned(),
            ))
        });
        match (checked, inserted) {
            (_, Err(error)) => Err(LoadFailure::Store(error)),
            (checked, Ok(())) => checked,
        }
    })
}

/// Blocks a load ever makes: one being filled, up to [`BLOCKS_QUEUED`] queued, one being
/// inserted. Reusing them rather than making more matters: a new block's buffers are fresh
/// memory, which the kernel zeroes page by page as the block first fills (a sixth of the
/// checking thread's time when blocks were made whenever none was back yet).
const BLOCKS_IN_FLIGHT: usize = BLOCKS_QUEUED + 2;

/// Filled blocks waiting for the inserter. The checking and inserting threads take about as
/// long per block and share two cores with the thread keeping the original file: with one
/// queued block, each often waited for the other when that third thread ran; with three,
/// rows were queryable 3 % sooner, for 12 MB more at the peak of a publication.
const BLOCKS_QUEUED: usize = 3;

/// The checker's ends of the two channels between it and the inserter.
struct BlockFlow {
    to_inserter: std::sync::mpsc::SyncSender<RowBlock>,
    emptied: std::sync::mpsc::Receiver<RowBlock>,
    width: usize,
    /// Blocks made so far (at most [`BLOCKS_IN_FLIGHT`] while the inserter runs).
    made: std::cell::Cell<usize>,
    /// Text bytes of the fullest block so far: new blocks start with room for an eighth more,
    /// instead of growing to it by doublings, each into fresh memory.
    text_bytes: std::cell::Cell<usize>,
}

impl BlockFlow {
    /// An empty block: one the inserter is done with, or a new one while fewer than
    /// [`BLOCKS_IN_FLIGHT`] exist (a new one too if the inserter stopped: it reports why).
    fn empty_block(&self) -> RowBlock {
        if let Ok(block) = self.emptied.try_recv() {
            return block;
        }
        if self.made.get() >= BLOCKS_IN_FLIGHT
            && let Ok(block) = self.emptied.recv()
        {
            return block;
        }
        self.made.set(self.made.get() + 1);
        let text_bytes = self.text_bytes.get();
        RowBlock::with_capacity(self.width, BATCH_ROWS, text_bytes + text_bytes / 8)
    }

    /// Hands a filled block to the inserter; false when it stopped (on an error it reports).
    fn send(&self, block: RowBlock) -> bool {
        self.text_bytes
            .set(self.text_bytes.get().max(block.text_len()));
        self.to_inserter.send(block).is_ok()
    }
}

/// Reads and checks every row, sending the table rows to the inserter in blocks.
fn check_rows(
    source: &mut RowSource<'_>,
    plan: &Plan,
    layout: &Layout,
    schema: &Schema,
    blocks: &BlockFlow,
    rows_read: &AtomicU64,
) -> std::result::Result<(tableschema::Part, Vec<ReadError>), LoadFailure> {
    let mut checker = RowChecker {
        plan,
        part: plan.new_part(),
        encoding_errors: Vec::new(),
        block: blocks.empty_block(),
        file_columns: FileColumn::all(plan, layout, schema),
        blocks,
        rows_read,
        stopped: false,
    };
    source
        .for_each_data_row(&mut checker)
        .map_err(LoadFailure::Read)?;
    if !checker.stopped && !checker.block.is_empty() {
        let last = std::mem::take(&mut checker.block);
        checker.send(last);
    }
    Ok((checker.part, checker.encoding_errors))
}

/// Checks rows and fills blocks with their values ([`check_rows`]).
struct RowChecker<'c, 's> {
    plan: &'c Plan,
    part: tableschema::Part,
    encoding_errors: Vec<ReadError>,
    /// The block being filled.
    block: RowBlock,
    file_columns: Vec<FileColumn<'s>>,
    blocks: &'c BlockFlow,
    rows_read: &'c AtomicU64,
    /// Set when the inserter stopped on an error (which the caller reports): the rest is
    /// skipped.
    stopped: bool,
}

impl RowChecker<'_, '_> {
    /// Hands the block filled so far to the inserter and starts an empty one.
    fn send_block(&mut self) {
        let filled = std::mem::take(&mut self.block);
        self.send(filled);
        self.block = self.blocks.empty_block();
    }

    fn send(&mut self, block: RowBlock) {
        // Progress of a background publication, read by its heartbeats.
        self.rows_read
            .fetch_add(block.len() as u64, Ordering::Relaxed);
        self.stopped = !self.blocks.send(block);
    }
}

impl RowVisitor for RowChecker<'_, '_> {
    /// A block of the file is loaded with the rows read from it: their texts are kept as
    /// ranges of its bytes rather than copied.
    fn bytes_start(&mut self, bytes: &[u8]) {
        // The block is empty: `bytes_end` sent the previous one on.
        self.block.read_from(bytes);
    }

    fn row(&mut self, number: u64, cells: &[&str]) {
        if self.stopped {
            return;
        }
        if cells.is_empty() {
            self.plan.check_row(&mut self.part, number, &[]);
            return;
        }
        self.block.start_row();
        let mut row = BlockRow {
            block: &mut self.block,
            cells,
            file_columns: &self.file_columns,
        };
        self.plan
            .check_row_into(&mut self.part, number, cells, &mut row);
        self.block.end_row();
        // Rows read from a file's block go with its bytes (`bytes_end`); sheets' in batches.
        let full = self.block.len() == BATCH_ROWS || self.block.text_len() >= MAX_BLOCK_TEXT;
        if full && !self.block.is_reading() {
            self.send_block();
        }
    }

    fn encoding_error(&mut self, error: ReadError) {
        self.encoding_errors.push(error);
    }

    fn bytes_end(&mut self, bytes: Vec<u8>) -> Option<Vec<u8>> {
        self.block.keep_source(bytes);
        if self.stopped {
            return None;
        }
        self.send_block();
        // The new block's bytes (those of a block already loaded) are read into again.
        Some(self.block.take_source())
    }
}

/// Where one column of the file goes in the version's table.
struct FileColumn<'s> {
    /// The table column it fills (`None`: a column the table does not keep, such as a second
    /// column of the same name).
    table_column: Option<usize>,
    /// The schema field it is read as (`None`: a column the schema does not declare).
    field: Option<&'s tableschema::Field>,
}

impl<'s> FileColumn<'s> {
    /// Every column of the file, in the file's order.
    fn all(plan: &Plan, layout: &Layout, schema: &'s Schema) -> Vec<FileColumn<'s>> {
        plan.column_fields()
            .into_iter()
            .enumerate()
            .map(|(position, field)| FileColumn {
                table_column: layout
                    .sources
                    .iter()
                    .position(|source| *source == Some(position)),
                field: field.map(|index| &schema.fields()[index]),
            })
            .collect()
    }
}

/// The table row being filled from one checked row of the file: each value the checker hands
/// over goes straight into its table column.
struct BlockRow<'r, 'a, 's> {
    block: &'r mut RowBlock,
    /// The row's cells as read (kept as text where a value failed its type).
    cells: &'r [&'a str],
    file_columns: &'r [FileColumn<'s>],
}

impl<'a> tableschema::ValueSink<'a> for BlockRow<'_, 'a, '_> {
    fn value(&mut self, position: usize, value: tableschema::Value<'a>) {
        let Some(FileColumn {
            table_column: Some(column),
            field,
        }) = self.file_columns.get(position)
        else {
            return;
        };
        let cell = self.cells.get(position).copied().unwrap_or_default();
        set_cell(self.block, *column, value, *field, cell);
    }

    /// The common cells of a load: each set straight from its value, which owns nothing.
    #[inline]
    fn scalar(&mut self, position: usize, value: tableschema::Scalar<'a>) {
        use tableschema::Scalar;
        let Some(FileColumn {
            table_column: Some(column),
            ..
        }) = self.file_columns.get(position)
        else {
            return;
        };
        match value {
            Scalar::String(text) => self.block.set_text(*column, text),
            Scalar::Boolean(value) => self.block.set_bool(*column, value),
            Scalar::Integer(value) => self.block.set_int(*column, value),
            Scalar::Number(value) => self.block.set_float(*column, value),
            Scalar::Date(date) => {
                let cell = self.cells.get(position).copied().unwrap_or_default();
                set_date(self.block, *column, date, cell);
            }
            value => self.value(position, value.into()),
        }
    }

    /// Nothing to set: [`RowBlock::start_row`] made every cell of the row null.
    #[inline]
    fn missing(&mut self, _position: usize) {}
}

/// One cell as [`to_model_value`] would make it, without allocating for the common types; a
/// cell that failed its type (its value is null) keeps its text.
fn set_cell(
    block: &mut RowBlock,
    column: usize,
    value: tableschema::Value<'_>,
    field: Option<&tableschema::Field>,
    cell: &str,
) {
    use tableschema::Value as Cast;
    // Matched as it is: a `(value, field)` tuple copied the value whole first, and reading back
    // what had just been written in pieces stalled the processor.
    match value {
        Cast::Null => {
            if !cell.is_empty() && field.is_none_or(|field| !field.is_missing(cell)) {
                block.set_text(column, cell);
            }
        }
        Cast::Boolean(value) => block.set_bool(column, value),
        Cast::Integer(value) => block.set_int(column, value),
        Cast::Year(year) => block.set_int(column, i64::from(year)),
        Cast::Number(value) => block.set_float(column, value),
        Cast::String(text) => block.set_text(column, &text),
        Cast::Date(date) => set_date(block, column, date, cell),
        value => block.set_value(column, &to_model_value(value, cell)),
    }
}

/// A date cell, kept as written when the store's calendar cannot hold it.
#[inline]
fn set_date(block: &mut RowBlock, column: usize, date: tableschema::Date, cell: &str) {
    match civil_date(date) {
        Some(date) => block.set_date(column, date),
        None => block.set_text(column, cell),
    }
}

/// The table column type that holds a Table Schema field type.
pub fn column_type(kind: FieldType) -> ColumnType {
    match kind {
        FieldType::Boolean => ColumnType::Boolean,
        FieldType::Integer | FieldType::Year => ColumnType::Integer,
        FieldType::Number => ColumnType::Number,
        FieldType::Date => ColumnType::Date,
        FieldType::Time => ColumnType::Time,
        FieldType::DateTime => ColumnType::DateTime,
        FieldType::Object
        | FieldType::Array
        | FieldType::List
        | FieldType::GeoJson
        | FieldType::GeoPoint => ColumnType::Json,
        FieldType::String | FieldType::YearMonth | FieldType::Duration | FieldType::Any => {
            ColumnType::Text
        }
    }
}

/// A cast cell as the store keeps it. `cell` is the original text, kept for types the store
/// has no column type for (durations, year-months).
pub fn to_model_value(value: tableschema::Value<'_>, cell: &str) -> Value {
    use tableschema::Value as Cast;
    match value {
        Cast::Null => Value::Null,
        Cast::Boolean(value) => Value::Bool(value),
        Cast::Integer(value) => Value::Int(value),
        Cast::Year(year) => Value::Int(i64::from(year)),
        Cast::Number(value) => Value::Float(value),
        Cast::String(text) => Value::Text(text.into_owned()),
        Cast::Date(date) => {
            civil_date(date).map_or_else(|| Value::Text(cell.to_owned()), Value::Date)
        }
        Cast::Time(time) => {
            civil_time(time).map_or_else(|| Value::Text(cell.to_owned()), Value::Time)
        }
        Cast::DateTime(datetime) => {
            civil_datetime(datetime).map_or_else(|| Value::Text(cell.to_owned()), Value::DateTime)
        }
        Cast::YearMonth { .. } | Cast::Duration(_) => Value::Text(cell.trim().to_owned()),
        Cast::GeoPoint(point) => Value::Json(json!([point.lon, point.lat])),
        Cast::Json(json) => Value::Json(json),
        Cast::List(items) => Value::Json(serde_json::Value::Array(
            items
                .into_iter()
                .map(|item| model_value_json(to_model_value(item, "")))
                .collect(),
        )),
    }
}

fn model_value_json(value: Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(value) => json!(value),
        Value::Int(value) => json!(value),
        Value::Float(value) => json!(value),
        Value::Text(text) => json!(text),
        Value::Date(date) => json!(date.to_string()),
        Value::Time(time) => json!(time.to_string()),
        Value::DateTime(datetime) => json!(datetime.to_string()),
        Value::Json(json) => json,
    }
}

fn civil_date(date: tableschema::Date) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(
        i16::try_from(date.year).ok()?,
        date.month as i8,
        date.day as i8,
    )
    .ok()
}

/// Times with an offset are stored in UTC, so that they compare correctly as text.
fn civil_time(time: tableschema::Time) -> Option<jiff::civil::Time> {
    let local = jiff::civil::Time::new(
        time.hour as i8,
        time.minute as i8,
        time.second.min(59) as i8,
        time.nanosecond as i32,
    )
    .ok()?;
    match time.offset_seconds {
        None => Some(local),
        Some(offset) => {
            Some(local.wrapping_sub(jiff::SignedDuration::from_secs(i64::from(offset))))
        }
    }
}

fn civil_datetime(datetime: tableschema::DateTime) -> Option<jiff::civil::DateTime> {
    let date = civil_date(datetime.date)?;
    let time = jiff::civil::Time::new(
        datetime.time.hour as i8,
        datetime.time.minute as i8,
        datetime.time.second.min(59) as i8,
        datetime.time.nanosecond as i32,
    )
    .ok()?;
    let local = date.to_datetime(time);
    match datetime.time.offset_seconds {
        None => Some(local),
        Some(offset) => local
            .checked_sub(jiff::SignedDuration::from_secs(i64::from(offset)))
            .ok(),
    }
}

/// The resource's declared schema, from the bundled registry.
fn declared_schema(resource: &Resource) -> Result<Option<Checked>> {
    resource.schema.as_ref().map(bundled_schema).transpose()
}

fn bundled_schema(reference: &SchemaRef) -> Result<Checked> {
    let bundled = bundled::find(&format!("{}@{}", reference.name, reference.version))
        .map_err(|error| Error::Invalid(error.message_fr()))?;
    let (schema, warnings) = parse_descriptor(bundled.descriptor)?;
    Ok(Checked {
        schema,
        label: SchemaLabel {
            name: Some(reference.name.clone()),
            version: Some(reference.version.clone()),
            detection: None,
        },
        warnings,
    })
}

/// Parses a descriptor text into a schema, or says in French why it cannot be used.
pub fn parse_descriptor(text: &str) -> Result<(Schema, Vec<DescriptorWarning>)> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| Error::Invalid(format!("schéma illisible (JSON invalide) : {error}")))?;
    Schema::from_json(&json).map_err(|error| {
        Error::Invalid(format!(
            "schéma inutilisable : {} (clé `{}`)",
            error.message_fr, error.path
        ))
    })
}

/// Reads the whole file once to infer its column types (files published without a schema).
fn infer_schema(store: &Store, sha256: &model::Sha256, read: &ingest::Options) -> Result<Checked> {
    let file = BufReader::new(store.open_blob(sha256)?);
    let mut reader =
        ingest::open(file, read).map_err(|error| Error::Invalid(error.message_fr()))?;
    let mut row = Row::new();
    let mut inference: Option<Inference> = None;
    loop {
        match reader.next_row(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(ReadError::Encoding { .. }) => continue,
            Err(error) => return Err(Error::Invalid(error.message_fr())),
        }
        match inference.as_mut() {
            None => inference = Some(Inference::new(&row.cells().collect::<Vec<_>>())),
            Some(inference) => inference.add_row(row.cells()),
        }
    }
    let descriptor = inference.unwrap_or_default().descriptor();
    let (schema, warnings) = Schema::from_json(&descriptor).map_err(|error| {
        Error::Invalid(format!(
            "types déduits inutilisables : {}",
            error.message_fr
        ))
    })?;
    Ok(Checked {
        schema,
        label: SchemaLabel::default(),
        warnings,
    })
}

fn read_options(request: &PublishRequest) -> ingest::Options {
    let mut read = request.read.clone();
    if read.file_name.is_none() {
        read.file_name = request.file_name.clone();
    }
    read
}

fn record_unreadable(store: &Store, new: &NewVersion, error: &IngestError) -> Result<Publication> {
    let report = failure_report(&error.message_fr(), &error.to_string());
    Ok(rejected(
        store.record_rejected_version(new, &report.to_string())?,
        report,
    ))
}

fn record_broken(store: &Store, new: &NewVersion, error: &ReadError) -> Result<Publication> {
    let report = failure_report(&error.message_fr(), &error.to_string());
    Ok(rejected(
        store.record_rejected_version(new, &report.to_string())?,
        report,
    ))
}

/// The media type recorded for a version, from its file name.
fn media_type(file_name: Option<&str>) -> String {
    let lower = file_name.unwrap_or_default().to_lowercase();
    let media = if lower.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if lower.ends_with(".ods") {
        "application/vnd.oasis.opendocument.spreadsheet"
    } else if lower.ends_with(".gz") {
        "application/gzip"
    } else {
        "text/csv"
    };
    media.to_owned()
}

/// A schema reference as stored on resources, from a bundled schema.
pub fn schema_ref(bundled: &bundled::BundledSchema) -> SchemaRef {
    SchemaRef {
        name: bundled.name.to_owned(),
        version: bundled.version.to_owned(),
    }
}

/// What an instance import knows about a version whose rows it rebuilds (see `crate::moving`).
pub(crate) struct Original<'a> {
    pub version: model::VersionId,
    pub sha256: &'a model::Sha256,
    pub filename: Option<&'a str>,
    /// The schema the version was published under (`None`: inferred from the file).
    pub schema: Option<&'a SchemaRef>,
    /// The stored report, whose `source` says how the file was read.
    pub report: Option<&'a serde_json::Value>,
}

/// Loads a version's rows again from its original file, exactly as its publication did (same
/// reading options, schema, layout and casts): the rows of a moved instance are the rows a
/// publication makes. Fails if the table the file gives does not have the version's `columns`.
pub(crate) fn reload_rows(
    store: &Store,
    original: &Original<'_>,
    columns: &[ColumnDef],
    load: &mut LoadHandle,
) -> Result<()> {
    let read = original_read_options(original);
    let checked = match original.schema {
        Some(reference) => bundled_schema(reference)?,
        None => infer_schema(store, original.sha256, &read)?,
    };
    let unreadable = |message: String| {
        Error::Invalid(format!(
            "version {} : fichier d'origine illisible : {message}",
            original.version
        ))
    };
    let mut source = open_rows(store, original.sha256, &read)?
        .map_err(|error| unreadable(error.message_fr()))?;
    let header = source
        .header()
        .map_err(|error| unreadable(error.message_fr()))?
        .ok_or_else(|| unreadable(IngestError::Empty.message_fr()))?;
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, _) = Plan::new(&checked.schema, &labels, &tableschema::Options::default());
    let layout = Layout::new(&checked.schema, &plan, &header);
    if layout.columns != columns {
        return Err(Error::Invalid(format!(
            "version {} : le fichier d'origine ne redonne pas les colonnes de la version",
            original.version
        )));
    }
    let rows_read = AtomicU64::new(0);
    match load_rows(
        &mut source,
        &plan,
        &layout,
        &checked.schema,
        load,
        &rows_read,
    ) {
        Ok(_) => Ok(()),
        Err(LoadFailure::Read(error)) => Err(unreadable(error.message_fr())),
        Err(LoadFailure::Store(error)) => Err(error.into()),
    }
}

/// The reading options a publication used, from its report's `source` (encoding, delimiter,
/// sheet: imposed or detected, the same file reads the same way) and the file name.
fn original_read_options(original: &Original<'_>) -> ingest::Options {
    let source = original.report.and_then(|report| report.get("source"));
    let text = |key: &str| source.and_then(|source| source.get(key)?.as_str());
    ingest::Options {
        encoding: text("encoding").and_then(ingest::Encoding::from_label),
        delimiter: text("delimiter")
            .and_then(|delimiter| delimiter.as_bytes().first().copied())
            .filter(|_| text("delimiter").is_some_and(|delimiter| delimiter.len() == 1)),
        sheet: text("sheet").map(str::to_owned),
        file_name: original.filename.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a test shows a block's cell.
    fn shown(block: &RowBlock, cell: &store::Cell) -> String {
        match cell {
            store::Cell::Null => "NULL".to_owned(),
            store::Cell::Bool(flag) => flag.to_string(),
            store::Cell::Int(number) => format!("{number}i"),
            store::Cell::Float(number) => format!("{number}f"),
            store::Cell::Text { .. } => format!("'{}'", block.text(cell)),
            store::Cell::Read { .. } => format!("<'{}'>", block.text(cell)),
            store::Cell::Rendered { .. } => format!("r'{}'", block.text(cell)),
        }
    }

    #[test]
    fn rows_go_in_one_block_per_block_of_the_file_with_their_texts_kept_in_its_bytes() {
        let descriptor = json!({"fields": [
            {"name": "nom", "type": "string"},
            {"name": "jour", "type": "date"},
            {"name": "note", "type": "string"}
        ]});
        let (schema, _) = Schema::from_json(&descriptor).unwrap();
        let csv = "nom,jour,note\nAlbi,2026-11-30,\"dit \"\"oui\"\"\"\nCastres,30/11/2026,simple\n\nRodez,,\n";
        // Blocks of a row or two each.
        let blocks = BlockReader::open(csv.as_bytes(), &ingest::Options::default())
            .unwrap()
            .with_block_size(24);
        let dialect = blocks.dialect();
        let mut source = RowSource::Blocks {
            blocks,
            dialect,
            first: None,
        };
        let header = source.header().unwrap().unwrap();
        let labels: Vec<&str> = header.iter().map(String::as_str).collect();
        let (plan, _) = Plan::new(&schema, &labels, &tableschema::Options::default());
        let layout = Layout::new(&schema, &plan, &header);
        let (to_inserter, filled) = std::sync::mpsc::sync_channel(16);
        // No block comes back: the checker makes new ones.
        let (_, emptied) = std::sync::mpsc::channel();
        let flow = BlockFlow {
            to_inserter,
            emptied,
            width: layout.columns.len(),
            made: std::cell::Cell::new(0),
            text_bytes: std::cell::Cell::new(0),
        };
        let rows_read = AtomicU64::new(0);
        let (part, encoding_errors) =
            match check_rows(&mut source, &plan, &layout, &schema, &flow, &rows_read) {
                Ok(checked) => checked,
                Err(_) => panic!("the rows should be read"),
            };
        drop(flow);
        assert!(encoding_errors.is_empty());
        let report = plan.finish(Vec::new(), [(0, part)]);
        assert_eq!(report.stats.rows, 4, "{report:?}");
        let sent: Vec<RowBlock> = filled.into_iter().collect();
        assert!(sent.len() >= 3, "one block per block of the file");
        assert_eq!(rows_read.load(Ordering::Relaxed), 3);
        let table: Vec<Vec<String>> = sent
            .iter()
            .flat_map(|block| {
                block
                    .rows()
                    .map(|row| {
                        row.iter()
                            .map(|cell| shown(block, cell))
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(
            table,
            [
                // A quoted cell with doubled quotes is unescaped, so copied.
                ["<'Albi'>", "r'2026-11-30'", "'dit \"oui\"'"],
                ["<'Castres'>", "<'30/11/2026'>", "<'simple'>"],
                ["<'Rodez'>", "NULL", "NULL"],
            ]
        );
    }

    /// A sink taking every cell through [`ValueSink::value`], as a sink that does not override
    /// `scalar` and `missing` gets them.
    struct ThroughValues<'r, 'a, 's>(BlockRow<'r, 'a, 's>);

    impl<'a> tableschema::ValueSink<'a> for ThroughValues<'_, 'a, '_> {
        fn value(&mut self, position: usize, value: tableschema::Value<'a>) {
            self.0.value(position, value);
        }
    }

    #[test]
    fn cells_set_from_scalars_are_those_set_from_values() {
        let descriptor = json!({"missingValues": ["", "NA"], "fields": [
            {"name": "texte", "type": "string"},
            {"name": "montant", "type": "number"},
            {"name": "nombre", "type": "integer"},
            {"name": "oui", "type": "boolean"},
            {"name": "jour", "type": "date"},
            {"name": "heure", "type": "time"},
            {"name": "moment", "type": "datetime"},
            {"name": "annee", "type": "year"}
        ]});
        let (schema, _) = Schema::from_json(&descriptor).unwrap();
        let header: Vec<String> = schema.fields().iter().map(|f| f.name.clone()).collect();
        let labels: Vec<&str> = header.iter().map(String::as_str).collect();
        let (plan, _) = Plan::new(&schema, &labels, &tableschema::Options::default());
        let layout = Layout::new(&schema, &plan, &header);
        let file_columns = FileColumn::all(&plan, &layout, &schema);
        let rows: [&[&str]; 4] = [
            &[
                "Albi",
                "3.5",
                "-12",
                "true",
                "2026-11-30",
                "08:30:00",
                "2026-11-30T08:30:00Z",
                "2026",
            ],
            &["", "NA", "", "NA", "", "NA", "", "NA"],
            &[
                "NA",
                "abc",
                "1.5",
                "peut-être",
                "30/11/2026",
                "8h",
                "hier",
                "deux",
            ],
            &["Castres", "0"],
        ];
        let fill = |through_values: bool| {
            let mut block = RowBlock::new(layout.columns.len());
            let mut part = plan.new_part();
            for (number, cells) in rows.iter().enumerate() {
                block.start_row();
                let row = BlockRow {
                    block: &mut block,
                    cells,
                    file_columns: &file_columns,
                };
                let number = number as u64 + 1;
                match through_values {
                    true => plan.check_row_into(&mut part, number, cells, &mut ThroughValues(row)),
                    false => plan.check_row_into(&mut part, number, cells, &mut { row }),
                }
                block.end_row();
            }
            let table: Vec<Vec<String>> = block
                .rows()
                .map(|row| row.iter().map(|cell| shown(&block, cell)).collect())
                .collect();
            table
        };
        let from_scalars = fill(false);
        assert_eq!(from_scalars, fill(true));
        assert_eq!(
            from_scalars[0],
            [
                "'Albi'",
                "3.5f",
                "-12i",
                "true",
                "r'2026-11-30'",
                "r'08:30:00'",
                "r'2026-11-30T08:30:00'",
                "2026i"
            ]
        );
        assert!(from_scalars[1].iter().all(|cell| cell == "NULL"));
    }

    #[test]
    fn values_of_a_file_in_another_order_land_in_their_table_columns() {
        // `subset`: columns paired by name, in any order, extra ones allowed.
        let descriptor = json!({"fieldsMatch": "subset", "fields": [
            {"name": "nom", "type": "string"},
            {"name": "montant", "type": "number"},
            {"name": "jour", "type": "date"}
        ]});
        let (schema, _) = Schema::from_json(&descriptor).unwrap();
        let header: Vec<String> = ["jour", "remarque", "montant", "nom", "nom"]
            .map(String::from)
            .to_vec();
        let labels: Vec<&str> = header.iter().map(String::as_str).collect();
        let (plan, _) = Plan::new(&schema, &labels, &tableschema::Options::default());
        let layout = Layout::new(&schema, &plan, &header);
        let names: Vec<&str> = layout.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["nom", "montant", "jour", "remarque"]);
        let file_columns = FileColumn::all(&plan, &layout, &schema);
        let mut block = RowBlock::new(layout.columns.len());
        let mut part = plan.new_part();
        let rows = [
            ["2026-11-30", "à voir", "3.5", "Toulouse", "doublon"],
            ["30/11/2026", "", "abc", "Albi", ""],
        ];
        for (number, cells) in rows.iter().enumerate() {
            block.start_row();
            let mut row = BlockRow {
                block: &mut block,
                cells,
                file_columns: &file_columns,
            };
            plan.check_row_into(&mut part, number as u64 + 1, cells, &mut row);
            block.end_row();
        }
        let table: Vec<Vec<String>> = block
            .rows()
            .map(|row| row.iter().map(|cell| shown(&block, cell)).collect())
            .collect();
        assert_eq!(
            table,
            [
                ["'Toulouse'", "3.5f", "r'2026-11-30'", "'à voir'"],
                // Cells failing their type keep their text; an empty extra cell is null.
                ["'Albi'", "'abc'", "'30/11/2026'", "NULL"],
            ]
        );
    }
}
