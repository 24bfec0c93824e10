//! Text encodings: which ones we read, how we detect them, and a streaming
//! transcoder to UTF-8.
//!
//! # Detection rule
//!
//! Applied to the first megabyte (after gzip decompression):
//!
//! 1. A byte-order mark wins: `EF BB BF` → UTF-8, `FF FE` → UTF-16 LE,
//!    `FE FF` → UTF-16 BE. The mark is removed.
//! 2. Otherwise, if the prefix is valid UTF-8 (a multibyte character cut by the
//!    end of the prefix is accepted) → UTF-8. Pure ASCII is UTF-8.
//! 3. Otherwise the file is in the Latin family:
//!    - any byte in `0x80..=0x9F` → **Windows-1252** (those bytes are control
//!      codes in ISO-8859-1/15, but `€ œ Œ ’ …` in Windows-1252);
//!    - else, a byte that only makes sense as ISO-8859-15 → **ISO-8859-15**:
//!      `0xA4` (€) next to a digit or a space, or `0xBD`/`0xBC` (œ/Œ) next to a
//!      letter (« cœur », « Œuvre »), where ISO-8859-1 would give `¤ ½ ¼`;
//!    - else **ISO-8859-1**.
//!
//! An explicit encoding ([`crate::Options::encoding`]) skips detection; a BOM
//! is still removed if it matches that encoding.
//!
//! # Never silent replacement
//!
//! UTF-8 sources pass through untouched and each row is validated when read.
//! Other sources are transcoded on the fly; a byte that has no meaning in the
//! source encoding is passed on as a byte that is invalid UTF-8 (the raw byte
//! for a C1 control code `0x80..=0x9F` in ISO-8859-1/15 or one of the five
//! undefined bytes of Windows-1252, `0xFF` for a broken UTF-16 sequence),
//! so that the row holding it fails validation and is reported as an
//! encoding error instead of being replaced by `�`.

use std::io::{self, Read};

/// How many bytes are examined to detect the encoding and the delimiter.
pub(crate) const PREFIX_LEN: usize = 1024 * 1024;

/// A text encoding this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// UTF-16 little-endian (read only with a BOM, or when given explicitly).
    Utf16Le,
    /// UTF-16 big-endian (read only with a BOM, or when given explicitly).
    Utf16Be,
    /// Windows-1252 (« ANSI » of French Windows, Excel's CSV export).
    Windows1252,
    /// ISO-8859-1 (Latin-1), where `0x80..=0x9F` are control codes.
    Iso8859_1,
    /// ISO-8859-15 (Latin-9): Latin-1 with `€ œ Œ Š š Ž ž Ÿ`.
    Iso8859_15,
}

impl Encoding {
    /// The usual name, as shown to users (« Windows-1252 »).
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf16Le => "UTF-16 LE",
            Self::Utf16Be => "UTF-16 BE",
            Self::Windows1252 => "Windows-1252",
            Self::Iso8859_1 => "ISO-8859-1",
            Self::Iso8859_15 => "ISO-8859-15",
        }
    }

    /// Parses a label as users and tools write it (case-insensitive):
    /// `utf-8`, `utf8`, `utf-16le`, `utf-16be`, `windows-1252`, `cp1252`,
    /// `ansi`, `iso-8859-1`, `latin1`, `latin-1`, `iso-8859-15`, `latin9`...
    pub fn from_label(label: &str) -> Option<Self> {
        let key: String = label
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "utf8" | "utf8bom" | "utf8sig" => Some(Self::Utf8),
            "utf16le" | "utf16" => Some(Self::Utf16Le),
            "utf16be" => Some(Self::Utf16Be),
            "windows1252" | "cp1252" | "ansi" | "win1252" => Some(Self::Windows1252),
            "iso88591" | "latin1" | "l1" | "iso885911987" => Some(Self::Iso8859_1),
            "iso885915" | "latin9" | "l9" => Some(Self::Iso8859_15),
            _ => None,
        }
    }

    /// Length of this encoding's BOM if `bytes` start with it.
    fn bom_len(self, bytes: &[u8]) -> usize {
        let bom: &[u8] = match self {
            Self::Utf8 => b"\xEF\xBB\xBF",
            Self::Utf16Le => b"\xFF\xFE",
            Self::Utf16Be => b"\xFE\xFF",
            _ => return 0,
        };
        if bytes.starts_with(bom) { bom.len() } else { 0 }
    }
}

