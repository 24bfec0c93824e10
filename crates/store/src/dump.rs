//! Moving a whole instance between engines (`socle export` / `socle import`): the catalogue's
//! tables read and written row by row, as JSON objects keyed by column name.
//!
//! Both engines store the same columns with the same text formats (timestamps, codes, JSON
//! lists), booleans apart (0/1 on SQLite, `BOOLEAN` on PostgreSQL): a row read from one engine
//! and written to the other is the same row. [`TABLES`] lists what moves, in an order that
//! satisfies the foreign keys; what does not move is said there. The dump format itself
//! (files, manifest, checksums) belongs to `catalogue::moving`.
//!
//! Version tables are not copied row by row: the importer rebuilds each one from the version's
//! original file through the publication load path ([`Store::begin_restored_version`], rows
//! appended with [`LoadHandle::append`], [`Store::finish_restored_version`]), so typed rows are
//! exactly what a publication produces, and the indexes follow in the usual job.

use model::{ColumnDef, VersionId, VersionStatus};

use crate::error::{Error, Result};
use crate::{Engine, LoadHandle, Store};

/// One row of a dumped table: column name → value (number, text, boolean or null).
pub type DumpRow = serde_json::Map<String, serde_json::Value>;

/// How a column's values are written in a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Text,
    Boolean,
    /// Computed at export, never written back (`version.has_table`: whether the version's rows
    /// table exists, so that the importer knows which tables to rebuild).
    Computed,
}

/// A table that moves with the instance.
#[derive(Debug)]
pub struct DumpTable {
    pub name: &'static str,
    /// Rows are exported in this order (a primary key), so that two dumps of the same instance
    /// are byte-identical.
    pub order_by: &'static str,
    pub columns: &'static [(&'static str, ColumnKind)],
    /// Columns that point forward in [`TABLES`] (`resource.live_version_id`): inserted as NULL,
    /// set by [`Store::import_deferred`] once the rows they name exist.
    pub deferred: &'static [&'static str],
    /// Referentials: the target's own rows are replaced (an empty instance may have them).
    pub replaces: bool,
    /// Rows left out (`version`: pending versions, which are crash leftovers).
    pub filter: Option<&'static str>,
}

use ColumnKind::{Boolean, Computed, Integer, Text};

/// The defaults of a catalogue table (its entries name the rest).
const CATALOGUE_TABLE: DumpTable = DumpTable {
    name: "",
    order_by: "",
    columns: &[],
    deferred: &[],
    replaces: false,
    filter: None,
};

/// The defaults of a referential table: replaced by an import.
const REFERENTIAL_TABLE: DumpTable = DumpTable {
    replaces: true,
    ..CATALOGUE_TABLE
};

