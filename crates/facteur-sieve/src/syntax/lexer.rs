//! RFC 5228 §8.1 lexical tokens: identifiers, tags, numbers with K/M/G, quoted and multi-line strings,
//! brackets and punctuation; comments and white space are skipped.
//!
//! Positions are 1-based lines and columns in characters, as ManageSieve reports them. The lexer runs in one
//! pass over the source and allocates only the tokens it returns.

use crate::error::{CompileError, Position};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An identifier, lowercased: RFC 5228 §8.1 makes them case-insensitive.
    Identifier(String),
    /// A tag without its colon, lowercased.
    Tag(String),
    Number(u64),
    /// A string's value: escapes resolved, multi-line dot-stuffing undone.
    String(String),
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    LeftParen,
    RightParen,
    Comma,
    Semicolon,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub position: Position,
}

/// Splits `source` into tokens.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, CompileError> {
    let mut lexer = Lexer { chars: source.char_indices().peekable(), source, line: 1, column: 1 };
    let mut tokens = Vec::new();
    while let Some(token) = lexer.next_token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    source: &'a str,
    line: u32,
    column: u32,
}

impl Lexer<'_> {
    fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    fn bump(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn offset(&mut self) -> usize {
        self.chars.peek().map_or(self.source.len(), |&(at, _)| at)
    }

    fn next_token(&mut self) -> Result<Option<Token>, CompileError> {
        self.skip_blanks_and_comments()?;
        let position = self.position();
        let Some(c) = self.peek() else { return Ok(None) };
        let kind = match c {
            '[' | ']' | '{' | '}' | '(' | ')' | ',' | ';' => {
                self.bump();
                punctuation(c)
            }
            '"' => {
                self.bump();
                TokenKind::String(self.quoted_string(position)?)
            }
            ':' => {
                self.bump();
                match self.peek() {
                    Some(c) if is_identifier_start(c) => TokenKind::Tag(self.identifier()),
                    _ => return Err(CompileError::at(position, "a tag needs a name after ':'")),
                }
            }
            '0'..='9' => TokenKind::Number(self.number(position)?),
            c if is_identifier_start(c) => {
                let word = self.identifier();
                if word == "text" && self.peek() == Some(':') {
                    self.bump();
                    TokenKind::String(self.multi_line(position)?)
                } else {
                    TokenKind::Identifier(word)
                }
            }
            other => return Err(CompileError::at(position, format!("unexpected character {other:?}"))),
        };
        Ok(Some(Token { kind, position }))
    }

    fn skip_blanks_and_comments(&mut self) -> Result<(), CompileError> {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r' | '\n') => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                Some('/') => {
                    let position = self.position();
                    self.bump();
                    if self.peek() != Some('*') {
                        return Err(CompileError::at(position, "unexpected character '/'"));
                    }
                    self.bump();
                    self.skip_bracket_comment(position)?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    /// RFC 5228 §8.1: bracket comments do not nest.
    fn skip_bracket_comment(&mut self, start: Position) -> Result<(), CompileError> {
        let mut star = false;
        while let Some(c) = self.bump() {
            if star && c == '/' {
                return Ok(());
            }
            star = c == '*';
        }
        Err(CompileError::at(start, "unterminated comment: '/*' without '*/'"))
    }

    fn identifier(&mut self) -> String {
        let start = self.offset();
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.bump();
        }
        let end = self.offset();
        self.source[start..end].to_ascii_lowercase()
    }

    /// RFC 5228 §2.4.1: a number with an optional K, M or G quantifier (powers of 1024).
    fn number(&mut self, position: Position) -> Result<u64, CompileError> {
        let mut value: u64 = 0;
        let too_large = || CompileError::at(position, "number too large");
        while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
            self.bump();
            value = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(digit))).ok_or_else(too_large)?;
        }
        let shift = match self.peek() {
            Some('k' | 'K') => 10,
            Some('m' | 'M') => 20,
            Some('g' | 'G') => 30,
            _ => 0,
        };
        if shift > 0 {
            self.bump();
            value = value.checked_mul(1 << shift).ok_or_else(too_large)?;
        }
        if self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(CompileError::at(position, "a number must not run into a word"));
        }
        Ok(value)
    }

    /// RFC 5228 §2.4.2: a backslash takes the next character literally (`\\` and `\"` are the useful ones).
    fn quoted_string(&mut self, start: Position) -> Result<String, CompileError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(CompileError::at(start, "unterminated string: missing closing '\"'")),
                Some('"') => return Ok(value),
                Some('\\') => match self.bump() {
                    Some(c) => value.push(c),
                    None => return Err(CompileError::at(start, "unterminated string: missing closing '\"'")),
                },
                Some(c) => value.push(c),
            }
        }
    }

    /// RFC 5228 §2.4.2: `text:` then blanks or a comment to the end of the line, then lines up to one holding
    /// a single `.`; a line starting with `..` loses one dot. Line breaks in the value are CRLF.
    fn multi_line(&mut self, start: Position) -> Result<String, CompileError> {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
        match self.peek() {
            Some('#') => self.skip_line(),
            Some('\r') => {
                self.bump();
                if self.bump() != Some('\n') {
                    return Err(CompileError::at(start, "'text:' must be followed by a line break"));
                }
            }
            Some('\n') => {
                self.bump();
            }
            _ => return Err(CompileError::at(start, "'text:' must be followed by a line break")),
        }
        let mut value = String::new();
        loop {
            let Some(line) = self.line_content() else {
                return Err(CompileError::at(
                    start,
                    "unterminated multi-line string: missing a line with a single '.'",
                ));
            };
            if line == "." {
                return Ok(value);
            }
            value.push_str(line.strip_prefix('.').unwrap_or(line));
            value.push_str("\r\n");
        }
    }

    /// The rest of the current line without its line break; `None` at the end of the source with nothing left.
    fn line_content(&mut self) -> Option<&str> {
        let start = self.offset();
        if start >= self.source.len() {
            return None;
        }
        let mut end = start;
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
            end = self.offset();
        }
        let line = &self.source[start..end];
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