/// Where a setting came from, for the report (« détecté » vs « imposé »).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Given by the caller.
    Explicit,
    /// Given by a byte-order mark.
    Bom,
    /// Inferred from the content.
    Detected,
    /// Nothing to infer from (e.g. a one-column file): the default was used.
    Default,
}

/// The encoding to use for a prefix, and how many BOM bytes to skip.
pub(crate) fn choose_encoding(
    prefix: &[u8],
    explicit: Option<Encoding>,
    at_eof: bool,
) -> (Encoding, Origin, usize) {
    if let Some(encoding) = explicit {
        return (encoding, Origin::Explicit, encoding.bom_len(prefix));
    }
    for encoding in [Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be] {
        let bom = encoding.bom_len(prefix);
        if bom > 0 {
            return (encoding, Origin::Bom, bom);
        }
    }
    (detect_without_bom(prefix, at_eof), Origin::Detected, 0)
}

fn detect_without_bom(prefix: &[u8], at_eof: bool) -> Encoding {
    if is_utf8_prefix(prefix, at_eof) {
        Encoding::Utf8
    } else if prefix.iter().any(|b| (0x80..=0x9F).contains(b)) {
        Encoding::Windows1252
    } else if has_latin9_only_signs(prefix) {
        Encoding::Iso8859_15
    } else {
        Encoding::Iso8859_1
    }
}

/// Valid UTF-8, except that the prefix may end in the middle of a character
/// when the stream goes on.
fn is_utf8_prefix(prefix: &[u8], at_eof: bool) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && !at_eof,
    }
}

/// `€` (0xA4) next to a digit or space, or `œ`/`Œ` (0xBD/0xBC) next to a letter.
fn has_latin9_only_signs(prefix: &[u8]) -> bool {
    prefix.iter().enumerate().any(|(i, &b)| {
        let before = i.checked_sub(1).and_then(|j| prefix.get(j)).copied();
        let after = prefix.get(i + 1).copied();
        let near = |pred: fn(u8) -> bool| before.is_some_and(pred) || after.is_some_and(pred);
        match b {
            0xA4 => near(|c| c.is_ascii_digit() || c == b' ' || c == 0xA0),
            0xBC | 0xBD => near(|c| c.is_ascii_alphabetic()),
            _ => false,
        }
    })
}

/// Reads a source in `encoding` and yields UTF-8 (see the module docs for
/// how undecodable bytes are passed on).
pub(crate) struct Transcoder<R> {
    inner: R,
    encoding: Encoding,
    utf16: Option<encoding_rs::Decoder>,
    input: Vec<u8>,
    output: Vec<u8>,
    output_pos: usize,
    eof: bool,
}

const TRANSCODE_CHUNK: usize = 64 * 1024;

impl<R: Read> Transcoder<R> {
    /// `encoding` must not be UTF-8 (UTF-8 needs no transcoding).
    pub(crate) fn new(inner: R, encoding: Encoding) -> Self {
        let decoder = match encoding {
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_without_bom_handling()),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_without_bom_handling()),
            Encoding::Utf8 | Encoding::Windows1252 | Encoding::Iso8859_1 | Encoding::Iso8859_15 => {
                None
            }
        };
        Self {
            inner,
            encoding,
            utf16: decoder,
            input: vec![0; TRANSCODE_CHUNK],
            output: Vec::with_capacity(TRANSCODE_CHUNK * 3),
            output_pos: 0,
            eof: false,
        }
    }

    /// Reads one chunk of input and decodes it into `output`.
    fn refill(&mut self) -> io::Result<()> {
        self.output.clear();
        self.output_pos = 0;
        let n = read_retrying(&mut self.inner, &mut self.input)?;
        if n == 0 {
            self.eof = true;
        }
        let input = &self.input[..n];
        match self.utf16.as_mut() {
            Some(decoder) => decode_with(decoder, input, self.eof, &mut self.output),
            None => decode_latin(self.encoding, input, &mut self.output),
        }
        Ok(())
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.output_pos >= self.output.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let available = &self.output[self.output_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.output_pos += n;
        Ok(n)
    }
}

