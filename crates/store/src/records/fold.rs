//! French-friendly text folding for `LIKE` and `startswith()`: lower case, accents removed.
//!
//! SQLite's own `LIKE` only ignores the case of ASCII letters, so « École » would not match
//! `'%ecole%'`. Instead both sides are folded: the column through the SQL function
//! [`FOLD_FUNCTION`] (registered on each connection by [`register_functions`]), the pattern in
//! Rust by [`fold_text`] before it becomes a parameter. Folding lowers the case (full Unicode) and
//! removes the diacritics of Latin letters that decompose into a base letter and accents
//! (é è ê ë → e, ç → c, ÿ → y, and the rest of Latin-1 and Latin Extended-A), and drops
//! combining accents (U+0300–U+036F) so that decomposed text folds like composed text.
//! Like FTS5's `unicode61 remove_diacritics 2`, letters without such a decomposition
//! (œ, æ, ø, ł, ß) are kept.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

/// Name of the SQL function folding a value (any type; NULL stays NULL).
pub const FOLD_FUNCTION: &str = "socle_fold";

/// Registers the SQL functions compiled queries use. Call once on every connection that runs
/// them (records queries fail with "no such function: socle_fold" otherwise).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        WORDS_FUNCTION,
        -1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let Some(query) = ctx.get_raw(0).as_str_or_null()? else {
                return Ok(false);
            };
            let texts = (1..ctx.len()).filter_map(|i| match ctx.get_raw(i) {
                ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes)),
                _ => None,
            });
            Ok(words_match(query, texts))
        },
    )?;
    conn.create_scalar_function(
        CONTAINS_FUNCTION,
        2,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let ValueRef::Text(needle) = ctx.get_raw(1) else {
                return Ok(None);
            };
            Ok(contains_folded(ctx.get_raw(0), needle))
        },
    )?;
    conn.create_scalar_function(
        FOLD_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Null => None,
                ValueRef::Integer(i) => Some(i.to_string()),
                ValueRef::Real(r) => Some(format!("{r:?}")),
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(fold_bytes(bytes)),
            })
        },
    )
}

/// Name of the SQL function answering a folded `LIKE '%text%'` (SQLite): `socle_contains(value,
/// needle)` is 1 when `socle_fold(value)` contains `needle` (already folded, non-empty), 0 when
/// not, NULL for NULL — exactly `socle_fold(value) LIKE '%needle%'` (see [`contains_folded`]),
/// without building the folded text of every row nor matching a pattern.
pub const CONTAINS_FUNCTION: &str = "socle_contains";

/// Whether the folding of `value` (text, or a number's text as [`FOLD_FUNCTION`] writes it)
/// contains `needle`, a folded text. A substring of UTF-8 text is a substring of its bytes, and
/// a folded text has no upper-case ASCII letter for `LIKE` to ignore the case of, so this is
/// `socle_fold(value) LIKE '%needle%'`. ASCII values, most of them, are searched as they are,
/// comparing letters without their case; the others are folded into a buffer kept per thread.
pub fn contains_folded(value: ValueRef<'_>, needle: &[u8]) -> Option<bool> {
    Some(match value {
        ValueRef::Null => return None,
        ValueRef::Integer(i) => contains_folded_bytes(i.to_string().as_bytes(), needle),
        ValueRef::Real(r) => contains_folded_bytes(format!("{r:?}").as_bytes(), needle),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => contains_folded_bytes(bytes, needle),
    })
}

