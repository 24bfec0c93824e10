//! The store's error type.
//!
//! `NotFound`, `Conflict` and `Invalid` are the caller's mistakes (an id that does not exist, a slug
//! already taken, duplicate column names); the other variants are the store's own failures.

use std::io;

/// Everything that can go wrong in the store. Messages are in French: they reach users.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing named does not exist.
    #[error("{0} introuvable")]
    NotFound(String),
    /// A uniqueness rule or a reference forbids the change (slug taken, organisation still used...).
    #[error("{0}")]
    Conflict(String),
    /// The request itself is malformed (duplicate column names, wrong row width...).
    #[error("{0}")]
    Invalid(String),
    #[error("base de données : {0}")]
    Database(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("base de données PostgreSQL : {0}")]
    Postgres(#[from] postgres::Error),
    /// The database URL cannot be used (malformed, or an engine not compiled in).
    #[error("{0}")]
    Unsupported(String),
    #[error("{context} : {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// The S3-compatible object storage holding the blobs failed or refused a request.
    #[error("stockage objet (S3) : {0}")]
    ObjectStore(String),
    /// The bundled or given referential files could not be read.
    #[error("référentiels : {0}")]
    Referentials(String),
    /// The stored data contradicts itself (a code the program cannot read back...).
    #[error("données stockées incohérentes : {0}")]
    Corrupt(String),
    /// The database was migrated by a newer program.
    #[error(
        "la base de données est au schéma {found}, plus récent que ce programme (schéma {known}) : mettez Socle à jour"
    )]
    TooNew { found: i64, known: i64 },
}

/// Shorthand used by every fallible function of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Wraps an I/O error with what was being done (`"écriture du fichier …"`).
pub(crate) fn io_context(context: impl Into<String>) -> impl FnOnce(io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
