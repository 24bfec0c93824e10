//! Recursive-descent parser for `where`, `select`, `group_by` and `order_by`.
//!
//! Grammar (keywords case-insensitive; precedence NOT > AND > OR):
//!
//! ```text
//! where     := or
//! or        := and ("OR" and)*
//! and       := unary ("AND" unary)*
//! unary     := "NOT" unary | primary
//! primary   := "(" or ")" | string                     -- a bare string is search("…")
//!            | "search" "(" [name ","] string ")" | "startswith" "(" name "," string ")"
//!            | name op literal | name ["NOT"] "IN" "(" literal ("," literal)* ")"
//!            | name ["NOT"] "LIKE" string | name "IS" ["NOT"] "NULL"
//! op        := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//! literal   := string | integer | decimal | "true" | "false" | "null" | date'…'
//! name      := word | `back-quoted`                    -- reserved words need back-quotes
//! select    := item ("," item)*      item := ("*" | name | aggregate) ["AS" name]
//! aggregate := "count" "(" ("*" | name) ")" | ("sum"|"avg"|"min"|"max") "(" name ")"
//! group_by  := name ("," name)*
//! order_by  := key ("," key)*        key := (name | aggregate) ["ASC" | "DESC"]
//! ```
//!
//! Recursion happens only through parentheses and `NOT`, and is bounded by [`MAX_DEPTH`], so
//! hostile input is refused with an error instead of overflowing the stack.

use super::ast::*;
use super::error::{Expected, Found, ParseError, ParseErrorKind};
use super::lexer::{Token, TokenKind, tokenize};

/// Deepest nesting of parentheses and `NOT` accepted.
pub const MAX_DEPTH: usize = 64;
/// Longest query text accepted, in characters.
pub const MAX_LENGTH: usize = 16_384;

/// Words that cannot be bare field names (they need back-quotes).
pub(crate) const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "like", "is", "null", "true", "false", "as", "asc", "desc",
];

/// Parses a `where` expression.
pub fn parse_where(input: &str) -> Result<Expr, ParseError> {
    let mut p = Parser::new(input)?;
    let expr = p.or_expr()?;
    p.expect_end(&[Expected::Token("AND"), Expected::Token("OR")])?;
    Ok(expr)
}

/// Parses a `select` list.
pub fn parse_select(input: &str) -> Result<Vec<SelectItem>, ParseError> {
    let mut p = Parser::new(input)?;
    let items = p.comma_list(Parser::select_item)?;
    p.expect_end(&[Expected::Token(","), Expected::Token("AS")])?;
    Ok(items)
}

/// Parses a `group_by` list of fields.
pub fn parse_group_by(input: &str) -> Result<Vec<Field>, ParseError> {
    let mut p = Parser::new(input)?;
    let fields = p.comma_list(|p| p.name(Expected::Field))?;
    p.expect_end(&[Expected::Token(",")])?;
    Ok(fields)
}

/// Parses an `order_by` list.
pub fn parse_order_by(input: &str) -> Result<Vec<OrderKey>, ParseError> {
    let mut p = Parser::new(input)?;
    let keys = p.comma_list(Parser::order_key)?;
    p.expect_end(&[
        Expected::Token(","),
        Expected::Token("ASC"),
        Expected::Token("DESC"),
    ])?;
    Ok(keys)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    input_chars: usize,
}

fn is_keyword(token: Option<&Token>, keyword: &str) -> bool {
    matches!(token, Some(Token { kind: TokenKind::Word(w), .. }) if w.eq_ignore_ascii_case(keyword))
}

