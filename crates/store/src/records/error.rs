//! Errors of query compilation: the query is well formed but does not fit the table.

use model::query::CompareOp;

use super::table::ColumnKind;

/// A query that cannot be run against this table. All are the reuser's mistakes (HTTP 400).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.message_fr())]
pub enum CompileError {
    UnknownField {
        name: String,
        suggestions: Vec<String>,
    },
    /// A literal that cannot be compared with the field (`date = 12`).
    IncompatibleValue {
        field: String,
        kind: ColumnKind,
        value: String,
    },
    /// `<`, `<=`, `>`, `>=` with `null`.
    NullOrdering {
        field: String,
        op: CompareOp,
    },
    /// `sum`/`avg` of a field that is not a number.
    NotNumeric {
        function: &'static str,
        field: String,
        kind: ColumnKind,
    },
    /// `search(field, …)` on a field that is not text.
    SearchNeedsText {
        field: String,
        kind: ColumnKind,
    },
    /// `search(…)` on a table without any text field.
    NoTextField,
    /// A selected or sorted field that is neither grouped nor aggregated.
    NotGrouped {
        field: String,
    },
    /// An aggregate in `order_by` while the query neither groups nor aggregates.
    AggregateWithoutGrouping {
        expr: String,
    },
    /// `*` in `select` with `group_by` or aggregates.
    StarWithGrouping,
    /// Two output columns with the same name.
    DuplicateColumn {
        name: String,
    },
    TooManyOrderKeys {
        max: usize,
    },
    /// A `LIKE` or `startswith()` pattern longer than SQLite accepts.
    PatternTooLong {
        max_bytes: usize,
    },
    /// A cursor that is not one of ours, or is damaged.
    InvalidCursor {
        problem: CursorProblem,
    },
    /// A cursor made for another `order_by`.
    ForeignCursor,
    CursorWithGrouping,
    CursorWithOffset,
    /// The table description itself is unusable (a bug on our side, not the reuser's).
    InvalidTable {
        reason: String,
    },
}

