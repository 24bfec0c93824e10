//! Syntax errors: where (a character offset) and what was expected, in French and English.

use std::fmt::Write as _;

/// A query text that could not be parsed.
///
/// `position` is the 0-based offset, counted in characters (not bytes), of the first character
/// of the offending token, or the length of the text when the text ended too early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_fr())]
pub struct ParseError {
    pub position: usize,
    pub kind: ParseErrorKind,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text did not continue as the grammar allows.
    Unexpected {
        expected: Vec<Expected>,
        found: Found,
        /// The text of the token just before, to say « après « = » ».
        after: Option<String>,
    },
    UnterminatedString,
    UnterminatedName,
    EmptyName,
    InvalidEscape {
        sequence: String,
    },
    NumberOutOfRange {
        text: String,
    },
    InvalidDate {
        text: String,
    },
    UnknownFunction {
        name: String,
        available: &'static [&'static str],
    },
    TooDeep {
        max: usize,
    },
    TooLong {
        max: usize,
    },
}

/// Something the grammar would have accepted at the error position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// A condition: a field followed by an operator, `NOT`, `(`, `search(…)`, `startswith(…)`.
    Condition,
    Field,
    /// A comparison operator, `IN`, `NOT IN`, `LIKE`, `IS`.
    Operator,
    Value,
    /// A string between quotes.
    Text,
    /// A field, `*` or an aggregate such as `count(*)`.
    SelectExpr,
    /// A field, an alias or an aggregate.
    OrderExpr,
    /// A keyword or a symbol, written as is (`AND`, `)`, `,`…).
    Token(&'static str),
    EndOfInput,
}

impl Expected {
    pub fn label_fr(self) -> String {
        match self {
            Expected::Condition => "une condition".into(),
            Expected::Field => "un nom de champ".into(),
            Expected::Operator => "un opérateur (=, !=, <, <=, >, >=, IN, LIKE, IS)".into(),
            Expected::Value => "une valeur".into(),
            Expected::Text => "un texte entre guillemets".into(),
            Expected::SelectExpr => "un champ, * ou une agrégation comme count(*)".into(),
            Expected::OrderExpr => "un champ, un alias ou une agrégation".into(),
            Expected::Token(t) => format!("« {t} »"),
            Expected::EndOfInput => "la fin de l'expression".into(),
        }
    }

    pub fn label_en(self) -> String {
        match self {
            Expected::Condition => "a condition".into(),
            Expected::Field => "a field name".into(),
            Expected::Operator => "an operator (=, !=, <, <=, >, >=, IN, LIKE, IS)".into(),
            Expected::Value => "a value".into(),
            Expected::Text => "a quoted string".into(),
            Expected::SelectExpr => "a field, * or an aggregate such as count(*)".into(),
            Expected::OrderExpr => "a field, an alias or an aggregate".into(),
            Expected::Token(t) => format!("'{t}'"),
            Expected::EndOfInput => "the end of the expression".into(),
        }
    }
}

/// What was found instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    EndOfInput,
    /// The token's source text.
    Token(String),
}

impl ParseError {
    pub(crate) fn new(position: usize, kind: ParseErrorKind) -> Self {
        ParseError { position, kind }
    }

    /// What the grammar would have accepted (empty for lexical and limit errors).
    pub fn expected(&self) -> &[Expected] {
        match &self.kind {
            ParseErrorKind::Unexpected { expected, .. } => expected,
            _ => &[],
        }
    }

    /// What was found at `position`, when the error is about an unexpected token.
    pub fn found(&self) -> Option<&Found> {
        match &self.kind {
            ParseErrorKind::Unexpected { found, .. } => Some(found),
            _ => None,
        }
    }

