//! Guessing what a byte stream is from its first bytes: container format,
//! binary files we refuse, and the CSV delimiter.

use crate::split::{RecordParser, Splitter};
use crate::{Encoding, IngestError, Row};

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Magic {
    Gzip,
    Zip,
    Text,
}

pub(crate) fn magic(prefix: &[u8]) -> Magic {
    if prefix.starts_with(&[0x1F, 0x8B]) {
        Magic::Gzip
    } else if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        Magic::Zip
    } else {
        Magic::Text
    }
}

/// Known non-tabular formats, by signature.
const BINARY_SIGNATURES: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "image PNG"),
    (b"\xFF\xD8\xFF", "image JPEG"),
    (b"GIF87a", "image GIF"),
    (b"GIF89a", "image GIF"),
    (b"%PDF", "document PDF"),
    (b"\x7FELF", "programme exécutable ELF"),
    (b"MZ", "programme exécutable Windows"),
    (b"7z\xBC\xAF\x27\x1C", "archive 7-Zip"),
    (b"Rar!\x1A\x07", "archive RAR"),
    (b"BZh", "archive bzip2"),
    (b"\xFD7zXZ\x00", "archive xz"),
    (b"\x28\xB5\x2F\xFD", "archive zstd"),
    (b"SQLite format 3\x00", "base de données SQLite"),
    (b"PAR1", "fichier Parquet"),
];

/// Refuses binary content that cannot be a table.
///
/// `may_hold_nul` is true for UTF-16 sources, where NUL bytes are normal.
pub(crate) fn reject_binary(prefix: &[u8], may_hold_nul: bool) -> Result<(), IngestError> {
    if prefix.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(IngestError::Unsupported {
            what: "classeur XLS (Excel 97-2003) ; enregistrez-le au format XLSX ou CSV",
        });
    }
    if let Some((_, kind)) = BINARY_SIGNATURES
        .iter()
        .find(|(signature, _)| prefix.starts_with(signature))
    {
        // "MZ" and "BZh" are short: only believe them if the rest is binary too.
        let weak = kind.starts_with("programme exécutable W") || kind.ends_with("bzip2");
        if !weak || prefix.contains(&0) || !looks_textual(prefix) {
            return Err(IngestError::Binary { kind });
        }
    }
    if !may_hold_nul && prefix.contains(&0) {
        return Err(IngestError::Binary {
            kind: "contenu binaire non reconnu",
        });
    }
    Ok(())
}

/// True if the prefix has few control characters other than tab/CR/LF.
fn looks_textual(prefix: &[u8]) -> bool {
    let controls = prefix
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    controls * 100 <= prefix.len()
}

/// Delimiters tried, in order of preference when several fit equally well:
/// the semicolon first because French numbers use a decimal comma.
pub(crate) const CANDIDATE_DELIMITERS: [u8; 4] = [b';', b',', b'\t', b'|'];

/// How many rows of the prefix are examined.
const SNIFF_ROWS: usize = 100;

/// The delimiter that gives the most consistent number of cells (at least 2)
/// over the first rows, quotes being honoured; `None` if none gives 2 cells.
pub(crate) fn sniff_delimiter(text: &str, at_eof: bool) -> Option<u8> {
    let mut best: Option<(u8, f64)> = None;
    for delimiter in CANDIDATE_DELIMITERS {
        let Some(consistency) = consistency(text.as_bytes(), delimiter, at_eof) else {
            continue;
        };
        if best.is_none_or(|(_, score)| consistency > score + 1e-9) {
            best = Some((delimiter, consistency));
        }
    }
    best.map(|(delimiter, _)| delimiter)
}

/// Share of rows having the most frequent cell count, if that count is ≥ 2.
fn consistency(text: &[u8], delimiter: u8, at_eof: bool) -> Option<f64> {
    let counts = cell_counts(text, delimiter, at_eof);
    let mode = most_frequent(&counts)?;
    if mode < 2 {
        return None;
    }
    let agreeing = counts.iter().filter(|&&c| c == mode).count();
    Some(agreeing as f64 / counts.len() as f64)
}

fn cell_counts(text: &[u8], delimiter: u8, at_eof: bool) -> Vec<usize> {
    let mut splitter = Splitter::new(delimiter);
    let mut parser = RecordParser::new(delimiter, Encoding::Utf8);
    let mut row = Row::new();
    let mut counts = Vec::new();
    let mut count_row = |range: std::ops::Range<usize>, counts: &mut Vec<usize>| {
        if !range.is_empty() && parser.parse(&text[range], 0, &mut row).is_ok() {
            counts.push(row.len());
        }
    };
    while counts.len() < SNIFF_ROWS {
        match splitter.next_row(text) {
            Some(range) => count_row(range, &mut counts),
            None => {
                // An unterminated last row is complete only at the end of the file.
                if at_eof && let Some(range) = splitter.finish(text.len()) {
                    count_row(range, &mut counts);
                }
                break;
            }
        }
    }
    counts
}

fn most_frequent(counts: &[usize]) -> Option<usize> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for group in sorted.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, len)| group.len() > len) {
            best = Some((group[0], group.len()));
        }
    }
    best.map(|(value, _)| value)
}

/// French name of a delimiter, for reports.
pub fn delimiter_name_fr(delimiter: u8) -> String {
    match delimiter {
        b',' => "virgule".to_owned(),
        b';' => "point-virgule".to_owned(),
        b'\t' => "tabulation".to_owned(),
        b'|' => "barre verticale".to_owned(),
        b' ' => "espace".to_owned(),
        other => format!("« {} »", char::from(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_candidate() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n", true), Some(b','));
        assert_eq!(sniff_delimiter("a;b\n1,5;2,5\n", true), Some(b';'));
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n", true), Some(b'\t'));
        assert_eq!(sniff_delimiter("a|b\n1|2\n", true), Some(b'|'));
    }

    #[test]
    fn sniffing_honours_quotes_and_newlines_in_cells() {
        let text = "nom,commentaire\n\"Dupont; Jean\",\"a;b\nc;d;e\"\nX,Y\n";
        assert_eq!(sniff_delimiter(text, true), Some(b','));
    }

    #[test]
    fn ties_prefer_semicolon() {
        assert_eq!(sniff_delimiter("1,5;2,5\n3,5;4,5\n", true), Some(b';'));
    }

    #[test]
    fn single_column_has_no_delimiter() {
        assert_eq!(sniff_delimiter("nom\nDupont\n", true), None);
    }

    #[test]
    fn incomplete_last_row_is_ignored_unless_at_eof() {
        // Cut prefix: the last row "3" would spoil consistency.
        assert_eq!(sniff_delimiter("a,b\n1,2\n3", false), Some(b','));
    }

    #[test]
    fn binary_files_are_refused() {
        assert!(matches!(
            reject_binary(b"\x89PNG\r\n\x1a\n\0\0", false),
            Err(IngestError::Binary { kind: "image PNG" })
        ));
        assert!(reject_binary(b"\x7FELF\x02\x01", false).is_err());
        assert!(reject_binary(b"a\0b", false).is_err());
        assert!(reject_binary(b"a\0b", true).is_ok());
        // A CSV whose first header is "MZ..." is still a CSV.
        assert!(reject_binary(b"MZ_code,nom\n1,a\n", false).is_ok());
        assert!(matches!(
            reject_binary(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", false),
            Err(IngestError::Unsupported { .. })
        ));
    }
}
