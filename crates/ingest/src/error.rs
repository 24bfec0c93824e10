//! The two error types: [`IngestError`] when a source cannot be opened at all,
//! [`ReadError`] for one row (or the rest of the stream) once it is open.
//!
//! `Display` is English (logs, developers); [`IngestError::message_fr`] and
//! [`ReadError::message_fr`] give the French text shown to publishers.

use crate::Encoding;

/// Why a source could not be opened as a table.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Zero bytes (or a gzip archive holding zero bytes).
    #[error("the file is empty")]
    Empty,
    /// Recognised as a non-tabular binary file (image, executable, PDF...).
    #[error("this is not a table but a binary file ({kind})")]
    Binary {
        /// What the magic bytes say, in French (« image PNG »).
        kind: &'static str,
    },
    /// A legacy format we do not read (XLS 97-2003, ZIP of something else...).
    #[error("unsupported format: {what}")]
    Unsupported {
        /// What was found, in French.
        what: &'static str,
    },
    /// A gzip stream that is truncated or corrupt within the first bytes.
    #[error("the gzip archive is truncated or corrupt: {0}")]
    Decompression(std::io::Error),
    /// The spreadsheet could not be read (corrupt ZIP, bad XML...).
    #[error("cannot read the spreadsheet: {0}")]
    Spreadsheet(String),
    /// The requested sheet does not exist.
    #[error("no sheet named {requested:?}; available sheets: {available:?}")]
    SheetNotFound {
        /// The name asked for.
        requested: String,
        /// The sheets of the workbook, in order.
        available: Vec<String>,
    },
    /// The workbook has no sheet at all.
    #[error("the workbook has no sheet")]
    NoSheet,
    /// The block reader only reads CSV.
    #[error("block reading needs a CSV source, not {0}")]
    NotCsv(&'static str),
    /// The delimiter given in the options cannot be one.
    #[error(
        "invalid delimiter {0:?}: it must be an ASCII character other than a quote or a line end"
    )]
    InvalidDelimiter(char),
    /// The underlying reader failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
}

impl IngestError {
    /// The French message for the publisher.
    pub fn message_fr(&self) -> String {
        match self {
            Self::Empty => "Le fichier est vide.".to_owned(),
            Self::Binary { kind } => format!(
                "Ce fichier n’est pas un tableau mais un fichier binaire ({kind}). \
                 Déposez un fichier CSV, XLSX ou ODS."
            ),
            Self::Unsupported { what } => {
                format!("Format non pris en charge : {what}. Déposez un fichier CSV, XLSX ou ODS.")
            }
            Self::Decompression(_) => {
                "L’archive gzip est tronquée ou corrompue : elle ne peut pas être décompressée."
                    .to_owned()
            }
            Self::Spreadsheet(detail) => {
                format!("Le classeur ne peut pas être lu ({detail}). Il est peut-être corrompu.")
            }
            Self::SheetNotFound {
                requested,
                available,
            } => format!(
                "La feuille « {requested} » n’existe pas. Feuilles disponibles : {}.",
                quote_list_fr(available)
            ),
            Self::NoSheet => "Le classeur ne contient aucune feuille.".to_owned(),
            Self::NotCsv(format) => {
                format!("La lecture par blocs est réservée aux fichiers CSV, pas {format}.")
            }
            Self::InvalidDelimiter(delimiter) => format!(
                "Séparateur invalide « {delimiter} » : il doit s’agir d’un caractère ASCII \
                 autre que le guillemet et le retour à la ligne."
            ),
            Self::Io(err) => format!("Erreur de lecture du fichier : {err}."),
        }
    }
}

/// Why a row (or the rest of the stream) could not be read.
///
/// [`ReadError::Encoding`] concerns one row only: the reader can be called
/// again and goes on with the next row. The other variants end the stream.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A row holds bytes that are invalid in the source encoding.
    #[error(
        "row {row}, column {column}: invalid {} bytes {} after {context:?}",
        encoding.name(),
        hex_bytes(bytes)
    )]
    Encoding {
        /// Row number (1 = header), as frictionless counts.
        row: u64,
        /// Column number, from 1.
        column: usize,
        /// The encoding the source was read with.
        encoding: Encoding,
        /// The offending bytes (at most 4), as found after decoding to UTF-8
        /// (for single-byte and UTF-16 sources: the undecodable source byte,
        /// or 0xFF for a broken UTF-16 sequence).
        bytes: Vec<u8>,
        /// Up to 20 characters of valid text just before, in that cell.
        context: String,
    },
    /// One record is larger than the limit: almost always a quote that is
    /// never closed, making the rest of the file one giant cell.
    #[error("row {row} is larger than {limit} bytes (unclosed quote?)")]
    RecordTooLarge {
        /// The row being read.
        row: u64,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The gzip stream ends early or is corrupt.
    #[error("the gzip archive is truncated or corrupt: {0}")]
    Decompression(std::io::Error),
    /// The underlying reader failed.
    #[error("read error: {0}")]
    Io(std::io::Error),
}

impl ReadError {
    /// The French message for the publisher.
    pub fn message_fr(&self) -> String {
        match self {
            Self::Encoding {
                row,
                column,
                encoding,
                bytes,
                context,
            } => {
                let cause = encoding_cause_fr(*encoding, bytes);
                if context.is_empty() {
                    format!("Ligne {row}, colonne {column} : {cause}.")
                } else {
                    format!("Ligne {row}, colonne {column}, après « {context} » : {cause}.")
                }
            }
            Self::RecordTooLarge { row, limit } => format!(
                "La ligne {row} dépasse {} Mo : un guillemet ouvrant n’est probablement jamais refermé.",
                limit / (1024 * 1024)
            ),
            Self::Decompression(_) => {
                "L’archive gzip est tronquée ou corrompue : la fin du fichier manque.".to_owned()
            }
            Self::Io(err) => format!("Erreur de lecture du fichier : {err}."),
        }
    }

    /// The row the error is about, when it is about one row.
    pub fn row(&self) -> Option<u64> {
        match self {
            Self::Encoding { row, .. } | Self::RecordTooLarge { row, .. } => Some(*row),
            Self::Decompression(_) | Self::Io(_) => None,
        }
    }

    /// Adds `offset` to the row number: [`parse_block`](crate::parse_block)
    /// numbers rows from 1 within the block; the caller who knows how many rows
    /// came before the block shifts its errors with this.
    pub fn offset_row(&mut self, offset: u64) {
        if let Self::Encoding { row, .. } | Self::RecordTooLarge { row, .. } = self {
            *row += offset;
        }
    }
}

fn encoding_cause_fr(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Utf8 => format!(
            "octet(s) {} invalide(s) en UTF-8 ; le fichier est peut-être en Windows-1252 \
             ou ISO-8859-1 (Latin-1) malgré le début en UTF-8",
            hex_bytes(bytes)
        ),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            "séquence UTF-16 invalide (demi-caractère isolé)".to_owned()
        }
        Encoding::Windows1252 => format!(
            "octet {} non défini en Windows-1252 ; le fichier est peut-être dans un autre encodage",
            hex_bytes(bytes)
        ),
        Encoding::Iso8859_1 | Encoding::Iso8859_15 => format!(
            "octet {} : caractère de contrôle inattendu en {} ; le fichier est peut-être en Windows-1252",
            hex_bytes(bytes),
            encoding.name()
        ),
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    hex.join(" ")
}

fn quote_list_fr(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("« {n} »")).collect();
    quoted.join(", ")
}