    /// « position 10 : on attendait une valeur après « = », mais on a trouvé la fin de l'expression »
    pub fn message_fr(&self) -> String {
        let detail = match &self.kind {
            ParseErrorKind::Unexpected {
                expected,
                found,
                after,
            } if expected.is_empty() => format!("caractère inattendu {}", found_fr(found)),
            ParseErrorKind::Unexpected {
                expected,
                found,
                after,
            } => {
                let mut s = format!(
                    "on attendait {}",
                    join_alternatives(expected.iter().map(|e| e.label_fr()), "ou")
                );
                if let Some(after) = after {
                    let _ = write!(s, " après « {} »", shorten(after));
                }
                let _ = write!(s, ", mais on a trouvé {}", found_fr(found));
                s
            }
            ParseErrorKind::UnterminatedString => {
                "texte non terminé : le guillemet fermant manque".into()
            }
            ParseErrorKind::UnterminatedName => {
                "nom de champ non terminé : l'accent grave (`) fermant manque".into()
            }
            ParseErrorKind::EmptyName => "nom de champ vide entre accents graves".into(),
            ParseErrorKind::InvalidEscape { sequence } => format!(
                "séquence d'échappement invalide « {} » (\\u doit être suivi de 4 chiffres hexadécimaux)",
                shorten(sequence)
            ),
            ParseErrorKind::NumberOutOfRange { text } => {
                format!("nombre hors limites « {} »", shorten(text))
            }
            ParseErrorKind::InvalidDate { text } => format!(
                "date invalide « {} » (formats acceptés : date'AAAA-MM-JJ' ou date'AAAA-MM-JJTHH:MM:SS')",
                shorten(text)
            ),
            ParseErrorKind::UnknownFunction { name, available } => format!(
                "fonction inconnue « {} » (fonctions possibles ici : {})",
                shorten(name),
                available.join(", ")
            ),
            ParseErrorKind::TooDeep { max } => format!(
                "expression trop imbriquée (au plus {max} niveaux de parenthèses ou de NOT)"
            ),
            ParseErrorKind::TooLong { max } => {
                format!("expression trop longue (au plus {max} caractères)")
            }
        };
        format!("position {} : {detail}", self.position)
    }

    /// "position 10: expected a value after '=', found end of input"
    pub fn message_en(&self) -> String {
        let detail = match &self.kind {
            ParseErrorKind::Unexpected {
                expected,
                found,
                after,
            } if expected.is_empty() => format!("unexpected character {}", found_en(found)),
            ParseErrorKind::Unexpected {
                expected,
                found,
                after,
            } => {
                let mut s = format!(
                    "expected {}",
                    join_alternatives(expected.iter().map(|e| e.label_en()), "or")
                );
                if let Some(after) = after {
                    let _ = write!(s, " after '{}'", shorten(after));
                }
                let _ = write!(s, ", found {}", found_en(found));
                s
            }
            ParseErrorKind::UnterminatedString => {
                "unterminated string: the closing quote is missing".into()
            }
            ParseErrorKind::UnterminatedName => {
                "unterminated field name: the closing backquote is missing".into()
            }
            ParseErrorKind::EmptyName => "empty field name between backquotes".into(),
            ParseErrorKind::InvalidEscape { sequence } => format!(
                "invalid escape sequence '{}' (\\u takes 4 hexadecimal digits)",
                shorten(sequence)
            ),
            ParseErrorKind::NumberOutOfRange { text } => {
                format!("number out of range '{}'", shorten(text))
            }
            ParseErrorKind::InvalidDate { text } => format!(
                "invalid date '{}' (accepted: date'YYYY-MM-DD' or date'YYYY-MM-DDTHH:MM:SS')",
                shorten(text)
            ),
            ParseErrorKind::UnknownFunction { name, available } => format!(
                "unknown function '{}' (possible here: {})",
                shorten(name),
                available.join(", ")
            ),
            ParseErrorKind::TooDeep { max } => {
                format!("expression nested too deeply (at most {max} levels of parentheses or NOT)")
            }
            ParseErrorKind::TooLong { max } => {
                format!("expression too long (at most {max} characters)")
            }
        };
        format!("position {}: {detail}", self.position)
    }
}

fn found_fr(found: &Found) -> String {
    match found {
        Found::EndOfInput => "la fin de l'expression".to_string(),
        Found::Token(t) => format!("« {} »", shorten(t)),
    }
}

fn found_en(found: &Found) -> String {
    match found {
        Found::EndOfInput => "end of input".to_string(),
        Found::Token(t) => format!("'{}'", shorten(t)),
    }
}

/// "a, b ou c"
fn join_alternatives(items: impl Iterator<Item = String>, or: &str) -> String {
    let items: Vec<String> = items.collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {or} {last}", init.join(", ")),
    }
}

/// Quoted user text is cut so that an error message stays readable.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}