/// `read` that retries when interrupted.
pub(crate) fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn decode_with(
    decoder: &mut encoding_rs::Decoder,
    mut input: &[u8],
    last: bool,
    output: &mut Vec<u8>,
) {
    use encoding_rs::DecoderResult;
    loop {
        let needed = decoder
            .max_utf8_buffer_length_without_replacement(input.len())
            .unwrap_or(input.len() * 3 + 16);
        let start = output.len();
        output.resize(start + needed.max(4), 0);
        let (result, read, written) =
            decoder.decode_to_utf8_without_replacement(input, &mut output[start..], last);
        output.truncate(start + written);
        input = &input[read..];
        match result {
            DecoderResult::InputEmpty => return,
            DecoderResult::OutputFull => continue,
            // Poison byte: invalid UTF-8, caught when the row is validated.
            DecoderResult::Malformed(_, _) => output.push(0xFF),
        }
    }
}

/// The single-byte encodings by hand: encoding_rs follows the WHATWG
/// standard, where ISO-8859-1 means Windows-1252 and Windows-1252's five
/// undefined bytes become control codes, which would silently accept a
/// mislabelled file.
fn decode_latin(encoding: Encoding, input: &[u8], output: &mut Vec<u8>) {
    let mut utf8 = [0u8; 4];
    for &byte in input {
        if byte < 0x80 {
            output.push(byte);
            continue;
        }
        match latin_char(encoding, byte) {
            Some(ch) => output.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes()),
            // No text meaning: passed on raw, an invalid UTF-8 byte.
            None => output.push(byte),
        }
    }
}

/// Windows-1252's `0x80..=0x9F`; `None` for its five undefined bytes.
#[rustfmt::skip]
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'), None, Some('‚'), Some('ƒ'), Some('„'), Some('…'), Some('†'), Some('‡'),
    Some('ˆ'), Some('‰'), Some('Š'), Some('‹'), Some('Œ'), None, Some('Ž'), None,
    None, Some('‘'), Some('’'), Some('“'), Some('”'), Some('•'), Some('–'), Some('—'),
    Some('˜'), Some('™'), Some('š'), Some('›'), Some('œ'), None, Some('ž'), Some('Ÿ'),
];

/// The character of a byte ≥ 0x80, `None` when it has no text meaning
/// (C1 control codes in ISO-8859-1/15, undefined bytes in Windows-1252).
fn latin_char(encoding: Encoding, byte: u8) -> Option<char> {
    if (0x80..=0x9F).contains(&byte) {
        return match encoding {
            Encoding::Windows1252 => CP1252_HIGH[usize::from(byte - 0x80)],
            _ => None,
        };
    }
    if encoding == Encoding::Iso8859_15 {
        let replaced = match byte {
            0xA4 => Some('€'),
            0xA6 => Some('Š'),
            0xA8 => Some('š'),
            0xB4 => Some('Ž'),
            0xB8 => Some('ž'),
            0xBC => Some('Œ'),
            0xBD => Some('œ'),
            0xBE => Some('Ÿ'),
            _ => None,
        };
        if replaced.is_some() {
            return replaced;
        }
    }
    Some(char::from(byte))
}