impl CompileError {
    pub fn message_fr(&self) -> String {
        match self {
            CompileError::UnknownField { name, suggestions } => {
                let mut s = format!("le champ « {name} » n'existe pas");
                if !suggestions.is_empty() {
                    let list: Vec<String> = suggestions.iter().map(|n| format!("« {n} »")).collect();
                    s.push_str(&format!(" ; vouliez-vous dire {} ?", list.join(", ")));
                }
                s
            }
            CompileError::IncompatibleValue { field, kind, value } => format!(
                "la valeur {value} ne peut pas être comparée au champ « {field} » ({})",
                kind.label_fr()
            ),
            CompileError::NullOrdering { field, op } => format!(
                "« {field} {} null » n'a pas de sens : utilisez IS NULL ou IS NOT NULL",
                op.symbol()
            ),
            CompileError::NotNumeric {
                function,
                field,
                kind,
            } => format!(
                "{function}() s'applique à un champ numérique, or « {field} » est de type {}",
                kind.label_fr()
            ),
            CompileError::SearchNeedsText { field, kind } => format!(
                "search() ne s'applique qu'aux champs texte, or « {field} » est de type {}",
                kind.label_fr()
            ),
            CompileError::NoTextField => {
                "search() est impossible : cette table n'a aucun champ texte".into()
            }
            CompileError::NotGrouped { field } => format!(
                "le champ « {field} » doit figurer dans group_by ou dans une agrégation"
            ),
            CompileError::AggregateWithoutGrouping { expr } => format!(
                "tri sur {expr} impossible : la requête ne fait ni group_by ni agrégation"
            ),
            CompileError::StarWithGrouping => {
                "select=* est impossible avec group_by ou une agrégation".into()
            }
            CompileError::DuplicateColumn { name } => format!(
                "deux colonnes du résultat s'appellent « {name} » : donnez un alias avec AS"
            ),
            CompileError::TooManyOrderKeys { max } => {
                format!("order_by accepte au plus {max} clés")
            }
            CompileError::PatternTooLong { max_bytes } => {
                format!("motif LIKE trop long (au plus {max_bytes} octets)")
            }
            CompileError::InvalidCursor { problem } => format!(
                "curseur invalide ({}) : reprenez la pagination depuis le début",
                problem.label_fr()
            ),
            CompileError::ForeignCursor => {
                "ce curseur a été produit pour un autre order_by : reprenez la pagination depuis le début".into()
            }
            CompileError::CursorWithGrouping => {
                "cursor est impossible avec group_by ou une agrégation : utilisez offset".into()
            }
            CompileError::CursorWithOffset => {
                "cursor et offset ne peuvent pas être utilisés ensemble".into()
            }
            CompileError::InvalidTable { reason } => {
                format!("description de table invalide : {reason}")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            CompileError::UnknownField { name, suggestions } => {
                let mut s = format!("field '{name}' does not exist");
                if !suggestions.is_empty() {
                    let list: Vec<String> = suggestions.iter().map(|n| format!("'{n}'")).collect();
                    s.push_str(&format!("; did you mean {}?", list.join(", ")));
                }
                s
            }
            CompileError::IncompatibleValue { field, kind, value } => format!(
                "value {value} cannot be compared with field '{field}' ({})",
                kind.label_en()
            ),
            CompileError::NullOrdering { field, op } => format!(
                "'{field} {} null' is meaningless: use IS NULL or IS NOT NULL",
                op.symbol()
            ),
            CompileError::NotNumeric {
                function,
                field,
                kind,
            } => format!(
                "{function}() needs a numeric field, but '{field}' is {}",
                kind.label_en()
            ),
            CompileError::SearchNeedsText { field, kind } => format!(
                "search() only applies to text fields, but '{field}' is {}",
                kind.label_en()
            ),
            CompileError::NoTextField => {
                "search() is impossible: this table has no text field".into()
            }
            CompileError::NotGrouped { field } => {
                format!("field '{field}' must appear in group_by or in an aggregate")
            }
            CompileError::AggregateWithoutGrouping { expr } => {
                format!("cannot sort on {expr}: the query neither groups nor aggregates")
            }
            CompileError::StarWithGrouping => {
                "select=* is impossible with group_by or an aggregate".into()
            }
            CompileError::DuplicateColumn { name } => {
                format!("two result columns are named '{name}': give one an alias with AS")
            }
            CompileError::TooManyOrderKeys { max } => format!("order_by takes at most {max} keys"),
            CompileError::PatternTooLong { max_bytes } => {
                format!("LIKE pattern too long (at most {max_bytes} bytes)")
            }
            CompileError::InvalidCursor { problem } => format!(
                "invalid cursor ({}): restart pagination from the beginning",
                problem.label_en()
            ),
            CompileError::ForeignCursor => {
                "this cursor was made for another order_by: restart pagination from the beginning"
                    .into()
            }
            CompileError::CursorWithGrouping => {
                "cursor is impossible with group_by or an aggregate: use offset".into()
            }
            CompileError::CursorWithOffset => "cursor and offset cannot be used together".into(),
            CompileError::InvalidTable { reason } => format!("invalid table description: {reason}"),
        }
    }
}

/// Why a cursor could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorProblem {
    /// Not base64url.
    Encoding,
    /// Not the JSON we write.
    Content,
    /// Written by another version of the format.
    Version,
    /// The position or a value is missing or unreadable.
    Values,
}

impl CursorProblem {
    pub fn label_fr(self) -> &'static str {
        match self {
            CursorProblem::Encoding => "encodage illisible",
            CursorProblem::Content => "contenu illisible",
            CursorProblem::Version => "version inconnue",
            CursorProblem::Values => "valeurs manquantes ou illisibles",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CursorProblem::Encoding => "unreadable encoding",
            CursorProblem::Content => "unreadable content",
            CursorProblem::Version => "unknown version",
            CursorProblem::Values => "missing or unreadable values",
        }
    }
}