fn is_identifier_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn punctuation(c: char) -> TokenKind {
    match c {
        '[' => TokenKind::LeftBracket,
        ']' => TokenKind::RightBracket,
        '{' => TokenKind::LeftBrace,
        '}' => TokenKind::RightBrace,
        '(' => TokenKind::LeftParen,
        ')' => TokenKind::RightParen,
        ',' => TokenKind::Comma,
        _ => TokenKind::Semicolon,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source).map(|tokens| tokens.into_iter().map(|t| t.kind).collect()).unwrap_or_default()
    }

    #[test]
    fn identifiers_and_tags_are_lowercased() {
        assert_eq!(
            kinds("IF Header :Is"),
            [TokenKind::Identifier("if".into()), TokenKind::Identifier("header".into()), TokenKind::Tag("is".into())]
        );
    }

    #[test]
    fn numbers_take_quantifiers_and_refuse_overflow() {
        assert_eq!(kinds("1K 2m 3G 10"), [1024, 2 << 20, 3 << 30, 10].map(TokenKind::Number));
        assert!(tokenize("99999999999999999999").is_err());
        assert!(tokenize("17179869184G").is_err());
    }

    #[test]
    fn quoted_strings_resolve_escapes() {
        assert_eq!(kinds(r#""a\"b\\c\d""#), [TokenKind::String(r#"a"b\cd"#.into())]);
    }

    #[test]
    fn multi_line_strings_undo_dot_stuffing() {
        let source = "text: # comment\r\nline one\r\n..dot\r\n.\r\n;";
        assert_eq!(kinds(source), [TokenKind::String("line one\r\n.dot\r\n".into()), TokenKind::Semicolon]);
        assert_eq!(kinds("text:\nbare lf\n.\n"), [TokenKind::String("bare lf\r\n".into())]);
    }

    #[test]
    fn comments_are_skipped_and_an_open_one_is_an_error() {
        assert_eq!(kinds("# x\n/* y\n */ ;"), [TokenKind::Semicolon]);
        let error = tokenize("keep;\n  /* open").err();
        assert_eq!(error.map(|e| (e.line, e.column)), Some((2, 3)));
    }

    #[test]
    fn positions_count_characters() {
        let tokens = tokenize("\"é\" x").unwrap_or_default();
        assert_eq!(tokens.get(1).map(|t| t.position), Some(Position { line: 1, column: 5 }));
    }

    #[test]
    fn unterminated_strings_point_at_their_start() {
        let error = tokenize("keep;\nfileinto \"abc").err();
        assert_eq!(error.map(|e| (e.line, e.column)), Some((2, 10)));
        assert!(tokenize("text:\nno end\n").is_err());
    }
}
