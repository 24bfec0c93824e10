//! Moving a whole instance between databases (`socle export` / `socle import`): SQLite to
//! PostgreSQL and back, losslessly.
//!
//! A dump is a directory:
//! - `manifest.json`: format and version, Socle's version, the source engine, each table's file
//!   with its row count and SHA-256, the highest id each table ever handed out (so deleted ids
//!   are never given again), and the number of original files;
//! - `tables/<table>.ndjson`: one JSON object per row, keyed by column name, in primary-key
//!   order (the tables and what does not move are listed in `store::dump::TABLES`);
//! - `blobs/<sha256>`: every version's original file, named by its SHA-256.
//!
//! The tables are read from one snapshot of the database, so a running instance can be
//! exported (blobs are never deleted, so every version read finds its original file).
//!
//! Two dumps of the same instance are byte-identical whatever its engine, except
//! `source_engine` in the manifest (and `indexes` of a version whose index build had not
//! finished when the first dump was made: the import builds every index).
//!
//! An import goes into an empty instance only. It checks every file's SHA-256 before writing
//! anything, inserts the rows with their original ids and timestamps, copies the original files
//! into the blob store, rebuilds each kept version table from its original file through the
//! publication load path (`publish::reload_rows`: same casts, so the same typed rows), then
//! builds the indexes (the usual job). Not moved: sessions (everyone signs in again) and jobs
//! (history of the old database). An import that fails midway leaves a partial instance: start
//! again from an empty one.
//!
//! Memory stays constant in the number of rows and versions: tables are streamed, imported in
//! batches and read again where a second pass is needed.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use model::{SchemaRef, Sha256, VersionId, VersionStatus};
use serde_json::json;
use sha2::Digest;
use store::Store;
use store::dump::{DumpRow, DumpTable, TABLES};

use crate::Catalogue;
use crate::access::{Actor, require_instance_admin};
use crate::error::{Error, Result};
use crate::publish::{self, Original};

/// The `format` of a dump's manifest.
pub const FORMAT: &str = "socle-dump";
/// The version of the dump format this program writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// Rows per transaction while importing.
const IMPORT_BATCH: usize = 1_000;

/// What an export or an import moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// Rows per table, in `TABLES` order.
    pub tables: Vec<(String, u64)>,
    /// Original files.
    pub blobs: u64,
    /// Version tables rebuilt (import only).
    pub rebuilt: u64,
}

impl Catalogue {
    /// [`export`], for instance administrators.
    pub fn export_instance(
        &self,
        actor: &Actor,
        out: &Path,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Moved> {
        require_instance_admin(actor, "l'export de l'instance")?;
        export(self.store(), out, progress)
    }

    /// [`import`], for instance administrators.
    pub fn import_instance(
        &self,
        actor: &Actor,
        dump: &Path,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Moved> {
        require_instance_admin(actor, "l'import d'une instance")?;
        import(self.store(), dump, progress)
    }
}

/// Writes the whole instance into `out`, a new or empty directory. `progress` hears each
/// step, in French.
pub fn export(store: &Store, out: &Path, progress: &mut dyn FnMut(&str)) -> Result<Moved> {
    prepare_output(out)?;
    fs::create_dir_all(out.join("tables")).map_err(io_error(out))?;
    fs::create_dir_all(out.join("blobs")).map_err(io_error(out))?;
    let mut moved = Moved::default();
    let mut tables = Vec::new();
    let mut current: Option<TableFile> = None;
    store.dump_rows(|table, row| -> Result<()> {
        let file = match &mut current {
            Some(file) if file.table.name == table.name => file,
            _ => current.insert(TableFile::create(out, table)?),
        };
        let Some(row) = row else {
            let file = current.take().expect("the table's file was just opened");
            let (rows, sha256) = (file.rows, file.finish()?);
            progress(&format!("{} : {rows} lignes", table.name));
            tables.push(json!({ "name": table.name, "file": table_file(table), "rows": rows, "sha256": sha256.to_hex() }));
            moved.tables.push((table.name.to_owned(), rows));
            return Ok(());
        };
        if table.name == "version" {
            moved.blobs += export_blob(store, out, &row)?;
        }
        file.write(&row)
    })?;
    let sequences: serde_json::Map<String, serde_json::Value> = store
        .id_sequences()?
        .into_iter()
        .map(|(table, last)| (table, json!(last)))
        .collect();
    let engine = store.schema_version()?.0;
    let manifest = json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "socle_version": env!("CARGO_PKG_VERSION"),
        "source_engine": engine,
        "tables": tables,
        "sequences": sequences,
        "blobs": moved.blobs,
    });
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|error| Error::Internal(format!("manifeste : {error}")))?;
    let path = out.join("manifest.json");
    fs::write(&path, format!("{text}\n")).map_err(io_error(&path))?;
    progress(&format!("{} fichiers d'origine", moved.blobs));
    Ok(moved)
}

