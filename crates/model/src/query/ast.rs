//! Syntax trees of the records query language.
//!
//! The trees carry no positions: two texts that mean the same thing (`a<>1` and `a != 1`)
//! give equal trees, and the formatter (`format.rs`) writes one canonical text per tree.

/// A name as the user wrote it, unquoted: a field of the table, or an alias from `select`.
///
/// Any non-empty text is a valid name; the formatter back-quotes it when it is not a plain word.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Field(String);

impl Field {
    pub fn new(name: impl Into<String>) -> Self {
        Field(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Field {
    fn from(name: &str) -> Self {
        Field::new(name)
    }
}

/// A constant written in a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    /// Always finite: the parser refuses numbers that overflow to infinity.
    Decimal(f64),
    Text(String),
    /// `date'2024-03-05'`: a valid calendar date, `YYYY-MM-DD`.
    Date(String),
    /// `date'2024-03-05T10:00:00'`, normalised to `YYYY-MM-DDTHH:MM:SS` followed by an optional
    /// fraction (`.123`) and an optional offset (`Z`, `+02:00`), so that it compares as text with
    /// stored ISO date-times.
    DateTime(String),
}

/// Comparison operators; `<>` is read as `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// `field op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub field: Field,
    pub op: CompareOp,
    pub value: Literal,
}

/// A `where` expression.
///
/// `And` and `Or` hold at least two operands; `a AND b AND c` is one `And` of three, while
/// `(a AND b) AND c` keeps its parentheses as a nested `And` (so formatting gives the text back).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Comparison),
    /// `field IN (v1, v2)` / `field NOT IN (…)`; at least one value.
    In {
        field: Field,
        values: Vec<Literal>,
        negated: bool,
    },
    /// `field LIKE "pattern"`: `%` or `*` match any run of characters, `_` one character,
    /// and a backslash makes the next character literal.
    Like {
        field: Field,
        pattern: String,
        negated: bool,
    },
    /// `field IS NULL` / `field IS NOT NULL`.
    IsNull {
        field: Field,
        negated: bool,
    },
    /// `search("texte")` over every text field, or `search(field, "texte")`; a bare string
    /// literal used as a condition means the same as `search("…")`.
    Search {
        field: Option<Field>,
        text: String,
    },
    /// `startswith(field, "préfixe")`.
    StartsWith {
        field: Field,
        prefix: String,
    },
}

/// The aggregate functions of `select` and `order_by`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// `count(*)`: rows.
    CountAll,
    /// `count(field)`: rows where the field has a value.
    Count(Field),
    Sum(Field),
    Avg(Field),
    Min(Field),
    Max(Field),
}

impl Aggregate {
    /// The function's name as written in queries.
    pub fn function_name(&self) -> &'static str {
        match self {
            Aggregate::CountAll | Aggregate::Count(_) => "count",
            Aggregate::Sum(_) => "sum",
            Aggregate::Avg(_) => "avg",
            Aggregate::Min(_) => "min",
            Aggregate::Max(_) => "max",
        }
    }

    /// The field it reads, if any (`count(*)` reads none).
    pub fn field(&self) -> Option<&Field> {
        match self {
            Aggregate::CountAll => None,
            Aggregate::Count(f)
            | Aggregate::Sum(f)
            | Aggregate::Avg(f)
            | Aggregate::Min(f)
            | Aggregate::Max(f) => Some(f),
        }
    }
}

/// One expression of `select`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectExpr {
    /// `*`: every field of the table, in table order.
    All,
    Field(Field),
    Aggregate(Aggregate),
}

/// `expr [as alias]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SelectItem {
    pub expr: SelectExpr,
    pub alias: Option<Field>,
}

/// What `order_by` sorts on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderExpr {
    /// A field of the table, or an alias given in `select`.
    Name(Field),
    Aggregate(Aggregate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// One key of `order_by`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderKey {
    pub expr: OrderExpr,
    pub direction: Direction,
}

/// A whole records query, as received from a reuser once each parameter is parsed.
///
/// Empty `select` means every field; `limit: None` means no limit (the API layer applies its own
/// maximum). `cursor` is the opaque keyset-pagination token produced for the previous page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub filter: Option<Expr>,
    pub select: Vec<SelectItem>,
    pub group_by: Vec<Field>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: u64,
    pub cursor: Option<String>,
    pub facets: Vec<Field>,
}
