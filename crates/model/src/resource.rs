//! Resources: the file slots of a dataset (DCAT `dcat:Distribution`). A resource's content is a
//! succession of immutable versions, one of which is live.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::codes::code_enum;
use crate::{DatasetId, ParseError, ResourceId, VersionId};

/// A declared Table Schema: its catalogue name and exact version, written `name@version`
/// (for example `scdl-menus-collectifs@1.2.3` or `scdl/subventions@2.1.0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaRef {
    pub name: String,
    pub version: String,
}

impl SchemaRef {
    /// Reads `name@version`; the version is whatever follows the last `@`.
    pub fn parse(text: &str) -> Result<SchemaRef, ParseError> {
        let error = || {
            ParseError::with_hint(
                "référence de schéma",
                text,
                "attendu : nom@version, par exemple scdl-menus-collectifs@1.2.3",
            )
        };
        let (name, version) = text.rsplit_once('@').ok_or_else(error)?;
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
        let version_ok = !version.is_empty()
            && version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+'));
        if name_ok && version_ok {
            Ok(SchemaRef {
                name: name.to_owned(),
                version: version.to_owned(),
            })
        } else {
            Err(error())
        }
    }
}

impl fmt::Display for SchemaRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

impl FromStr for SchemaRef {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SchemaRef::parse(text)
    }
}

code_enum!(
    /// What happens to a file that does not conform to the declared schema.
    PublicationPolicy, "politique de publication" {
        /// The file is rejected: the previous version stays live.
        Strict = "strict",
        /// The file is published with its report and flagged non-conformant.
        Lenient = "lenient",
    }
);

/// What is needed to create (or fully update) a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResource {
    pub dataset: DatasetId,
    pub title: String,
    pub description: String,
    /// Lower-case format name: `csv`, `xlsx`, `ods`, `json`...
    pub format: String,
    pub schema: Option<SchemaRef>,
    /// For resources fetched from elsewhere: where from.
    pub remote_url: Option<String>,
    pub policy: PublicationPolicy,
}

/// A stored resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    pub dataset: DatasetId,
    pub title: String,
    pub description: String,
    pub format: String,
    pub schema: Option<SchemaRef>,
    pub remote_url: Option<String>,
    pub policy: PublicationPolicy,
    /// The version served to readers, if any has been published.
    pub live_version: Option<VersionId>,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    /// Set when archived: still readable with its history, but no longer current (it takes no new publication).
    pub archived_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_refs() {
        let schema = SchemaRef::parse("scdl-menus-collectifs@1.2.3").unwrap();
        assert_eq!(
            (schema.name.as_str(), schema.version.as_str()),
            ("scdl-menus-collectifs", "1.2.3")
        );
        assert_eq!(schema.to_string(), "scdl-menus-collectifs@1.2.3");
        assert_eq!(
            SchemaRef::parse("scdl/subventions@2.1.0").unwrap().name,
            "scdl/subventions"
        );
        for bad in ["scdl", "@1.0", "scdl@", "sc dl@1.0", "scdl@1 0"] {
            assert!(SchemaRef::parse(bad).is_err(), "{bad}");
        }
    }
}