/// Every table that moves, in insertion order. Not moved: `jobs` (finished jobs are history
/// of this database; unfinished index builds are redone by the importer), `session` (everyone
/// signs in again), the version tables (rebuilt from the original files) and their indexes,
/// `version_facet_value` (the importer's index jobs count the values again).
pub const TABLES: &[DumpTable] = &[
    DumpTable {
        name: "organisation",
        order_by: "organisation_id",
        columns: &[
            ("organisation_id", Integer),
            ("siren", Text),
            ("name", Text),
            ("kind", Text),
            ("territory", Text),
            ("contact_email", Text),
            ("logo_url", Text),
            ("created_at", Text),
            ("modified_at", Text),
            ("archived_at", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "user_account",
        order_by: "user_id",
        columns: &[
            ("user_id", Integer),
            ("email", Text),
            ("display_name", Text),
            ("password_hash", Text),
            ("is_admin", Boolean),
            ("created_at", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "membership",
        order_by: "user_id, organisation_id",
        columns: &[
            ("user_id", Integer),
            ("organisation_id", Integer),
            ("role", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "api_token",
        order_by: "api_token_id",
        columns: &[
            ("api_token_id", Integer),
            ("user_id", Integer),
            ("token_hash", Text),
            ("label", Text),
            ("scopes", Text),
            ("expires_at", Text),
            ("created_at", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "dataset",
        order_by: "dataset_id",
        columns: &[
            ("dataset_id", Integer),
            ("slug", Text),
            ("title", Text),
            ("description", Text),
            ("licence", Text),
            ("themes", Text),
            ("keywords", Text),
            ("frequency", Text),
            ("temporal_start", Text),
            ("temporal_end", Text),
            ("spatial", Text),
            ("producer_id", Integer),
            ("publisher_id", Integer),
            ("state", Text),
            ("remote_id", Text),
            ("source_url", Text),
            ("created_at", Text),
            ("modified_at", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "resource",
        order_by: "resource_id",
        columns: &[
            ("resource_id", Integer),
            ("dataset_id", Integer),
            ("title", Text),
            ("description", Text),
            ("format", Text),
            ("schema_name", Text),
            ("schema_version", Text),
            ("remote_url", Text),
            ("policy", Text),
            ("live_version_id", Integer),
            ("created_at", Text),
            ("modified_at", Text),
            ("archived_at", Text),
        ],
        deferred: &["live_version_id"],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "version",
        order_by: "version_id",
        columns: &[
            ("version_id", Integer),
            ("resource_id", Integer),
            ("sha256", Text),
            ("size", Integer),
            ("media_type", Text),
            ("filename", Text),
            ("origin", Text),
            ("received_by", Integer),
            ("received_at", Text),
            ("report", Text),
            ("row_count", Integer),
            ("status", Text),
            ("conformant", Boolean),
            ("schema_name", Text),
            ("schema_version", Text),
            ("producer_id", Integer),
            ("columns", Text),
            ("indexes", Text),
            ("has_table", Computed),
        ],
        filter: Some("status <> 'pending'"),
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "live_period",
        order_by: "version_id, live_from",
        columns: &[
            ("resource_id", Integer),
            ("version_id", Integer),
            ("live_from", Text),
            ("live_until", Text),
        ],
        ..CATALOGUE_TABLE
    },
    DumpTable {
        name: "ref_region",
        order_by: "code",
        columns: &[
            ("code", Text),
            ("name", Text),
            ("chef_lieu", Text),
            ("zone", Text),
        ],
        ..REFERENTIAL_TABLE
    },
    DumpTable {
        name: "ref_departement",
        order_by: "code",
        columns: &[
            ("code", Text),
            ("name", Text),
            ("region_code", Text),
            ("chef_lieu", Text),
            ("zone", Text),
        ],
        ..REFERENTIAL_TABLE
    },
    DumpTable {
        name: "ref_epci",
        order_by: "siren",
        columns: &[
            ("siren", Text),
            ("name", Text),
            ("kind", Text),
            ("financing", Text),
            ("population_total", Integer),
            ("population_municipal", Integer),
            ("commune_count", Integer),
        ],
        ..REFERENTIAL_TABLE
    },
    DumpTable {
        name: "ref_commune",
        order_by: "code_insee",
        columns: &[
            ("code_insee", Text),
            ("name", Text),
            ("zone", Text),
            ("population", Integer),
            ("departement_code", Text),
            ("region_code", Text),
            ("arrondissement_code", Text),
            ("siren", Text),
            ("epci_siren", Text),
            ("postal_codes", Text),
        ],
        ..REFERENTIAL_TABLE
    },
];

/// The tables whose ids come from a sequence, with their id column: the highest id ever
/// handed out moves too, so that an id once deleted is never given again.
pub const SEQUENCES: &[(&str, &str)] = &[
    ("organisation", "organisation_id"),
    ("user_account", "user_id"),
    ("api_token", "api_token_id"),
    ("dataset", "dataset_id"),
    ("resource", "resource_id"),
    ("version", "version_id"),
];

/// The table named `name` in [`TABLES`].
pub fn table(name: &str) -> Option<&'static DumpTable> {
    TABLES.iter().find(|table| table.name == name)
}

impl DumpTable {
    /// The columns written back on import (computed ones are not).
    pub(crate) fn stored_columns(&self) -> impl Iterator<Item = (&'static str, ColumnKind)> {
        self.columns
            .iter()
            .copied()
            .filter(|(_, kind)| *kind != Computed)
    }

    /// The kind of one of the table's columns (Text for an unknown name: never the case for
    /// the constants of [`TABLES`], checked by a test).
    pub(crate) fn kind_of(&self, column: &str) -> ColumnKind {
        self.columns
            .iter()
            .find(|(name, _)| *name == column)
            .map_or(Text, |(_, kind)| *kind)
    }

    /// The value of `column` in `row`, checked against its kind, as the engines bind it.
    pub(crate) fn cell(
        &self,
        row: &DumpRow,
        column: &str,
        kind: ColumnKind,
    ) -> Result<ImportValue> {
        let value = row.get(column).unwrap_or(&serde_json::Value::Null);
        let bad = || {
            Error::Invalid(format!(
                "table {} : valeur inattendue pour la colonne {column} : {value}",
                self.name
            ))
        };
        Ok(match (value, kind) {
            (serde_json::Value::Null, _) => ImportValue::Null,
            (serde_json::Value::Number(number), Integer) => {
                ImportValue::Integer(number.as_i64().ok_or_else(bad)?)
            }
            (serde_json::Value::String(text), Text) => ImportValue::Text(text.clone()),
            (serde_json::Value::Bool(flag), Boolean) => ImportValue::Boolean(*flag),
            _ => return Err(bad()),
        })
    }
}

impl DumpTable {
    /// `SELECT <columns> FROM <table> [WHERE <filter>] ORDER BY <order>`; `computed` gives the
    /// engine's expression for a computed column, `text_order` what follows a text column in
    /// the ORDER BY (PostgreSQL's `COLLATE "C"`: both engines then sort text bytewise, so their
    /// dumps are identical). Names are constants of [`TABLES`], never input.
    pub(crate) fn select_sql(&self, computed: impl Fn(&str) -> String, text_order: &str) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(name, kind)| match kind {
                Computed => computed(name),
                _ => (*name).to_owned(),
            })
            .collect();
        let filter = self
            .filter
            .map_or_else(String::new, |filter| format!(" WHERE {filter}"));
        let order: Vec<String> = self
            .order_by
            .split(", ")
            .map(|column| match self.kind_of(column) {
                Text => format!("{column}{text_order}"),
                _ => column.to_owned(),
            })
            .collect();
        format!(
            "SELECT {} FROM {}{filter} ORDER BY {}",
            columns.join(", "),
            self.name,
            order.join(", ")
        )
    }

    /// `INSERT INTO <table> (<stored columns>) VALUES (<placeholders>)`; `placeholder(i)` is the
    /// engine's i-th parameter (1-based).
    pub(crate) fn insert_sql(&self, placeholder: impl Fn(usize) -> String) -> String {
        let names: Vec<&str> = self.stored_columns().map(|(name, _)| name).collect();
        let values: Vec<String> = (1..=names.len()).map(placeholder).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.name,
            names.join(", "),
            values.join(", ")
        )
    }

    /// `UPDATE <table> SET <column> = <placeholder 1> WHERE <key> = <placeholder 2>`, for a
    /// deferred column (keyed by the table's first column, its id).
    pub(crate) fn deferred_sql(
        &self,
        column: &str,
        placeholder: impl Fn(usize) -> String,
    ) -> String {
        format!(
            "UPDATE {} SET {column} = {} WHERE {} = {}",
            self.name,
            placeholder(1),
            self.columns[0].0,
            placeholder(2)
        )
    }

    /// The values of a row to insert, in [`DumpTable::stored_columns`] order; deferred
    /// columns are NULL.
    pub(crate) fn import_values(&self, row: &DumpRow) -> Result<Vec<(ColumnKind, ImportValue)>> {
        self.stored_columns()
            .map(|(name, kind)| {
                let value = if self.deferred.contains(&name) {
                    ImportValue::Null
                } else {
                    self.cell(row, name, kind)?
                };
                Ok((kind, value))
            })
            .collect()
    }
}

/// Refuses an import into an instance that already has catalogue rows.
pub(crate) const NON_EMPTY_SQL: &str = "SELECT (SELECT count(*) FROM organisation) + (SELECT count(*) FROM user_account) \
     + (SELECT count(*) FROM dataset) + (SELECT count(*) FROM version)";

pub(crate) fn not_empty(count: i64) -> Result<()> {
    if count == 0 {
        return Ok(());
    }
    Err(Error::Conflict(format!(
        "l'instance cible n'est pas vide (elle a déjà {count} organisations, comptes, jeux de données et versions en tout) : \
         un import se fait dans une instance neuve (dossier des données et base vides)"
    )))
}

/// One value to write, already checked against its column's kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ImportValue {
    Null,
    Integer(i64),
    Text(String),
    Boolean(bool),
}

impl Store {
    /// Streams the rows of every table of [`TABLES`], in order, from one snapshot of the
    /// database (a consistent dump of a running instance; constant memory): `visit` hears each
    /// row, then `None` at the end of each table. It may stop early with an error, passed
    /// through.
    pub fn dump_rows<E: From<Error>>(
        &self,
        mut visit: impl FnMut(&'static DumpTable, Option<DumpRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        dispatch!(self, engine => engine.dump_rows(&mut visit))
    }

    /// The highest id each table of [`SEQUENCES`] ever handed out (0: none yet).
    pub fn id_sequences(&self) -> Result<Vec<(String, i64)>> {
        dispatch!(self, engine => engine.id_sequences())
    }

    /// Makes the next id of each named table follow `last` (after an import with original ids).
    pub fn set_id_sequences(&self, sequences: &[(String, i64)]) -> Result<()> {
        for (table, _) in sequences {
            if !SEQUENCES.iter().any(|(name, _)| name == table) {
                return Err(Error::Invalid(format!("table sans identifiant : {table}")));
            }
        }
        dispatch!(self, engine => engine.set_id_sequences(sequences))
    }

    /// Readies an instance for [`Store::import_rows`]: refuses (with [`Error::Conflict`]) an
    /// instance that holds organisations, users, datasets or versions, and empties the tables
    /// an import replaces (referentials).
    pub fn prepare_import(&self) -> Result<()> {
        dispatch!(self, engine => engine.prepare_import())
    }

    /// Inserts rows of `table` with their original ids, in one transaction; deferred columns
    /// are left NULL (see [`Store::import_deferred`]). Only for an instance readied by
    /// [`Store::prepare_import`]: nothing checks permissions or history here.
    pub fn import_rows(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        dispatch!(self, engine => engine.import_rows(table, rows))
    }

    /// Sets the deferred columns of rows already imported by [`Store::import_rows`].
    pub fn import_deferred(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        if table.deferred.is_empty() {
            return Ok(());
        }
        dispatch!(self, engine => engine.import_deferred(table, rows))
    }

    /// Starts rebuilding the rows table of an imported version, which [`Store::import_rows`]
    /// recorded as `pending`: creates its staging table and returns the handle that loads it,
    /// as a publication does.
    pub fn begin_restored_version(
        &self,
        version: VersionId,
        resource: model::ResourceId,
        columns: &[ColumnDef],
    ) -> Result<LoadHandle> {
        let locks = self.load_locks(resource)?;
        dispatch!(self, engine => engine.begin_restored_version(version, columns))?;
        Ok(LoadHandle::new((version, resource), columns, locks, true))
    }

    /// Ends a rebuild: in one transaction, renames the staging table into view, gives the
    /// version back its `status` (published or superseded), marks its indexes `building` and
    /// enqueues the job that builds them. Fails if the table does not hold `row_count` rows.
    pub fn finish_restored_version(
        &self,
        mut load: LoadHandle,
        status: VersionStatus,
        row_count: u64,
    ) -> Result<()> {
        if load.rows_loaded != row_count {
            return Err(Error::Corrupt(format!(
                "version {} : {} lignes rechargées depuis le fichier d'origine, {row_count} attendues",
                load.version, load.rows_loaded
            )));
        }
        if status == VersionStatus::Rejected {
            return Err(Error::Invalid(format!(
                "version {} : une version rejetée n'a pas de table",
                load.version
            )));
        }
        load.finished = true;
        let store = load.store.clone();
        let finished =
            dispatch!(store, engine => engine.finish_restored_version(load.version, status));
        if finished.is_err() {
            load.finished = false; // Drop discards the staging table.
        }
        finished
    }
}

/// A version's columns as stored (`version.columns`, JSON), for the importer.
pub fn parse_columns(text: &str) -> Result<Vec<ColumnDef>> {
    crate::sqlite::codec::parse_columns_json(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sequence_and_deferred_column_is_a_dumped_column() {
        for (name, id) in SEQUENCES {
            let table = table(name).expect("sequence of a dumped table");
            assert!(table.columns.iter().any(|(column, _)| column == id));
        }
        for table in TABLES {
            for deferred in table.deferred {
                assert!(table.columns.iter().any(|(column, _)| column == deferred));
            }
        }
    }

    #[test]
    fn cells_are_checked_against_their_kind() {
        let table = table("user_account").unwrap();
        let mut row = DumpRow::new();
        row.insert("is_admin".to_owned(), serde_json::json!(true));
        row.insert("user_id".to_owned(), serde_json::json!("1"));
        assert_eq!(
            table.cell(&row, "is_admin", Boolean).unwrap(),
            ImportValue::Boolean(true)
        );
        assert_eq!(table.cell(&row, "email", Text).unwrap(), ImportValue::Null);
        assert!(table.cell(&row, "user_id", Integer).is_err());
    }
}