fn contains_folded_bytes(value: &[u8], needle: &[u8]) -> bool {
    if value.is_ascii() {
        // Folding ASCII only lowers its case; a non-ASCII needle cannot occur in it.
        return needle.is_ascii() && contains_ignoring_ascii_case(value, needle);
    }
    thread_local! {
        static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    FOLDED.with_borrow_mut(|folded| {
        folded.clear();
        push_folded_bytes(value, folded);
        // Folded text holds no upper-case ASCII letter, nor does the folded needle: comparing
        // without ASCII case is comparing exactly, and costs less than building a substring
        // searcher (`memmem`) for every value.
        contains_ignoring_ascii_case(folded, needle)
    })
}

/// Appends the folding of `String::from_utf8_lossy(bytes)` (what [`FOLD_FUNCTION`] folds) in
/// one pass: SQLite hands a function its text unchecked, and checking it as UTF-8 before
/// decoding it cost a fifth of the search. ASCII runs are lowered in one go, two-byte
/// characters (accented Latin letters) decoded here and looked up in the table (deciding each
/// by Unicode's case tables cost most of a `LIKE '%text%'` scan); anything else
/// goes through one step of the standard lossy decoding, which restarts alike at any character
/// boundary, so the characters and replacement characters are those of `from_utf8_lossy`.
fn push_folded_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let table = fold_table();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let ascii = rest
            .iter()
            .position(|byte| !byte.is_ascii())
            .unwrap_or(rest.len());
        if ascii > 0 {
            let start = out.len();
            out.extend_from_slice(&rest[..ascii]);
            out[start..].make_ascii_lowercase();
            at += ascii;
            continue;
        }
        if let [lead @ 0xC2..=0xDF, trail @ 0x80..=0xBF, ..] = *rest {
            let code = (u32::from(lead & 0x1F) << 6) | u32::from(trail & 0x3F);
            let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
            push_folded_char_bytes(c, table, out);
            at += 2;
            continue;
        }
        let chunk = rest.utf8_chunks().next().expect("bytes are left");
        match chunk.valid().chars().next() {
            Some(c) => {
                push_folded_char_bytes(c, table, out);
                at += c.len_utf8();
            }
            None => {
                push_folded_char_bytes(char::REPLACEMENT_CHARACTER, table, out);
                at += chunk.invalid().len();
            }
        }
    }
}

/// Appends the folding of `c` as UTF-8 bytes, from the table when it holds it.
fn push_folded_char_bytes(c: char, table: &FoldTable, out: &mut Vec<u8>) {
    match table.folding(c) {
        Some(folded) => out.extend_from_slice(folded.as_bytes()),
        None => {
            for folded in folded_chars(c) {
                out.extend_from_slice(folded.encode_utf8(&mut [0; 4]).as_bytes());
            }
        }
    }
}

/// Whether `haystack` contains `needle` (no upper-case ASCII letter in it) when ASCII letters
/// are compared without their case; other bytes are compared as they are.
fn contains_ignoring_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if haystack.len() < needle.len() {
        return false;
    }
    let last_start = haystack.len() - needle.len();
    let candidates = &haystack[..=last_start];
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), candidates)
        .any(|start| haystack[start + 1..start + needle.len()].eq_ignore_ascii_case(rest))
}

/// Name of the SQL function that answers a full-text search without the full-text index:
/// `socle_words(query, text1, text2...)` is 1 when every word of `query` (words separated by
/// spaces) is a word of one of the texts, the last one as a prefix — what FTS5 answers for the
/// query `"w1" "w2"*` over the same columns (see [`words_match`]).
pub const WORDS_FUNCTION: &str = "socle_words";

/// Whether every word of `query` appears among the words of `texts`, the last as a prefix.
/// Words are cut and folded as FTS5's `unicode61 remove_diacritics 2` does: at every character
/// that is not a letter or digit, then lower-cased with accents removed. Used while a version's
/// full-text index is being built, so that searches give the same rows, only more slowly.
pub fn words_match<T: AsRef<str>>(query: &str, texts: impl IntoIterator<Item = T>) -> bool {
    let wanted: Vec<String> = split_words(query).map(fold_text).collect();
    let Some((last, whole)) = wanted.split_last() else {
        return true;
    };
    let mut found = vec![false; wanted.len()];
    for text in texts {
        for word in split_words(text.as_ref()).map(fold_text) {
            for (i, expected) in whole.iter().enumerate() {
                found[i] |= word == *expected;
            }
            found[whole.len()] |= word.starts_with(last.as_str());
        }
        if found.iter().all(|found| *found) {
            return true;
        }
    }
    false
}

/// The words of a text, cut at every character that is not a letter or digit.
pub(crate) fn split_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// Lower-cases and removes accents (see the module documentation).
pub fn fold_text(text: &str) -> String {
    fold_bytes(text.as_bytes())
}

/// The folding of `String::from_utf8_lossy(bytes)`, without decoding it first
/// ([`push_folded_bytes`]).
fn fold_bytes(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    push_folded_bytes(bytes, &mut out);
    String::from_utf8(out).expect("foldings are pushed as whole UTF-8 characters")
}

/// Characters below this one have their folding in [`FoldTable`]: Latin, Greek, Cyrillic… and
/// the punctuation of General Punctuation (’ « » …) and currency symbols (€).
const FOLD_TABLE_END: char = '\u{2200}';

