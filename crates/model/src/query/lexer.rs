//! Text → tokens, each with its character offset for error messages.

use super::error::{ParseError, ParseErrorKind};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A bare word: a field name, a keyword (`AND`, `null`…) or a function name.
    Word(String),
    /// `` `any text` ``, with ``` `` ``` standing for one backquote.
    QuotedName(String),
    Text(String),
    Integer(i64),
    Decimal(f64),
    Date(String),
    DateTime(String),
    LParen,
    RParen,
    Comma,
    Star,
    Op(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Offset in characters of the token's first character.
    pub start: usize,
    /// The token as written, for error messages.
    pub text: String,
}

/// Characters that may start a bare word.
pub(crate) fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Characters that may continue a bare word.
pub(crate) fn is_word_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        pos: 0,
    };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn text_from(&self, start: usize) -> String {
        self.chars[start..self.pos].iter().collect()
    }

    fn next_token(&mut self) -> Result<Option<Token>, ParseError> {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(None);
        };
        let kind = match c {
            '(' => self.single(TokenKind::LParen),
            ')' => self.single(TokenKind::RParen),
            ',' => self.single(TokenKind::Comma),
            '*' => self.single(TokenKind::Star),
            '=' => self.single(TokenKind::Op("=")),
            '!' if self.peek(1) == Some('=') => self.double(TokenKind::Op("!=")),
            '<' if self.peek(1) == Some('>') => self.double(TokenKind::Op("!=")),
            '<' if self.peek(1) == Some('=') => self.double(TokenKind::Op("<=")),
            '<' => self.single(TokenKind::Op("<")),
            '>' if self.peek(1) == Some('=') => self.double(TokenKind::Op(">=")),
            '>' => self.single(TokenKind::Op(">")),
            '"' | '\'' => TokenKind::Text(self.string(c)?),
            '`' => TokenKind::QuotedName(self.quoted_name()?),
            '0'..='9' => self.number()?,
            '-' | '+' if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
            c if is_word_start(c) => self.word_or_date()?,
            other => {
                return Err(ParseError::new(
                    start,
                    ParseErrorKind::Unexpected {
                        expected: vec![],
                        found: super::error::Found::Token(other.to_string()),
                        after: None,
                    },
                ));
            }
        };
        Ok(Some(Token {
            kind,
            start,
            text: self.text_from(start),
        }))
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    fn double(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 2;
        kind
    }

    /// A string between `quote`s. Escapes: `\\`, `\"`, `\'`, `\n`, `\r`, `\t`, `\uXXXX`; any other
    /// backslash is kept as is, so that `"50\%"` reaches a LIKE pattern as `50\%`.
    fn string(&mut self, quote: char) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Err(ParseError::new(start, ParseErrorKind::UnterminatedString));
            };
            self.pos += 1;
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_start = self.pos - 1;
            match self.peek(0) {
                None => return Err(ParseError::new(start, ParseErrorKind::UnterminatedString)),
                Some(e @ ('\\' | '"' | '\'')) => {
                    out.push(e);
                    self.pos += 1;
                }
                Some('n') => {
                    out.push('\n');
                    self.pos += 1;
                }
                Some('r') => {
                    out.push('\r');
                    self.pos += 1;
                }
                Some('t') => {
                    out.push('\t');
                    self.pos += 1;
                }
                Some('u') => {
                    self.pos += 1;
                    out.push(self.unicode_escape(escape_start)?);
                }
                Some(_) => out.push('\\'),
            }
        }
    }

    fn unicode_escape(&mut self, escape_start: usize) -> Result<char, ParseError> {
        let digits: String = (0..4).filter_map(|i| self.peek(i)).collect();
        let code = (digits.len() == 4 && digits.chars().all(|d| d.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(&digits, 16).ok())
            .flatten()
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                self.pos += 4;
                Ok(c)
            }
            None => Err(ParseError::new(
                escape_start,
                ParseErrorKind::InvalidEscape {
                    sequence: format!("\\u{digits}"),
                },
            )),
        }
    }

    fn quoted_name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek(0) {
                None => return Err(ParseError::new(start, ParseErrorKind::UnterminatedName)),
                Some('`') if self.peek(1) == Some('`') => {
                    out.push('`');
                    self.pos += 2;
                }
                Some('`') => {
                    self.pos += 1;
                    if out.is_empty() {
                        return Err(ParseError::new(start, ParseErrorKind::EmptyName));
                    }
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `[+-]digits[.digits][e[+-]digits]`; integers without fraction or exponent.
    fn number(&mut self) -> Result<TokenKind, ParseError> {
        let start = self.pos;
        if matches!(self.peek(0), Some('-' | '+')) {
            self.pos += 1;
        }
        self.skip_digits();
        let mut decimal = false;
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
            decimal = true;
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let digit_at = if matches!(self.peek(1), Some('-' | '+')) {
                2
            } else {
                1
            };
            if self.peek(digit_at).is_some_and(|d| d.is_ascii_digit()) {
                decimal = true;
                self.pos += digit_at;
                self.skip_digits();
            }
        }
        let text = self.text_from(start);
        let out_of_range = || {
            ParseError::new(
                start,
                ParseErrorKind::NumberOutOfRange { text: text.clone() },
            )
        };
        if decimal {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(TokenKind::Decimal(v)),
                _ => Err(out_of_range()),
            }
        } else {
            text.parse::<i64>()
                .map(TokenKind::Integer)
                .map_err(|_| out_of_range())
        }
    }

    fn skip_digits(&mut self) {
        while self.peek(0).is_some_and(|d| d.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn word_or_date(&mut self) -> Result<TokenKind, ParseError> {
        let start = self.pos;
        while self.peek(0).is_some_and(is_word_part) {
            self.pos += 1;
        }
        let word = self.text_from(start);
        let quote = self.peek(0);
        if word.eq_ignore_ascii_case("date") && matches!(quote, Some('\'' | '"')) {
            let quote_start = self.pos;
            let text = self.string(quote.unwrap_or('\''))?;
            return super::dates::parse_date_literal(&text)
                .ok_or_else(|| ParseError::new(quote_start, ParseErrorKind::InvalidDate { text }));
        }
        Ok(TokenKind::Word(word))
    }
}