/// Reads a dump written by [`export`] into `store`, which must be empty (no organisation,
/// account, dataset nor version). Every file is checked before anything is written.
pub fn import(store: &Store, dump: &Path, progress: &mut dyn FnMut(&str)) -> Result<Moved> {
    let manifest = read_manifest(dump)?;
    verify_files(dump, &manifest, progress)?;
    store.prepare_import()?;
    let mut moved = Moved::default();
    for table in TABLES {
        let rows = import_table(store, dump, table)?;
        progress(&format!("{} : {rows} lignes", table.name));
        moved.tables.push((table.name.to_owned(), rows));
    }
    for table in TABLES.iter().filter(|table| !table.deferred.is_empty()) {
        for_each_batch(dump, table, &mut |batch| {
            Ok(store.import_deferred(table, batch)?)
        })?;
    }
    moved.blobs = import_blobs(store, dump)?;
    progress(&format!("{} fichiers d'origine", moved.blobs));
    moved.rebuilt = rebuild_tables(store, dump, progress)?;
    store.set_id_sequences(&manifest.sequences)?;
    let jobs = store.run_waiting_jobs(&mut |_, _| {})?;
    progress(&format!("index construits ({jobs} tâches)"));
    Ok(moved)
}

/// One table's file being written by [`export`].
struct TableFile {
    table: &'static DumpTable,
    path: PathBuf,
    writer: HashingWriter<BufWriter<File>>,
    rows: u64,
}

impl TableFile {
    fn create(out: &Path, table: &'static DumpTable) -> Result<TableFile> {
        let path = out.join(table_file(table));
        let writer = HashingWriter::new(BufWriter::new(
            File::create(&path).map_err(io_error(&path))?,
        ));
        Ok(TableFile {
            table,
            path,
            writer,
            rows: 0,
        })
    }

