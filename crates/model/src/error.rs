//! The one error of this crate: a string that is not a valid value of a domain type.

/// A text could not be read as a domain value (a SIREN, a slug, a territory code...).
///
/// The message is in French because it reaches end users through forms and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} invalide : « {input} »{}", hint.map(|h| format!(" ({h})")).unwrap_or_default())]
pub struct ParseError {
    /// What was expected, in French ("SIREN", "slug", "code de territoire"...).
    pub what: &'static str,
    /// The rejected input, verbatim.
    pub input: String,
    /// An optional explanation of the expected shape.
    pub hint: Option<&'static str>,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, input: &str) -> Self {
        ParseError {
            what,
            input: input.to_owned(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(what: &'static str, input: &str, hint: &'static str) -> Self {
        ParseError {
            what,
            input: input.to_owned(),
            hint: Some(hint),
        }
    }
}
