//! The records query language (ODSQL subset).
