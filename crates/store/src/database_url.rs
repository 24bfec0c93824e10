//! `database_url`: which engine holds the catalogue and the rows.
//!
//! A path or a `sqlite:` URL names a SQLite file; `postgres://` or `postgresql://` a PostgreSQL
//! database (libpq's URL syntax, passed as is to the client).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::Error;

/// A parsed `database_url` setting.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// The whole URL, credentials included (never printed: see [`fmt::Display`]).
    Postgres(String),
}

impl FromStr for DatabaseUrl {
    type Err = Error;

    fn from_str(text: &str) -> Result<DatabaseUrl, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Unsupported(
                "adresse de base de données vide : indiquez un chemin, `sqlite:chemin` ou `postgres://…`"
                    .to_owned(),
            ));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(text.to_owned()));
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(Error::Unsupported(
                    "adresse SQLite sans chemin de fichier (exemple : `sqlite:socle-data/socle.db`)"
                        .to_owned(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(Error::Unsupported(format!(
                "moteur de base de données « {scheme} » inconnu : Socle connaît SQLite (un chemin ou `sqlite:chemin`) et PostgreSQL (`postgres://…`)"
            )));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(text)))
    }
}

/// Shows the engine and where, without a PostgreSQL password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DatabaseUrl, Error> {
        text.parse()
    }

    #[test]
    fn engines_are_chosen_by_scheme() {
        assert_eq!(
            parse("data/socle.db").unwrap(),
            DatabaseUrl::Sqlite("data/socle.db".into())
        );
        assert_eq!(
            parse("sqlite:/var/socle.db").unwrap(),
            DatabaseUrl::Sqlite("/var/socle.db".into())
        );
        assert_eq!(
            parse("sqlite:///var/socle.db").unwrap(),
            DatabaseUrl::Sqlite("/var/socle.db".into())
        );
        assert_eq!(
            parse("postgresql://socle@db/socle").unwrap(),
            DatabaseUrl::Postgres("postgresql://socle@db/socle".into())
        );
        let unknown = parse("mysql://db/socle").unwrap_err().to_string();
        assert!(unknown.contains("« mysql » inconnu"), "{unknown}");
        assert!(parse("  ").is_err());
        assert!(parse("sqlite:").is_err());
    }

    #[test]
    fn passwords_are_never_shown() {
        let url = parse("postgres://socle:s3cret@db:5432/socle").unwrap();
        assert_eq!(url.to_string(), "postgres://socle:***@db:5432/socle");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
