//! Opening a source: what it is ([`SourceInfo`]) and, for CSV, a stream of
//! UTF-8 bytes ready to be cut into rows.

use std::io::{self, Cursor, Read};

use crate::encoding::{self, PREFIX_LEN, Transcoder, choose_encoding, read_retrying};
use crate::sniff::{self, Magic, delimiter_name_fr};
use crate::{Encoding, IngestError, Origin};

/// The container format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text (CSV, TSV...).
    Csv,
    /// Office Open XML workbook.
    Xlsx,
    /// OpenDocument spreadsheet.
    Ods,
}

impl Format {
    /// Short name for reports (« CSV »).
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "CSV",
            Self::Xlsx => "XLSX",
            Self::Ods => "ODS",
        }
    }
}

/// Compression around the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain file.
    None,
    /// gzip (`.csv.gz`).
    Gzip,
}

/// What was detected or imposed to read a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// Container format.
    pub format: Format,
    /// Compression (only CSV may be compressed).
    pub compression: Compression,
    /// Text encoding of a CSV source; `None` for spreadsheets.
    pub encoding: Option<Encoding>,
    /// Where the encoding came from.
    pub encoding_origin: Origin,
    /// Cell delimiter of a CSV source; `None` for spreadsheets.
    pub delimiter: Option<u8>,
    /// Where the delimiter came from ([`Origin::Default`]: a comma, because no
    /// candidate gave two columns or more).
    pub delimiter_origin: Origin,
    /// The sheet read, for spreadsheets.
    pub sheet: Option<String>,
}

impl SourceInfo {
    /// A French sentence for reports, e.g. « format : CSV, encodage détecté :
    /// Windows-1252, séparateur détecté : point-virgule ».
    pub fn describe_fr(&self) -> String {
        let mut parts = vec![match self.compression {
            Compression::None => format!("format : {}", self.format.name()),
            Compression::Gzip => format!("format : {} compressé gzip", self.format.name()),
        }];
        if let Some(encoding) = self.encoding {
            let how = match self.encoding_origin {
                Origin::Explicit => "encodage imposé",
                Origin::Bom => "encodage détecté (BOM)",
                Origin::Detected | Origin::Default => "encodage détecté",
            };
            parts.push(format!("{how} : {}", encoding.name()));
        }
        if let Some(delimiter) = self.delimiter {
            let how = match self.delimiter_origin {
                Origin::Explicit => "séparateur imposé",
                Origin::Default => "séparateur par défaut",
                Origin::Bom | Origin::Detected => "séparateur détecté",
            };
            parts.push(format!("{how} : {}", delimiter_name_fr(delimiter)));
        }
        if let Some(sheet) = &self.sheet {
            parts.push(format!("feuille : « {sheet} »"));
        }
        parts.join(", ")
    }
}

/// How to read a source; every field is optional (detection fills the gaps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Forces the text encoding of a CSV (no detection; a matching BOM is
    /// still skipped).
    pub encoding: Option<Encoding>,
    /// Forces the CSV delimiter: any ASCII byte but `"`, CR and LF (the
    /// delimiter applies to the text once decoded, so it must be ASCII).
    pub delimiter: Option<u8>,
    /// Reads this sheet of a workbook instead of the first one.
    pub sheet: Option<String>,
    /// The file's name, used as a hint only (`.ods` vs `.xlsx` when a ZIP is
    /// ambiguous, `.tsv` for a one-column file). Never opened.
    pub file_name: Option<String>,
}

/// A CSV source ready to read: UTF-8 bytes (invalid sequences kept for the
/// row validation to report), BOM removed.
pub(crate) struct TextSource<'a> {
    pub(crate) stream: Box<dyn Read + Send + 'a>,
    pub(crate) info: SourceInfo,
}

/// What [`open_source`] found.
pub(crate) enum Source<'a> {
    Text(TextSource<'a>),
    /// A whole ZIP file, for calamine.
    Zip(Vec<u8>),
}