impl Parser {
    fn new(input: &str) -> Result<Self, ParseError> {
        let input_chars = input.chars().count();
        if input_chars > MAX_LENGTH {
            return Err(ParseError::new(
                MAX_LENGTH,
                ParseErrorKind::TooLong { max: MAX_LENGTH },
            ));
        }
        Ok(Parser {
            tokens: tokenize(input)?,
            pos: 0,
            depth: 0,
            input_chars,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|t| &t.kind)
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        is_keyword(self.peek(), keyword)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        let found = self.peek_kind() == Some(kind);
        if found {
            self.pos += 1;
        }
        found
    }

    /// The error for the current token, listing what would have been accepted.
    fn unexpected(&self, expected: &[Expected]) -> ParseError {
        let after = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map(|t| t.text.clone());
        let (position, found) = match self.peek() {
            Some(t) => (t.start, Found::Token(t.text.clone())),
            None => (self.input_chars, Found::EndOfInput),
        };
        ParseError::new(
            position,
            ParseErrorKind::Unexpected {
                expected: expected.to_vec(),
                found,
                after,
            },
        )
    }

    fn expect(&mut self, kind: &TokenKind, label: &'static str) -> Result<(), ParseError> {
        if self.eat(kind) {
            Ok(())
        } else {
            Err(self.unexpected(&[Expected::Token(label)]))
        }
    }

    fn expect_end(&self, continuations: &[Expected]) -> Result<(), ParseError> {
        if self.peek().is_none() {
            return Ok(());
        }
        let mut expected = continuations.to_vec();
        expected.push(Expected::EndOfInput);
        Err(self.unexpected(&expected))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let position = self.peek().map_or(self.input_chars, |t| t.start);
            return Err(ParseError::new(
                position,
                ParseErrorKind::TooDeep { max: MAX_DEPTH },
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn comma_list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut items = vec![item(self)?];
        while self.eat(&TokenKind::Comma) {
            items.push(item(self)?);
        }
        Ok(items)
    }

    // ----- where -----

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.and_expr()?];
        while self.eat_keyword("or") {
            operands.push(self.and_expr()?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::Or(operands)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.unary()?];
        while self.eat_keyword("and") {
            operands.push(self.unary()?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::And(operands)
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.at_keyword("not") {
            self.enter()?;
            self.pos += 1;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        match self.peek_kind() {
            Some(TokenKind::LParen) => {
                self.enter()?;
                self.pos += 1;
                let inner = self.or_expr()?;
                if !self.eat(&TokenKind::RParen) {
                    return Err(self.unexpected(&[
                        Expected::Token("AND"),
                        Expected::Token("OR"),
                        Expected::Token(")"),
                    ]));
                }
                self.leave();
                Ok(inner)
            }
            Some(TokenKind::Text(text)) => {
                let text = text.clone();
                self.pos += 1;
                Ok(Expr::Search { field: None, text })
            }
            Some(TokenKind::Word(word))
                if self.peek_at(1).map(|t| &t.kind) == Some(&TokenKind::LParen) =>
            {
                let word = word.clone();
                self.function_call(&word)
            }
            _ => {
                let field = self.name(Expected::Condition)?;
                self.predicate(field)
            }
        }
    }

    fn function_call(&mut self, word: &str) -> Result<Expr, ParseError> {
        let start = self.peek().map_or(0, |t| t.start);
        let lower = word.to_lowercase();
        if lower != "search" && lower != "startswith" {
            return Err(ParseError::new(
                start,
                ParseErrorKind::UnknownFunction {
                    name: word.to_string(),
                    available: &["search", "startswith"],
                },
            ));
        }
        self.pos += 2; // name and "("
        let expr = if lower == "search" {
            let field = if matches!(self.peek_kind(), Some(TokenKind::Text(_))) {
                None
            } else {
                let field = self.name_or(&[Expected::Field, Expected::Text])?;
                self.expect(&TokenKind::Comma, ",")?;
                Some(field)
            };
            let text = self.text()?;
            Expr::Search { field, text }
        } else {
            let field = self.name(Expected::Field)?;
            self.expect(&TokenKind::Comma, ",")?;
            let prefix = self.text()?;
            Expr::StartsWith { field, prefix }
        };
        self.expect(&TokenKind::RParen, ")")?;
        Ok(expr)
    }

    fn predicate(&mut self, field: Field) -> Result<Expr, ParseError> {
        if let Some(TokenKind::Op(op)) = self.peek_kind() {
            let op = match *op {
                "=" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                _ => CompareOp::Ge,
            };
            self.pos += 1;
            let value = self.literal()?;
            return Ok(Expr::Compare(Comparison { field, op, value }));
        }
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            if !self.eat_keyword("null") {
                let mut expected = vec![Expected::Token("NULL")];
                if !negated {
                    expected.insert(0, Expected::Token("NOT"));
                }
                return Err(self.unexpected(&expected));
            }
            return Ok(Expr::IsNull { field, negated });
        }
        let negated = self.eat_keyword("not");
        if self.eat_keyword("in") {
            self.expect(&TokenKind::LParen, "(")?;
            let values = self.comma_list(Parser::literal)?;
            if !self.eat(&TokenKind::RParen) {
                return Err(self.unexpected(&[Expected::Token(","), Expected::Token(")")]));
            }
            return Ok(Expr::In {
                field,
                values,
                negated,
            });
        }
        if self.eat_keyword("like") {
            let pattern = self.text()?;
            return Ok(Expr::Like {
                field,
                pattern,
                negated,
            });
        }
        Err(if negated {
            self.unexpected(&[Expected::Token("IN"), Expected::Token("LIKE")])
        } else {
            self.unexpected(&[Expected::Operator])
        })
    }

    fn literal(&mut self) -> Result<Literal, ParseError> {
        let literal = match self.peek_kind() {
            Some(TokenKind::Text(s)) => Literal::Text(s.clone()),
            Some(TokenKind::Integer(i)) => Literal::Integer(*i),
            Some(TokenKind::Decimal(d)) => Literal::Decimal(*d),
            Some(TokenKind::Date(d)) => Literal::Date(d.clone()),
            Some(TokenKind::DateTime(d)) => Literal::DateTime(d.clone()),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(self.unexpected(&[Expected::Value])),
        };
        self.pos += 1;
        Ok(literal)
    }

    fn text(&mut self) -> Result<String, ParseError> {
        match self.peek_kind() {
            Some(TokenKind::Text(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.unexpected(&[Expected::Text])),
        }
    }

    /// A field or alias name: a non-reserved bare word, or a back-quoted name.
    fn name(&mut self, expected: Expected) -> Result<Field, ParseError> {
        self.name_or(&[expected])
    }

    fn name_or(&mut self, expected: &[Expected]) -> Result<Field, ParseError> {
        let field = match self.peek_kind() {
            Some(TokenKind::QuotedName(n)) => Field::new(n.clone()),
            Some(TokenKind::Word(w)) if !is_reserved(w) => Field::new(w.clone()),
            _ => return Err(self.unexpected(expected)),
        };
        self.pos += 1;
        Ok(field)
    }

    // ----- select, order_by -----

    fn select_item(&mut self) -> Result<SelectItem, ParseError> {
        let expr = if self.eat(&TokenKind::Star) {
            SelectExpr::All
        } else if let Some(aggregate) = self.aggregate()? {
            SelectExpr::Aggregate(aggregate)
        } else {
            SelectExpr::Field(self.name(Expected::SelectExpr)?)
        };
        let alias = if self.eat_keyword("as") {
            Some(self.name(Expected::Field)?)
        } else {
            None
        };
        Ok(SelectItem { expr, alias })
    }

    fn order_key(&mut self) -> Result<OrderKey, ParseError> {
        let expr = match self.aggregate()? {
            Some(aggregate) => OrderExpr::Aggregate(aggregate),
            None => OrderExpr::Name(self.name(Expected::OrderExpr)?),
        };
        let direction = if self.eat_keyword("desc") {
            Direction::Desc
        } else {
            self.eat_keyword("asc");
            Direction::Asc
        };
        Ok(OrderKey { expr, direction })
    }

    /// `count(*)`, `count(f)`, `sum(f)`… when the next tokens are a word followed by `(`.
    fn aggregate(&mut self) -> Result<Option<Aggregate>, ParseError> {
        let Some(TokenKind::Word(word)) = self.peek_kind() else {
            return Ok(None);
        };
        if self.peek_at(1).map(|t| &t.kind) != Some(&TokenKind::LParen) {
            return Ok(None);
        }
        let function = word.to_lowercase();
        let start = self.peek().map_or(0, |t| t.start);
        let make: fn(Field) -> Aggregate = match function.as_str() {
            "count" => Aggregate::Count,
            "sum" => Aggregate::Sum,
            "avg" => Aggregate::Avg,
            "min" => Aggregate::Min,
            "max" => Aggregate::Max,
            _ => {
                return Err(ParseError::new(
                    start,
                    ParseErrorKind::UnknownFunction {
                        name: word.clone(),
                        available: &["count", "sum", "avg", "min", "max"],
                    },
                ));
            }
        };
        self.pos += 2;
        let aggregate = if function == "count" && self.eat(&TokenKind::Star) {
            Aggregate::CountAll
        } else {
            make(self.name(Expected::Field)?)
        };
        self.expect(&TokenKind::RParen, ")")?;
        Ok(Some(aggregate))
    }
}

pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}
