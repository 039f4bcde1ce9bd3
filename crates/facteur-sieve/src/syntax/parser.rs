//! RFC 5228 §8.2 grammar into a generic tree: commands with arguments, tests and blocks. What each command
//! means is the validator's business (`crate::validate`); this module knows only the shape.
//!
//! The parser is recursive over blocks and test lists; [`crate::Limits::max_nesting`] bounds the depth, so
//! a script of a million `(` cannot overflow the stack.

use std::iter::Peekable;
use std::vec::IntoIter;

use super::lexer::{Token, TokenKind};
use crate::error::{CompileError, Position};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandNode {
    pub name: String,
    pub position: Position,
    pub arguments: Vec<Argument>,
    pub tests: Vec<TestNode>,
    /// `Some` when the command ends with a block rather than `;`.
    pub block: Option<Vec<CommandNode>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TestNode {
    pub name: String,
    pub position: Position,
    pub arguments: Vec<Argument>,
    pub tests: Vec<TestNode>,
    /// Whether the tests were written as a parenthesised test list (`allof (...)`), not as a single test.
    pub test_list: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Argument {
    pub value: ArgumentValue,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArgumentValue {
    /// A string, or a string list in brackets (`list` says which was written).
    Strings {
        values: Vec<String>,
        list: bool,
    },
    Number(u64),
    Tag(String),
}

/// Parses a whole script.
pub(crate) fn parse(tokens: Vec<Token>, max_nesting: usize) -> Result<Vec<CommandNode>, CompileError> {
    let mut parser = Parser { tokens: tokens.into_iter().peekable(), max_nesting, last: Position::default() };
    let commands = parser.commands(0)?;
    match parser.tokens.next() {
        None => Ok(commands),
        Some(token) => Err(CompileError::at(token.position, "unexpected '}' outside of a block")),
    }
}

struct Parser {
    tokens: Peekable<IntoIter<Token>>,
    max_nesting: usize,
    /// Where the last token was, to point at the end when the script stops short.
    last: Position,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.next()?;
        self.last = token.position;
        Some(token)
    }

    fn peek(&mut self) -> Option<&TokenKind> {
        self.tokens.peek().map(|t| &t.kind)
    }

    fn check_depth(&self, depth: usize, position: Position) -> Result<(), CompileError> {
        if depth > self.max_nesting {
            return Err(CompileError::at(position, format!("nesting deeper than {} levels", self.max_nesting)));
        }
        Ok(())
    }

    /// Commands up to the end of the script or of the block (the `}` is left for the caller).
    fn commands(&mut self, depth: usize) -> Result<Vec<CommandNode>, CompileError> {
        let mut commands = Vec::new();
        while let Some(kind) = self.peek() {
            if *kind == TokenKind::RightBrace {
                break;
            }
            commands.push(self.command(depth)?);
        }
        Ok(commands)
    }

    fn command(&mut self, depth: usize) -> Result<CommandNode, CompileError> {
        let Some(token) = self.next() else { return Err(CompileError::at(self.last, "expected a command")) };
        let TokenKind::Identifier(name) = token.kind else {
            return Err(CompileError::at(
                token.position,
                format!("expected a command, found {}", describe(&token.kind)),
            ));
        };
        let arguments = self.arguments()?;
        let (tests, _) = self.tests(depth + 1)?;
        let block = match self.next() {
            Some(Token { kind: TokenKind::Semicolon, .. }) => None,
            Some(Token { kind: TokenKind::LeftBrace, position }) => {
                self.check_depth(depth + 1, position)?;
                let block = self.commands(depth + 1)?;
                match self.next() {
                    Some(Token { kind: TokenKind::RightBrace, .. }) => Some(block),
                    _ => return Err(CompileError::at(position, "block not closed: missing '}'")),
                }
            }
            Some(other) => {
                return Err(CompileError::at(
                    other.position,
                    format!("expected ';' or '{{' after {name}, found {}", describe(&other.kind)),
                ));
            }
            None => return Err(CompileError::at(self.last, format!("missing ';' after {name}"))),
        };
        Ok(CommandNode { name, position: token.position, arguments, tests, block })
    }

    fn arguments(&mut self) -> Result<Vec<Argument>, CompileError> {
        let mut arguments = Vec::new();
        loop {
            if !matches!(
                self.peek(),
                Some(TokenKind::Tag(_) | TokenKind::Number(_) | TokenKind::String(_) | TokenKind::LeftBracket)
            ) {
                return Ok(arguments);
            }
            let Some(token) = self.next() else { return Ok(arguments) };
            let position = token.position;
            let value = match token.kind {
                TokenKind::Tag(tag) => ArgumentValue::Tag(tag),
                TokenKind::Number(n) => ArgumentValue::Number(n),
                TokenKind::String(s) => ArgumentValue::Strings { values: vec![s], list: false },
                _ => ArgumentValue::Strings { values: self.string_list(position)?, list: true },
            };
            arguments.push(Argument { value, position });
        }
    }

    /// After `[`: strings separated by commas, then `]`.
    fn string_list(&mut self, start: Position) -> Result<Vec<String>, CompileError> {
        let mut values = Vec::new();
        loop {
            match self.next() {
                Some(Token { kind: TokenKind::String(s), .. }) => values.push(s),
                Some(other) => {
                    return Err(CompileError::at(
                        other.position,
                        format!("expected a string, found {}", describe(&other.kind)),
                    ));
                }
                None => return Err(CompileError::at(start, "string list not closed: missing ']'")),
            }
            match self.next() {
                Some(Token { kind: TokenKind::Comma, .. }) => continue,
                Some(Token { kind: TokenKind::RightBracket, .. }) => return Ok(values),
                Some(other) => {
                    return Err(CompileError::at(
                        other.position,
                        format!("expected ',' or ']', found {}", describe(&other.kind)),
                    ));
                }
                None => return Err(CompileError::at(start, "string list not closed: missing ']'")),
            }
        }
    }

    /// A single test, a parenthesised test list, or nothing. The flag says whether a list was written.
    fn tests(&mut self, depth: usize) -> Result<(Vec<TestNode>, bool), CompileError> {
        match self.peek() {
            Some(TokenKind::Identifier(_)) => Ok((vec![self.test(depth)?], false)),
            Some(TokenKind::LeftParen) => {
                let Some(open) = self.next() else { return Ok((Vec::new(), false)) };
                self.check_depth(depth, open.position)?;
                let mut tests = vec![self.test(depth)?];
                loop {
                    match self.next() {
                        Some(Token { kind: TokenKind::Comma, .. }) => tests.push(self.test(depth)?),
                        Some(Token { kind: TokenKind::RightParen, .. }) => return Ok((tests, true)),
                        Some(other) => {
                            return Err(CompileError::at(
                                other.position,
                                format!("expected ',' or ')' in a test list, found {}", describe(&other.kind)),
                            ));
                        }
                        None => return Err(CompileError::at(open.position, "test list not closed: missing ')'")),
                    }
                }
            }
            _ => Ok((Vec::new(), false)),
        }
    }

    fn test(&mut self, depth: usize) -> Result<TestNode, CompileError> {
        let Some(token) = self.next() else { return Err(CompileError::at(self.last, "expected a test")) };
        self.check_depth(depth, token.position)?;
        let TokenKind::Identifier(name) = token.kind else {
            return Err(CompileError::at(token.position, format!("expected a test, found {}", describe(&token.kind))));
        };
        let arguments = self.arguments()?;
        let (tests, test_list) = self.tests(depth + 1)?;
        Ok(TestNode { name, position: token.position, arguments, tests, test_list })
    }
}

fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Identifier(name) => format!("identifier {name:?}"),
        TokenKind::Tag(tag) => format!("tag :{tag}"),
        TokenKind::Number(n) => format!("number {n}"),
        TokenKind::String(_) => "a string".into(),
        TokenKind::LeftBracket => "'['".into(),
        TokenKind::RightBracket => "']'".into(),
        TokenKind::LeftBrace => "'{'".into(),
        TokenKind::RightBrace => "'}'".into(),
        TokenKind::LeftParen => "'('".into(),
        TokenKind::RightParen => "')'".into(),
        TokenKind::Comma => "','".into(),
        TokenKind::Semicolon => "';'".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_source(source: &str) -> Result<Vec<CommandNode>, CompileError> {
        parse(tokenize(source)?, 8)
    }

    #[test]
    fn a_command_with_a_test_and_a_block() {
        let commands = parse_source(r#"if header :is ["a", "b"] "c" { keep; } else { discard; }"#).unwrap_or_default();
        assert_eq!(commands.len(), 2);
        assert_eq!(commands[0].name, "if");
        assert_eq!(commands[0].tests[0].name, "header");
        assert_eq!(commands[0].tests[0].arguments.len(), 3);
        assert_eq!(commands[0].block.as_ref().map(Vec::len), Some(1));
        assert_eq!(commands[1].name, "else");
    }

    #[test]
    fn test_lists_nest() {
        let commands = parse_source("if allof (not true, anyof (false, true)) { stop; }").unwrap_or_default();
        let allof = &commands[0].tests[0];
        assert!(allof.test_list);
        assert_eq!(allof.tests.len(), 2);
        assert_eq!(allof.tests[1].tests.len(), 2);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("if {}true{} {{ keep; }}", "not ".repeat(20), "");
        assert!(parse_source(&deep).is_err());
        let blocks = format!("{}keep;{}", "if true { ".repeat(20), "}".repeat(20));
        assert!(parse_source(&blocks).is_err());
        let parens = format!("if {}true{} {{ keep; }}", "anyof (".repeat(50_000), ")".repeat(50_000));
        assert!(parse_source(&parens).is_err());
    }

    #[test]
    fn errors_say_where() {
        let error = parse_source("keep;\nkeep ]").err();
        assert_eq!(error.map(|e| (e.line, e.column)), Some((2, 6)));
        assert!(parse_source("keep; }").is_err());
        assert!(parse_source("if true { keep;").is_err());
        assert!(parse_source(r#"fileinto ["a" "b"];"#).is_err());
    }
}