/// Decodes a whole prefix (for delimiter sniffing only: lossy is fine there).
pub(crate) fn decode_prefix_lossy(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Windows1252 | Encoding::Iso8859_1 | Encoding::Iso8859_15 => bytes
            .iter()
            .map(|&b| match b {
                0..0x80 => char::from(b),
                _ => latin_char(encoding, b).unwrap_or(char::REPLACEMENT_CHARACTER),
            })
            .collect(),
        Encoding::Utf16Le => encoding_rs::UTF_16LE
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
        Encoding::Utf16Be => encoding_rs::UTF_16BE
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(bytes: &[u8]) -> Encoding {
        choose_encoding(bytes, None, true).0
    }

    #[test]
    fn bom_wins_and_is_skipped() {
        assert_eq!(
            choose_encoding(b"\xEF\xBB\xBFa", None, true),
            (Encoding::Utf8, Origin::Bom, 3)
        );
        assert_eq!(
            choose_encoding(b"\xFF\xFEa\0", None, true),
            (Encoding::Utf16Le, Origin::Bom, 2)
        );
        assert_eq!(
            choose_encoding(b"\xFE\xFF\0a", None, true),
            (Encoding::Utf16Be, Origin::Bom, 2)
        );
    }

    #[test]
    fn explicit_overrides_detection() {
        assert_eq!(
            choose_encoding("é".as_bytes(), Some(Encoding::Windows1252), true),
            (Encoding::Windows1252, Origin::Explicit, 0)
        );
    }

    #[test]
    fn utf8_prefix_may_end_inside_a_character_unless_at_eof() {
        let cut = &"aé".as_bytes()[..2];
        assert_eq!(choose_encoding(cut, None, false).0, Encoding::Utf8);
        assert_eq!(choose_encoding(cut, None, true).0, Encoding::Iso8859_1);
    }

    #[test]
    fn latin_family_rules() {
        assert_eq!(detect(b"caf\xe9"), Encoding::Iso8859_1);
        assert_eq!(detect(b"12 \x80;c\x9cur"), Encoding::Windows1252);
        assert_eq!(detect(b"12 \xa4"), Encoding::Iso8859_15);
        assert_eq!(detect(b"c\xbdur"), Encoding::Iso8859_15);
        assert_eq!(detect(b"1 \xbd litre"), Encoding::Iso8859_1);
        assert_eq!(detect(b"plain ascii"), Encoding::Utf8);
    }

    #[test]
    fn labels() {
        assert_eq!(Encoding::from_label("CP1252"), Some(Encoding::Windows1252));
        assert_eq!(Encoding::from_label("latin-1"), Some(Encoding::Iso8859_1));
        assert_eq!(
            Encoding::from_label("ISO-8859-15"),
            Some(Encoding::Iso8859_15)
        );
        assert_eq!(Encoding::from_label("utf-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_label("ebcdic"), None);
    }

    fn transcode(encoding: Encoding, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Transcoder::new(bytes, encoding)
            .read_to_end(&mut out)
            .expect("in-memory read");
        out
    }

    #[test]
    fn transcodes_latin_family() {
        assert_eq!(
            transcode(Encoding::Windows1252, b"\x80 c\x9cur"),
            "€ cœur".as_bytes()
        );
        assert_eq!(
            transcode(Encoding::Iso8859_15, b"\xa4 c\xbdur"),
            "€ cœur".as_bytes()
        );
        assert_eq!(
            transcode(Encoding::Iso8859_1, b"\xa4 \xe9"),
            "¤ é".as_bytes()
        );
    }

    #[test]
    fn undecodable_bytes_stay_invalid_utf8() {
        assert_eq!(transcode(Encoding::Iso8859_1, b"a\x81b"), b"a\x81b");
        assert_eq!(
            transcode(Encoding::Windows1252, b"a\x81\x92"),
            b"a\x81\xE2\x80\x99"
        );
        let broken_utf16 = [b'a', 0, 0x00, 0xD8, b'b', 0]; // lone high surrogate
        let out = transcode(Encoding::Utf16Le, &broken_utf16);
        assert!(std::str::from_utf8(&out).is_err());
        assert!(out.starts_with(b"a"));
    }
}