    fn write(&mut self, row: &DumpRow) -> Result<()> {
        serde_json::to_writer(&mut self.writer, row).map_err(|error| {
            Error::Internal(format!("écriture de {} : {error}", self.path.display()))
        })?;
        self.writer.write_all(b"\n").map_err(io_error(&self.path))?;
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> Result<Sha256> {
        self.writer.finish().map_err(io_error(&self.path))
    }
}

/// What [`import`] needs from `manifest.json`.
struct Manifest {
    /// Relative path and SHA-256 of each table file, in `TABLES` order.
    files: Vec<(String, Sha256)>,
    sequences: Vec<(String, i64)>,
}

fn read_manifest(dump: &Path) -> Result<Manifest> {
    let path = dump.join("manifest.json");
    let text = fs::read_to_string(&path).map_err(io_error(&path))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        Error::Invalid(format!(
            "manifeste illisible ({}) : {error}",
            path.display()
        ))
    })?;
    if value["format"] != FORMAT {
        return Err(Error::Invalid(format!(
            "{} n'est pas le manifeste d'un export Socle",
            path.display()
        )));
    }
    if value["format_version"] != FORMAT_VERSION {
        return Err(Error::Invalid(format!(
            "format d'export {} non pris en charge (cette version de Socle lit le format {FORMAT_VERSION})",
            value["format_version"]
        )));
    }
    let bad = |what: &str| Error::Invalid(format!("manifeste incomplet : {what}"));
    let listed = value["tables"].as_array().ok_or_else(|| bad("tables"))?;
    if listed.len() != TABLES.len() {
        return Err(bad("liste des tables"));
    }
    let mut files = Vec::new();
    for (table, entry) in TABLES.iter().zip(listed) {
        if entry["name"] != table.name || entry["file"] != table_file(table).as_str() {
            return Err(bad(&format!("table {}", table.name)));
        }
        let sha256 = entry["sha256"]
            .as_str()
            .and_then(|hex| Sha256::parse_hex(hex).ok())
            .ok_or_else(|| bad(&format!("empreinte de la table {}", table.name)))?;
        files.push((table_file(table), sha256));
    }
    let sequences = value["sequences"]
        .as_object()
        .ok_or_else(|| bad("sequences"))?
        .iter()
        .map(|(table, last)| {
            Ok((
                table.clone(),
                last.as_i64().ok_or_else(|| bad("sequences"))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Manifest { files, sequences })
}

/// Checks every table file against the manifest and every original file against its name.
fn verify_files(dump: &Path, manifest: &Manifest, progress: &mut dyn FnMut(&str)) -> Result<()> {
    for (relative, expected) in &manifest.files {
        let path = dump.join(relative);
        let actual = hash_file(&path)?;
        if actual != *expected {
            return Err(corrupted(&path, &actual, expected));
        }
    }
    let mut blobs = 0u64;
    for (path, expected) in blob_files(dump)? {
        let actual = hash_file(&path)?;
        if actual != expected {
            return Err(corrupted(&path, &actual, &expected));
        }
        blobs += 1;
    }
    progress(&format!(
        "export vérifié : {} tables, {blobs} fichiers d'origine intacts",
        manifest.files.len()
    ));
    Ok(())
}

fn corrupted(path: &Path, actual: &Sha256, expected: &Sha256) -> Error {
    Error::Invalid(format!(
        "export corrompu : {} a l'empreinte SHA-256 {actual}, {expected} attendue ; rien n'a été importé",
        path.display()
    ))
}

/// Inserts one table's rows in batches; versions whose table is to be rebuilt enter as
/// `pending` (their rows are loaded by [`rebuild_tables`]).
fn import_table(store: &Store, dump: &Path, table: &'static DumpTable) -> Result<u64> {
    let mut rows = 0u64;
    for_each_batch(dump, table, &mut |batch| {
        if table.name == "version" {
            for row in batch.iter_mut() {
                if row.get("has_table") == Some(&json!(true)) {
                    row.insert("status".to_owned(), json!("pending"));
                    row.insert("indexes".to_owned(), json!("building"));
                }
            }
        }
        store.import_rows(table, batch)?;
        rows += batch.len() as u64;
        Ok(())
    })?;
    Ok(rows)
}

/// Reads a table file in batches of [`IMPORT_BATCH`] rows.
fn for_each_batch(
    dump: &Path,
    table: &DumpTable,
    visit: &mut dyn FnMut(&mut Vec<DumpRow>) -> Result<()>,
) -> Result<()> {
    let path = dump.join(table_file(table));
    let reader = BufReader::new(File::open(&path).map_err(io_error(&path))?);
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(io_error(&path))?;
        let row: DumpRow = serde_json::from_str(&line).map_err(|error| {
            Error::Invalid(format!("{}, ligne {} : {error}", path.display(), index + 1))
        })?;
        batch.push(row);
        if batch.len() == IMPORT_BATCH {
            visit(&mut batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        visit(&mut batch)?;
    }
    Ok(())
}

/// Copies the dump's original files into the blob store, checking each address.
fn import_blobs(store: &Store, dump: &Path) -> Result<u64> {
    let mut count = 0;
    for (path, expected) in blob_files(dump)? {
        let stored = store.put_blob(File::open(&path).map_err(io_error(&path))?)?;
        if stored.sha256 != expected {
            return Err(corrupted(&path, &stored.sha256, &expected));
        }
        count += 1;
    }
    Ok(count)
}

/// Loads again, from its original file, the table of every version that had one.
fn rebuild_tables(store: &Store, dump: &Path, progress: &mut dyn FnMut(&str)) -> Result<u64> {
    let table = store::dump::table("version").expect("the version table moves");
    let mut rebuilt = 0u64;
    for_each_batch(dump, table, &mut |batch| {
        for row in batch
            .iter()
            .filter(|row| row.get("has_table") == Some(&json!(true)))
        {
            rebuild_table(store, row)?;
            rebuilt += 1;
        }
        progress(&format!("{rebuilt} tables de versions rechargées"));
        Ok(())
    })?;
    Ok(rebuilt)
}

fn rebuild_table(store: &Store, row: &DumpRow) -> Result<()> {
    let bad = |what: &str| {
        Error::Invalid(format!(
            "version illisible dans l'export ({what}) : {}",
            json!(row)
        ))
    };
    let int = |key: &str| row.get(key).and_then(serde_json::Value::as_i64);
    let text = |key: &str| row.get(key).and_then(serde_json::Value::as_str);
    let version = VersionId(int("version_id").ok_or_else(|| bad("version_id"))?);
    let resource = model::ResourceId(int("resource_id").ok_or_else(|| bad("resource_id"))?);
    let sha256 = text("sha256")
        .and_then(|hex| Sha256::parse_hex(hex).ok())
        .ok_or_else(|| bad("sha256"))?;
    let status = text("status")
        .and_then(|status| VersionStatus::parse(status).ok())
        .ok_or_else(|| bad("status"))?;
    let row_count = int("row_count")
        .and_then(|count| u64::try_from(count).ok())
        .ok_or_else(|| bad("row_count"))?;
    let columns = store::dump::parse_columns(text("columns").ok_or_else(|| bad("columns"))?)?;
    let schema = text("schema_name")
        .zip(text("schema_version"))
        .map(|(name, version)| SchemaRef {
            name: name.to_owned(),
            version: version.to_owned(),
        });
    let report: Option<serde_json::Value> =
        text("report").and_then(|report| serde_json::from_str(report).ok());
    let original = Original {
        version,
        sha256: &sha256,
        filename: text("filename"),
        schema: schema.as_ref(),
        report: report.as_ref(),
    };
    let mut load = store.begin_restored_version(version, resource, &columns)?;
    publish::reload_rows(store, &original, &columns, &mut load)?;
    store.finish_restored_version(load, status, row_count)?;
    Ok(())
}

/// The original files of a dump, with the address each one's name claims.
fn blob_files(dump: &Path) -> Result<Vec<(PathBuf, Sha256)>> {
    let directory = dump.join("blobs");
    let mut files = Vec::new();
    for entry in fs::read_dir(&directory).map_err(io_error(&directory))? {
        let path = entry.map_err(io_error(&directory))?.path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let sha256 = Sha256::parse_hex(name).map_err(|_| {
            Error::Invalid(format!(
                "fichier inattendu dans l'export : {}",
                path.display()
            ))
        })?;
        files.push((path, sha256));
    }
    files.sort();
    Ok(files)
}

/// Copies a version's original file into the dump (once per address); returns 1 if copied.
fn export_blob(store: &Store, out: &Path, row: &DumpRow) -> Result<u64> {
    let sha256 = row
        .get("sha256")
        .and_then(serde_json::Value::as_str)
        .and_then(|hex| Sha256::parse_hex(hex).ok())
        .ok_or_else(|| Error::Internal(format!("version sans empreinte : {}", json!(row))))?;
    let target = out.join("blobs").join(sha256.to_hex());
    if target.exists() {
        return Ok(0);
    }
    let partial = target.with_extension("part");
    let mut writer = HashingWriter::new(BufWriter::new(
        File::create(&partial).map_err(io_error(&partial))?,
    ));
    std::io::copy(&mut store.open_blob(&sha256)?, &mut writer).map_err(io_error(&partial))?;
    let actual = writer.finish().map_err(io_error(&partial))?;
    if actual != sha256 {
        return Err(Error::Internal(format!(
            "le fichier d'origine {sha256} est altéré (empreinte actuelle {actual}) : lancez `socle check`"
        )));
    }
    fs::rename(&partial, &target).map_err(io_error(&target))?;
    Ok(1)
}

/// An export goes into a new or empty directory, never over another dump.
fn prepare_output(out: &Path) -> Result<()> {
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::Conflict(format!(
                    "le dossier {} n'est pas vide : choisissez un dossier neuf pour l'export",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(io_error(out))
        }
        Err(error) => Err(io_error(out)(error)),
    }
}

fn table_file(table: &DumpTable) -> String {
    format!("tables/{}.ndjson", table.name)
}

fn hash_file(path: &Path) -> Result<Sha256> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = HashingWriter::new(std::io::sink());
    std::io::copy(&mut file, &mut hasher).map_err(io_error(path))?;
    hasher.finish().map_err(io_error(path))
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |error| Error::Invalid(format!("{} : {error}", path.display()))
}

/// Writes through while computing the SHA-256 of what was written.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: sha2::Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    fn finish(mut self) -> std::io::Result<Sha256> {
        self.inner.flush()?;
        Ok(Sha256(self.hasher.finalize().into()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
