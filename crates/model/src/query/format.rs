//! Canonical text of syntax trees: parsing the text gives back the identical tree.
//!
//! Keywords in upper case, functions and literals `null`/`true`/`false` in lower case, one space
//! around operators, strings in double quotes, names back-quoted only when they must be.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::*;
use super::lexer::{is_word_part, is_word_start};
use super::parser::is_reserved;

impl Display for Field {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = self.as_str();
        let mut chars = name.chars();
        let bare = chars.next().is_some_and(is_word_start)
            && chars.all(is_word_part)
            && !is_reserved(name);
        if bare {
            f.write_str(name)
        } else {
            write!(f, "`{}`", name.replace('`', "``"))
        }
    }
}

/// Writes `text` as a double-quoted string literal.
fn write_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Integer(i) => write!(f, "{i}"),
            // `{:?}` always writes a `.` or an exponent, so the number reads back as a decimal,
            // and it writes the shortest text that reads back as the same f64.
            Literal::Decimal(d) => write!(f, "{d:?}"),
            Literal::Text(s) => write_string(f, s),
            Literal::Date(d) | Literal::DateTime(d) => write!(f, "date'{d}'"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(operands) => write_joined(f, operands, " OR ", |e| matches!(e, Expr::Or(_))),
            Expr::And(operands) => write_joined(f, operands, " AND ", |e| {
                matches!(e, Expr::Or(_) | Expr::And(_))
            }),
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                write_maybe_parenthesised(f, inner, matches!(**inner, Expr::Or(_) | Expr::And(_)))
            }
            Expr::Compare(Comparison { field, op, value }) => {
                write!(f, "{field} {} {value}", op.symbol())
            }
            Expr::In {
                field,
                values,
                negated,
            } => {
                write!(f, "{field} {}IN (", not(*negated))?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_char(')')
            }
            Expr::Like {
                field,
                pattern,
                negated,
            } => {
                write!(f, "{field} {}LIKE ", not(*negated))?;
                write_string(f, pattern)
            }
            Expr::IsNull { field, negated } => write!(f, "{field} IS {}NULL", not(*negated)),
            Expr::Search { field, text } => {
                f.write_str("search(")?;
                if let Some(field) = field {
                    write!(f, "{field}, ")?;
                }
                write_string(f, text)?;
                f.write_char(')')
            }
            Expr::StartsWith { field, prefix } => {
                write!(f, "startswith({field}, ")?;
                write_string(f, prefix)?;
                f.write_char(')')
            }
        }
    }
}

fn not(negated: bool) -> &'static str {
    if negated { "NOT " } else { "" }
}

fn write_joined(
    f: &mut Formatter<'_>,
    operands: &[Expr],
    separator: &str,
    needs_parentheses: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_maybe_parenthesised(f, operand, needs_parentheses(operand))?;
    }
    Ok(())
}

fn write_maybe_parenthesised(
    f: &mut Formatter<'_>,
    expr: &Expr,
    parenthesise: bool,
) -> fmt::Result {
    if parenthesise {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl Display for Aggregate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.field() {
            None => write!(f, "{}(*)", self.function_name()),
            Some(field) => write!(f, "{}({field})", self.function_name()),
        }
    }
}

impl Display for SelectExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectExpr::All => f.write_char('*'),
            SelectExpr::Field(field) => write!(f, "{field}"),
            SelectExpr::Aggregate(aggregate) => write!(f, "{aggregate}"),
        }
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        Ok(())
    }
}

impl Display for OrderExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            OrderExpr::Name(field) => write!(f, "{field}"),
            OrderExpr::Aggregate(aggregate) => write!(f, "{aggregate}"),
        }
    }
}

impl Display for OrderKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if self.direction == Direction::Desc {
            f.write_str(" DESC")?;
        }
        Ok(())
    }
}

fn join<T: Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{item}");
    }
    out
}

/// Canonical `select` text.
pub fn format_select(items: &[SelectItem]) -> String {
    join(items)
}

/// Canonical `group_by` text.
pub fn format_group_by(fields: &[Field]) -> String {
    join(fields)
}

/// Canonical `order_by` text.
pub fn format_order_by(keys: &[OrderKey]) -> String {
    join(keys)
}
