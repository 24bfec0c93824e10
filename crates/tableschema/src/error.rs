//! Errors and warnings about descriptors, and the language of messages.

/// Language of messages meant for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

/// Something in a descriptor that Socle did not understand or had to ignore; validation
/// still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorWarning {
    /// JSON-pointer-like path of the faulty key, e.g. `fields/3/constraints/pattern:`.
    pub path: String,
    pub message_fr: String,
    pub message_en: String,
}

impl DescriptorWarning {
    pub(crate) fn new(
        path: impl Into<String>,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        DescriptorWarning {
            path: path.into(),
            message_fr: message_fr.into(),
            message_en: message_en.into(),
        }
    }

    /// The message in the requested language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.message_fr,
            Lang::En => &self.message_en,
        }
    }
}

/// A descriptor that cannot be used: which key, and why (in French and English).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid table schema at `{path}`: {message_en}")]
pub struct DescriptorError {
    pub path: String,
    pub message_fr: String,
    pub message_en: String,
}

impl DescriptorError {
    pub(crate) fn new(
        path: impl Into<String>,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        DescriptorError {
            path: path.into(),
            message_fr: message_fr.into(),
            message_en: message_en.into(),
        }
    }

    /// The message in the requested language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.message_fr,
            Lang::En => &self.message_en,
        }
    }
}

/// Why a cell's text is not a value of its field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cell is not a valid value of its field's type and format")]
pub struct CastError;