pub(crate) fn open_source<'a, R: Read + Send + 'a>(
    mut input: R,
    options: &Options,
) -> Result<Source<'a>, IngestError> {
    let raw_prefix = read_prefix(&mut input, PREFIX_LEN)?;
    if raw_prefix.is_empty() {
        return Err(IngestError::Empty);
    }
    match sniff::magic(&raw_prefix) {
        Magic::Zip => {
            let mut whole = raw_prefix;
            input.read_to_end(&mut whole)?;
            Ok(Source::Zip(whole))
        }
        Magic::Gzip => {
            let compressed = Cursor::new(raw_prefix).chain(input);
            let mut stream = flate2::read::MultiGzDecoder::new(compressed);
            let prefix =
                read_prefix(&mut stream, PREFIX_LEN).map_err(IngestError::Decompression)?;
            if prefix.is_empty() {
                return Err(IngestError::Empty);
            }
            if sniff::magic(&prefix) == Magic::Zip {
                return Err(IngestError::Unsupported {
                    what: "classeur compressé en gzip ; déposez le fichier XLSX ou ODS tel quel",
                });
            }
            text_source(prefix, Box::new(stream), Compression::Gzip, options).map(Source::Text)
        }
        Magic::Text => {
            text_source(raw_prefix, Box::new(input), Compression::None, options).map(Source::Text)
        }
    }
}

/// Detects encoding and delimiter on `prefix`, then chains it back in front
/// of `rest` (transcoding if needed).
fn text_source<'a>(
    prefix: Vec<u8>,
    rest: Box<dyn Read + Send + 'a>,
    compression: Compression,
    options: &Options,
) -> Result<TextSource<'a>, IngestError> {
    let at_eof = prefix.len() < PREFIX_LEN;
    let (encoding, encoding_origin, bom_len) = choose_encoding(&prefix, options.encoding, at_eof);
    let is_utf16 = matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be);
    sniff::reject_binary(&prefix, is_utf16)?;
    let (delimiter, delimiter_origin) = match options.delimiter {
        Some(delimiter) if !delimiter.is_ascii() || b"\"\r\n".contains(&delimiter) => {
            return Err(IngestError::InvalidDelimiter(char::from(delimiter)));
        }
        Some(delimiter) => (delimiter, Origin::Explicit),
        None => {
            let text = encoding::decode_prefix_lossy(encoding, &prefix[bom_len..]);
            match sniff::sniff_delimiter(&text, at_eof) {
                Some(delimiter) => (delimiter, Origin::Detected),
                None => (default_delimiter(options), Origin::Default),
            }
        }
    };
    let body = Cursor::new(prefix).chain(rest);
    let mut body: Box<dyn Read + Send + 'a> = Box::new(body);
    skip(&mut body, bom_len)?;
    let stream: Box<dyn Read + Send + 'a> = match encoding {
        Encoding::Utf8 => body,
        other => Box::new(Transcoder::new(body, other)),
    };
    let info = SourceInfo {
        format: Format::Csv,
        compression,
        encoding: Some(encoding),
        encoding_origin,
        delimiter: Some(delimiter),
        delimiter_origin,
        sheet: None,
    };
    Ok(TextSource { stream, info })
}

fn default_delimiter(options: &Options) -> u8 {
    let name = options.file_name.as_deref().unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tsv") || lower.ends_with(".tab") || lower.ends_with(".tsv.gz") {
        b'\t'
    } else {
        b','
    }
}

fn skip(reader: &mut dyn Read, n: usize) -> io::Result<()> {
    let mut buf = [0u8; 4];
    reader.read_exact(&mut buf[..n])
}

/// Reads up to `limit` bytes (less only at the end of the stream).
fn read_prefix(reader: &mut impl Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut prefix = vec![0u8; limit];
    let mut filled = 0;
    while filled < limit {
        let n = read_retrying(reader, &mut prefix[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    prefix.truncate(filled);
    Ok(prefix)
}