/// The foldings of every character below [`FOLD_TABLE_END`], made by [`push_folded`] itself:
/// the table cannot disagree with it.
struct FoldTable {
    /// Every folding, one after another.
    text: String,
    /// Where the folding of character `c` ends in `text` (it starts where the one of `c - 1`
    /// ends). Surrogates, which are not characters, are above the table.
    ends: Vec<u32>,
}

impl FoldTable {
    fn build() -> FoldTable {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(FOLD_TABLE_END as usize);
        for c in '\0'..FOLD_TABLE_END {
            push_folded(c, &mut text);
            ends.push(u32::try_from(text.len()).expect("a table of a few kilobytes"));
        }
        FoldTable { text, ends }
    }

    fn folding(&self, c: char) -> Option<&str> {
        let index = c as usize;
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        Some(&self.text[start..end])
    }
}

fn fold_table() -> &'static FoldTable {
    static TABLE: std::sync::LazyLock<FoldTable> = std::sync::LazyLock::new(FoldTable::build);
    &TABLE
}

/// Appends the folding of one character; `fold_text(s)` is the concatenation of these, which lets
/// LIKE patterns be folded character by character around their wildcards.
pub(crate) fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    out.extend(folded_chars(c));
}

/// The characters `c` folds to: its lower case, accents removed.
fn folded_chars(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase()
        .filter(|lower| !is_combining_accent(*lower))
        .map(strip_accent)
}

fn is_combining_accent(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The base letter of a lower-case accented Latin letter, or the letter itself.
fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// Turns an ODSQL `LIKE` pattern into a folded SQLite pattern for `LIKE ? ESCAPE '\'`:
/// `%` and `*` match any run of characters, `_` one character, `\x` the character x itself.
pub(crate) fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' | '*' => out.push('%'),
            '_' => out.push('_'),
            '\\' => match chars.next() {
                Some(literal) => push_literal(literal, &mut out),
                None => out.push_str("\\\\"),
            },
            c => push_literal(c, &mut out),
        }
    }
    out
}

/// The folded text a `LIKE` pattern (as [`like_pattern`] writes it) looks for when it is
/// `%text%` with no other wildcard and `text` is not empty: the pattern is then a substring
/// search ([`CONTAINS_FUNCTION`]).
pub(crate) fn contained_text(pattern: &str) -> Option<String> {
    let inner = pattern.strip_prefix('%')?.strip_suffix('%')?;
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' | '_' => return None,
            '\\' => text.push(chars.next()?),
            c => text.push(c),
        }
    }
    (!text.is_empty()).then_some(text)
}

/// `startswith(field, prefix)` as a folded `LIKE` pattern.
pub(crate) fn prefix_pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        push_literal(c, &mut out);
    }
    out.push('%');
    out
}

