//! Reading real files as rows of text.