fn push_literal(c: char, out: &mut String) {
    let mut folded = String::new();
    push_folded(c, &mut folded);
    for f in folded.chars() {
        if matches!(f, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_like_the_full_text_tokenizer() {
        let texts = ["Rénovation de l'École Jules-Ferry", "Sète"];
        assert!(words_match("ecole", texts));
        assert!(words_match("ÉCOLE jules ferry", texts));
        // Only the last word is a prefix.
        assert!(words_match("renovation eco", texts));
        assert!(!words_match("renov ecole", texts));
        // Words may come from different columns, but each must be a whole word.
        assert!(words_match("sete ferry", texts));
        assert!(!words_match("ete", texts));
        assert!(!words_match("ecole musique", texts));
        assert!(words_match("", texts));
        assert!(!words_match("x", Vec::<&str>::new()));
    }

    #[test]
    fn folds_french_text() {
        assert_eq!(fold_text("École Élémentaire Ÿ"), "ecole elementaire y");
        assert_eq!(fold_text("Çà et là, garçon"), "ca et la, garcon");
        assert_eq!(fold_text("ŒUVRE cœur"), "œuvre cœur");
        // Decomposed é (e + U+0301) folds like the composed one.
        assert_eq!(fold_text("e\u{301}te\u{301}"), "ete");
    }

    /// An in-memory table `t (v)` holding `values`, with the functions registered.
    fn table_of(values: &[rusqlite::types::Value]) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        conn.execute_batch("CREATE TABLE t (v)").unwrap();
        for value in values {
            conn.execute("INSERT INTO t VALUES (?1)", [value]).unwrap();
        }
        conn
    }

    /// The folded `LIKE` pattern of an ODSQL `%search%` whose wildcards are escaped.
    fn substring_pattern(search: &str) -> String {
        let escaped: String = search
            .chars()
            .flat_map(|c| match c {
                '\\' | '%' | '_' | '*' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        like_pattern(&format!("%{escaped}%"))
    }

    /// `socle_contains(v, needle)` and `socle_fold(v) LIKE pattern` on every row of `t`.
    fn both_answers(
        conn: &Connection,
        needle: &str,
        pattern: &str,
    ) -> (Vec<Option<i64>>, Vec<Option<i64>>) {
        let answers = |condition: &str, parameter: &str| -> Vec<Option<i64>> {
            let sql = format!("SELECT {condition} FROM t ORDER BY rowid");
            let mut statement = conn.prepare(&sql).unwrap();
            statement
                .query_map([parameter], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        (
            answers("socle_contains(v, ?1)", needle),
            answers("socle_fold(v) LIKE ?1 ESCAPE '\\'", pattern),
        )
    }

    /// The substring search answers exactly what the general path (`socle_fold(v) LIKE
    /// pattern`) answers, on values of every storage class, ASCII or not.
    #[test]
    fn contains_answers_like_the_folded_like() {
        let values: Vec<rusqlite::types::Value> = [
            "Entretien des SENTIERS de randonnée",
            "sentier",
            "École Élémentaire",
            "e\u{301}cole",
            "ÉCOLE",
            "cœur",
            "100% bio_x\\y",
            "aaab",
            "",
            "Ÿ",
            "straße",
            "İstanbul",
        ]
        .iter()
        .map(|text| rusqlite::types::Value::Text((*text).to_owned()))
        .chain([
            rusqlite::types::Value::Null,
            rusqlite::types::Value::Integer(-1250),
            rusqlite::types::Value::Real(12.5),
            rusqlite::types::Value::Blob(b"Sentiers\xff".to_vec()),
        ])
        .collect();
        let conn = table_of(&values);
        let searches = [
            "sentiers",
            "SENTIER",
            "école",
            "ecole",
            "cole",
            "œ",
            "cœur",
            "100%",
            "%",
            "_x",
            "\\",
            "aab",
            "ab",
            "b",
            "y",
            "-12",
            "2.5",
            "12.50",
            "strasse",
            "ß",
            "i̇stanbul",
            "istanbul",
            "\u{fffd}",
            "ntiers\u{fffd}",
        ];
        for search in searches {
            let pattern = substring_pattern(search);
            let needle = contained_text(&pattern).expect("a plain substring pattern");
            assert_eq!(needle, fold_text(search));
            let (contains, like) = both_answers(&conn, &needle, &pattern);
            assert_eq!(contains, like, "{search:?}");
        }
    }

    /// Characters around every path of the folding: ASCII of both cases, accented letters
    /// composed and decomposed, letters whose lower case is longer or ASCII (İ, K for Kelvin),
    /// letters without accents (œ, ß), punctuation, characters above the table, LIKE's
    /// wildcards and escape, any character but NUL.
    fn varied_char() -> impl proptest::strategy::Strategy<Value = char> {
        use proptest::prelude::*;
        prop_oneof![
            4 => proptest::sample::select(vec![
                'a', 'E', 's', 'S', 'z', ' ', '-', '\'', '%', '_', '\\', '1', '0', '.', 'é', 'É',
                'è', 'ç', 'Ç', 'à', 'ô', 'Ÿ', 'ÿ', 'œ', 'Œ', 'æ', 'ß', 'ẞ', 'İ', 'ı', '\u{212A}',
                '\u{0301}', '\u{0300}', '’', '«', '€', 'Ω', 'Я', '\u{2200}', '\u{21FF}', '東',
                '\u{1F600}', '\u{FFFD}', '\u{7F}', '\u{80}',
            ]),
            // Not NUL: SQLite's `LIKE` stops at the first NUL of a text, `socle_contains`
            // searches the whole text (PostgreSQL's text cannot hold NUL at all).
            1 => any::<char>().prop_filter("not NUL", |c| *c != '\0'),
        ]
    }

    fn varied_text(max: usize) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(varied_char(), 0..max)
            .prop_map(|chars| chars.into_iter().collect())
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        /// The table and the ASCII runs give exactly the folding character by character.
        #[test]
        fn folding_a_text_folds_each_character(text in varied_text(40)) {
            let mut by_character = String::new();
            for c in text.chars() {
                push_folded(c, &mut by_character);
            }
            proptest::prop_assert_eq!(fold_text(&text), by_character);
        }

        /// Folding bytes in one pass is folding their lossy UTF-8 decoding: valid text, stray
        /// continuation bytes, truncated and overlong sequences, encoded surrogates.
        #[test]
        fn folding_bytes_folds_their_lossy_decoding(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    3 => varied_char().prop_map(|c| c.to_string().into_bytes()),
                    1 => proptest::collection::vec(proptest::prelude::any::<u8>(), 1..4),
                    1 => proptest::sample::select(vec![
                        vec![0xC3], vec![0xC3, 0x28], vec![0xC0, 0xAF], vec![0xE0, 0x80, 0xAF],
                        vec![0xED, 0xA0, 0x80], vec![0xF4, 0x90, 0x80, 0x80], vec![0xE2, 0x82],
                        vec![0xF0, 0x9F, 0x98], vec![0x80], vec![0xBF], vec![0xFF],
                    ]),
                ],
                0..20,
            )
        ) {
            let bytes = pieces.concat();
            let mut folded = Vec::new();
            push_folded_bytes(&bytes, &mut folded);
            proptest::prop_assert_eq!(
                String::from_utf8(folded).unwrap(),
                fold_text(&String::from_utf8_lossy(&bytes))
            );
        }

        /// `socle_contains(v, needle)` answers `socle_fold(v) LIKE '%needle%'` on texts with
        /// accents and cases, NULL, integers and reals, for needles found in them or not.
        #[test]
        fn contains_answers_like_the_folded_like_on_any_value(
            texts in proptest::collection::vec(varied_text(30), 1..8),
            numbers in proptest::collection::vec(-100_000i64..100_000, 0..3),
            searched in varied_text(6),
            from_value in 0usize..16,
            cut in (0usize..30, 1usize..8),
        ) {
            let mut values: Vec<rusqlite::types::Value> = texts
                .iter()
                .map(|text| rusqlite::types::Value::Text(text.clone()))
                .collect();
            values.push(rusqlite::types::Value::Null);
            for number in &numbers {
                values.push(rusqlite::types::Value::Integer(*number));
                values.push(rusqlite::types::Value::Real(*number as f64 / 8.0));
            }
            let conn = table_of(&values);
            // Half the time, a piece of a value: a needle that matches some rows.
            let search = match texts.get(from_value % (2 * texts.len())) {
                Some(text) => text.chars().skip(cut.0).take(cut.1).collect(),
                None => searched,
            };
            let pattern = substring_pattern(&search);
            let Some(needle) = contained_text(&pattern) else {
                // Nothing left once folded (only accents): not a substring search.
                return Ok(());
            };
            let (contains, like) = both_answers(&conn, &needle, &pattern);
            proptest::prop_assert_eq!(contains, like, "{:?} in {:?}", needle, values);
        }
    }

    #[test]
    fn only_plain_substring_patterns_are_searched_as_such() {
        assert_eq!(contained_text("%sentiers%").as_deref(), Some("sentiers"));
        assert_eq!(contained_text(r"%100\%%").as_deref(), Some("100%"));
        assert_eq!(contained_text(r"%a\\%").as_deref(), Some("a\\"));
        assert_eq!(contained_text(r"%a\%"), None);
        assert_eq!(contained_text("%a_b%"), None);
        assert_eq!(contained_text("%a%b%"), None);
        assert_eq!(contained_text("a%"), None);
        assert_eq!(contained_text("%a"), None);
        assert_eq!(contained_text("%%"), None);
        assert_eq!(contained_text("%"), None);
    }

    #[test]
    fn like_patterns_translate_wildcards_and_escapes() {
        assert_eq!(like_pattern("Saint-*"), "saint-%");
        assert_eq!(like_pattern("%É_cole%"), "%e_cole%");
        assert_eq!(like_pattern(r"50\%"), r"50\%");
        assert_eq!(like_pattern(r"a\*b"), "a*b");
        assert_eq!(like_pattern(r"a\_b"), r"a\_b");
        assert_eq!(like_pattern("a\\"), "a\\\\");
        assert_eq!(prefix_pattern("100%_É"), r"100\%\_e%");
    }
}
