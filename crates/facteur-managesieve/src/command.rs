//! The ManageSieve command grammar (RFC 5804 §4), without I/O.
//!
//! A command is a line of atoms, numbers and strings; a string is quoted (`"…"`, with `\"` and `\\` escapes)
//! or a literal (`{N+}` CRLF and N octets, after which the command line goes on). The session cuts the input
//! into lines and literals; [`CommandAssembly`] takes them one by one, says after each line whether a literal
//! follows ([`Next`]), and at the end yields the typed [`Command`]. The fuzz target drives the same steps.
//!
//! Leniencies, each harmless: a synchronizing literal `{N}` is read at once, as if it were `{N+}` (the server
//! never sends continuations, RFC 5804 §4 has none, and clients that use `{N}` send the octets straight away);
//! a bare LF ends a line like CRLF; several spaces count as one; command names are case-insensitive (§4).

use std::fmt;

/// RFC 5804 errata 2655: a quoted string holds at most 1024 octets; longer ones must be literals.
pub const QUOTED_MAX: usize = 1024;

/// Longest line of a command between literals, terminator included: a few quoted strings of
/// [`QUOTED_MAX`] octets, or a SASL response (`facteur_auth::sasl::MAX_LINE`), fit.
pub const LINE_MAX: usize = 8 * 1024;

/// Most elements in one command (name included): no command has more than three.
pub const MAX_TOKENS: usize = 6;

/// One element of a command.
#[derive(Clone, PartialEq, Eq)]
pub enum Token {
    /// A command name, a number, or an unquoted word.
    Atom(String),
    /// A quoted string or a literal, as octets (RFC 5804 §4 `string`).
    String(Vec<u8>),
    /// A literal larger than the session keeps: read and dropped, only its size known.
    Oversized(u64),
}

impl fmt::Debug for Token {
    /// Never the content of a string: it may be a password (SASL) or a script.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Atom(atom) => write!(f, "Atom({atom:?})"),
            Token::String(bytes) => write!(f, "String({} octets)", bytes.len()),
            Token::Oversized(size) => write!(f, "Oversized({size})"),
        }
    }
}

/// How a command line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    /// With the command: the next line is a new command.
    Command,
    /// With a literal header `{size+}` (or `{size}`): `size` octets follow, then more of the command.
    Literal { size: u64 },
}

/// What the session reads next for the command being assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The command is complete: call [`CommandAssembly::finish`].
    Finish,
    /// A literal of `size` octets, then another line.
    Literal { size: u64 },
}

/// Why a command was refused. Every one is answered `NO` with this text (ManageSieve has no `BAD`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("empty command")]
    Empty,
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error("the command does not start with its name")]
    NoCommandName,
    #[error("unterminated quoted string")]
    UnterminatedQuoted,
    #[error("quoted strings hold at most {QUOTED_MAX} octets: send a literal")]
    QuotedTooLong,
    #[error("a quoted string may not contain CR, LF or NUL, nor a backslash other than \\\" or \\\\")]
    BadQuotedChar,
    #[error("malformed literal header")]
    BadLiteral,
    #[error("unexpected character {0:?}")]
    Unexpected(char),
    #[error("too many arguments")]
    TooManyArguments,
    #[error("{0}: missing argument")]
    MissingArgument(&'static str),
    #[error("{0}: the argument must be a string (quoted or literal)")]
    ExpectedString(&'static str),
    #[error("{0}: the argument must be a number")]
    ExpectedNumber(&'static str),
    #[error("{0}: the string is not valid UTF-8")]
    NotUtf8(&'static str),
    #[error("{0}: literal too large")]
    LiteralTooLarge(&'static str),
    #[error("the command line is too long")]
    LineTooLong,
}

/// A script as uploaded (PUTSCRIPT, CHECKSCRIPT).
#[derive(Clone, PartialEq, Eq)]
pub enum ScriptText {
    /// Its octets (UTF-8 is checked by the handler, which says so in its answer).
    Bytes(Vec<u8>),
    /// A literal larger than the account may keep: dropped, answered `NO (QUOTA/MAXSIZE)`.
    TooLarge(u64),
}

/// One command of RFC 5804 §2.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// §2.1. `initial_response` is the client's base64 text, as sent.
    Authenticate { mechanism: String, initial_response: Option<Vec<u8>> },
    /// §2.2.
    StartTls,
    /// §2.3.
    Logout,
    /// §2.4.
    Capability,
    /// §2.5.
    HaveSpace { name: String, size: u64 },
    /// §2.6.
    PutScript { name: String, script: ScriptText },
    /// §2.7.
    ListScripts,
    /// §2.8; an empty name deactivates.
    SetActive { name: String },
    /// §2.9.
    GetScript { name: String },
    /// §2.10.
    DeleteScript { name: String },
    /// §2.11.
    RenameScript { old: String, new: String },
    /// §2.12.
    CheckScript { script: ScriptText },
    /// §2.13; the tag comes back in the `TAG` response code.
    Noop { tag: Option<Vec<u8>> },
    /// §2.14.1.
    Unauthenticate,
}

impl Command {
    /// The command's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Authenticate { .. } => "AUTHENTICATE",
            Command::StartTls => "STARTTLS",
            Command::Logout => "LOGOUT",
            Command::Capability => "CAPABILITY",
            Command::HaveSpace { .. } => "HAVESPACE",
            Command::PutScript { .. } => "PUTSCRIPT",
            Command::ListScripts => "LISTSCRIPTS",
            Command::SetActive { .. } => "SETACTIVE",
            Command::GetScript { .. } => "GETSCRIPT",
            Command::DeleteScript { .. } => "DELETESCRIPT",
            Command::RenameScript { .. } => "RENAMESCRIPT",
            Command::CheckScript { .. } => "CHECKSCRIPT",
            Command::Noop { .. } => "NOOP",
            Command::Unauthenticate => "UNAUTHENTICATE",
        }
    }
}

impl fmt::Debug for Command {
    /// Names and sizes only: a log line must never hold a password (SASL) or a user's script.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Authenticate { mechanism, initial_response } => {
                write!(f, "AUTHENTICATE {mechanism:?} (initial response: {})", initial_response.is_some())
            }
            Command::HaveSpace { name, size } => write!(f, "HAVESPACE {name:?} {size}"),
            Command::PutScript { name, script } => write!(f, "PUTSCRIPT {name:?} {script:?}"),
            Command::SetActive { name } | Command::GetScript { name } | Command::DeleteScript { name } => {
                write!(f, "{} {name:?}", self.name())
            }
            Command::RenameScript { old, new } => write!(f, "RENAMESCRIPT {old:?} {new:?}"),
            Command::CheckScript { script } => write!(f, "CHECKSCRIPT {script:?}"),
            _ => f.write_str(self.name()),
        }
    }
}

impl fmt::Debug for ScriptText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptText::Bytes(bytes) => write!(f, "({} octets)", bytes.len()),
            ScriptText::TooLarge(size) => write!(f, "({size} octets, dropped)"),
        }
    }
}

/// One command being put together from its lines and literals.
#[derive(Debug, Default)]
pub struct CommandAssembly {
    tokens: Vec<Token>,
    /// The first error met; the rest of the command is still read (its literals skipped), so that the
    /// session stays in step with the client.
    error: Option<SyntaxError>,
}

impl CommandAssembly {
    pub fn new() -> CommandAssembly {
        CommandAssembly::default()
    }

    /// Takes one line (terminator included) and says what comes next.
    pub fn line(&mut self, line: &[u8]) -> Next {
        if self.error.is_some() {
            // Only the literal header matters now: its octets must still be skipped.
            return match trailing_literal(line) {
                Some(size) => Next::Literal { size },
                None => Next::Finish,
            };
        }
        match scan_line(line, &mut self.tokens) {
            Ok(LineEnd::Command) => Next::Finish,
            Ok(LineEnd::Literal { size }) => Next::Literal { size },
            Err(error) => {
                self.error = Some(error);
                self.line(line)
            }
        }
    }

    /// A line that was longer than [`LINE_MAX`] (the connection skipped it): the command is refused.
    pub fn line_too_long(&mut self) {
        self.error.get_or_insert(SyntaxError::LineTooLong);
    }

    /// The octets of the literal announced by the last line.
    pub fn literal(&mut self, octets: Vec<u8>) {
        self.push(Token::String(octets));
    }

    /// The literal announced by the last line was too large to keep: the session dropped its octets.
    pub fn oversized(&mut self, size: u64) {
        self.push(Token::Oversized(size));
    }

    fn push(&mut self, token: Token) {
        if self.error.is_some() {
            return;
        }
        if self.tokens.len() >= MAX_TOKENS {
            self.error = Some(SyntaxError::TooManyArguments);
            return;
        }
        self.tokens.push(token);
    }

    /// How many literals the command has had so far (the session bounds them).
    pub fn elements(&self) -> usize {
        self.tokens.len()
    }

    /// The command, once [`Next::Finish`] was said.
    pub fn finish(self) -> Result<Command, SyntaxError> {
        match self.error {
            Some(error) => Err(error),
            None => parse(self.tokens),
        }
    }

    /// A SASL client response (RFC 5804 §2.1: `string` CRLF), once [`Next::Finish`] was said.
    pub fn finish_response(self) -> Result<Vec<u8>, SyntaxError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut tokens = self.tokens.into_iter();
        let response = string(&mut tokens, "response")?;
        no_more(tokens)?;
        Ok(response)
    }
}

/// Reads one line into `tokens`; the line may end with a literal header, whose octets come next.
pub fn scan_line(line: &[u8], tokens: &mut Vec<Token>) -> Result<LineEnd, SyntaxError> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut at = 0;
    loop {
        while line.get(at) == Some(&b' ') {
            at += 1;
        }
        let Some(&first) = line.get(at) else { return Ok(LineEnd::Command) };
        if tokens.len() >= MAX_TOKENS {
            return Err(SyntaxError::TooManyArguments);
        }
        match first {
            b'"' => {
                let (content, end) = quoted(line, at + 1)?;
                tokens.push(Token::String(content));
                at = end;
            }
            b'{' => {
                // A literal header ends its line (RFC 5804 §4 `literal-c2s`: CRLF right after it).
                let size = literal_header(&line[at..]).ok_or(SyntaxError::BadLiteral)?;
                return Ok(LineEnd::Literal { size });
            }
            _ => {
                let end = line[at..].iter().position(|&b| b == b' ').map_or(line.len(), |n| at + n);
                let word = &line[at..end];
                if let Some(&bad) = word.iter().find(|&&b| !is_atom_char(b)) {
                    return Err(SyntaxError::Unexpected(char::from(bad)));
                }
                // Only ASCII passed `is_atom_char`.
                tokens.push(Token::Atom(String::from_utf8_lossy(word).into_owned()));
                at = end;
            }
        }
        // Elements are separated by a space.
        if let Some(&next) = line.get(at)
            && next != b' '
        {
            return Err(SyntaxError::Unexpected(char::from(next)));
        }
    }
}

/// `line[start..]` after an opening DQUOTE: the content and where the closing DQUOTE ends.
/// RFC 5804 §4: `QUOTED-CHAR = SAFE-UTF8-CHAR / "\" QUOTED-SPECIALS`, no CR, LF or NUL; at most
/// [`QUOTED_MAX`] octets (errata 2655).
fn quoted(line: &[u8], start: usize) -> Result<(Vec<u8>, usize), SyntaxError> {
    let mut content = Vec::new();
    let mut at = start;
    loop {
        let Some(&byte) = line.get(at) else { return Err(SyntaxError::UnterminatedQuoted) };
        match byte {
            b'"' => return Ok((content, at + 1)),
            b'\\' => match line.get(at + 1) {
                Some(&escaped @ (b'"' | b'\\')) => {
                    content.push(escaped);
                    at += 2;
                }
                _ => return Err(SyntaxError::BadQuotedChar),
            },
            b'\r' | b'\n' | 0 => return Err(SyntaxError::BadQuotedChar),
            _ => {
                content.push(byte);
                at += 1;
            }
        }
        if content.len() > QUOTED_MAX {
            return Err(SyntaxError::QuotedTooLong);
        }
    }
}

/// `{N+}` or `{N}` as the whole of `text`: N.
fn literal_header(text: &[u8]) -> Option<u64> {
    let inner = text.strip_prefix(b"{")?.strip_suffix(b"}")?;
    let digits = inner.strip_suffix(b"+").unwrap_or(inner);
    number(digits)
}

/// The size of the literal `line` announces at its end, if any, whatever else the line holds: how the rest of
/// a refused command is skipped.
fn trailing_literal(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let open = line.iter().rposition(|&b| b == b'{')?;
    literal_header(&line[open..])
}

/// RFC 5804 §4 `number = 1*DIGIT`, "a 32-bit unsigned number".
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
    (value <= u64::from(u32::MAX)).then_some(value)
}

/// Printable ASCII other than the characters that start or delimit another element.
fn is_atom_char(byte: u8) -> bool {
    byte.is_ascii_graphic() && !matches!(byte, b'"' | b'{' | b'}' | b'(' | b')' | b'\\')
}

/// The typed command from its elements.
fn parse(tokens: Vec<Token>) -> Result<Command, SyntaxError> {
    let mut tokens = tokens.into_iter();
    let name = match tokens.next() {
        None => return Err(SyntaxError::Empty),
        Some(Token::Atom(name)) => name.to_ascii_uppercase(),
        Some(_) => return Err(SyntaxError::NoCommandName),
    };
    let command = match name.as_str() {
        "AUTHENTICATE" => {
            let mechanism = mechanism(&mut tokens)?;
            let initial_response = optional_string(&mut tokens, "AUTHENTICATE")?;
            Command::Authenticate { mechanism, initial_response }
        }
        "STARTTLS" => Command::StartTls,
        "LOGOUT" => Command::Logout,
        "CAPABILITY" => Command::Capability,
        "HAVESPACE" => {
            let name = text(&mut tokens, "HAVESPACE")?;
            let size = match tokens.next() {
                Some(Token::Atom(atom)) => number(atom.as_bytes()).ok_or(SyntaxError::ExpectedNumber("HAVESPACE"))?,
                Some(_) => return Err(SyntaxError::ExpectedNumber("HAVESPACE")),
                None => return Err(SyntaxError::MissingArgument("HAVESPACE")),
            };
            Command::HaveSpace { name, size }
        }
        "PUTSCRIPT" => {
            let name = text(&mut tokens, "PUTSCRIPT")?;
            Command::PutScript { name, script: script(&mut tokens, "PUTSCRIPT")? }
        }
        "LISTSCRIPTS" => Command::ListScripts,
        "SETACTIVE" => Command::SetActive { name: text(&mut tokens, "SETACTIVE")? },
        "GETSCRIPT" => Command::GetScript { name: text(&mut tokens, "GETSCRIPT")? },
        "DELETESCRIPT" => Command::DeleteScript { name: text(&mut tokens, "DELETESCRIPT")? },
        "RENAMESCRIPT" => {
            let old = text(&mut tokens, "RENAMESCRIPT")?;
            Command::RenameScript { old, new: text(&mut tokens, "RENAMESCRIPT")? }
        }
        "CHECKSCRIPT" => Command::CheckScript { script: script(&mut tokens, "CHECKSCRIPT")? },
        "NOOP" => Command::Noop { tag: optional_string(&mut tokens, "NOOP")? },
        "UNAUTHENTICATE" => Command::Unauthenticate,
        _ => return Err(SyntaxError::UnknownCommand(name)),
    };
    no_more(tokens)?;
    Ok(command)
}

fn no_more(mut tokens: impl Iterator<Item = Token>) -> Result<(), SyntaxError> {
    match tokens.next() {
        Some(_) => Err(SyntaxError::TooManyArguments),
        None => Ok(()),
    }
}

/// RFC 5804 §4 `auth-type = string`; an atom is taken too, as some clients send `AUTHENTICATE PLAIN`.
fn mechanism(tokens: &mut impl Iterator<Item = Token>) -> Result<String, SyntaxError> {
    match tokens.next() {
        Some(Token::Atom(atom)) => Ok(atom),
        Some(Token::String(bytes)) => String::from_utf8(bytes).map_err(|_| SyntaxError::NotUtf8("AUTHENTICATE")),
        Some(Token::Oversized(_)) => Err(SyntaxError::LiteralTooLarge("AUTHENTICATE")),
        None => Err(SyntaxError::MissingArgument("AUTHENTICATE")),
    }
}

fn string(tokens: &mut impl Iterator<Item = Token>, command: &'static str) -> Result<Vec<u8>, SyntaxError> {
    optional_string(tokens, command)?.ok_or(SyntaxError::MissingArgument(command))
}

fn optional_string(
    tokens: &mut impl Iterator<Item = Token>,
    command: &'static str,
) -> Result<Option<Vec<u8>>, SyntaxError> {
    match tokens.next() {
        None => Ok(None),
        Some(Token::String(bytes)) => Ok(Some(bytes)),
        Some(Token::Atom(_)) => Err(SyntaxError::ExpectedString(command)),
        Some(Token::Oversized(_)) => Err(SyntaxError::LiteralTooLarge(command)),
    }
}

/// A string that must be UTF-8 (a script name, RFC 5804 §1.6).
fn text(tokens: &mut impl Iterator<Item = Token>, command: &'static str) -> Result<String, SyntaxError> {
    String::from_utf8(string(tokens, command)?).map_err(|_| SyntaxError::NotUtf8(command))
}

fn script(tokens: &mut impl Iterator<Item = Token>, command: &'static str) -> Result<ScriptText, SyntaxError> {
    match tokens.next() {
        Some(Token::Oversized(size)) => Ok(ScriptText::TooLarge(size)),
        Some(Token::String(bytes)) => Ok(ScriptText::Bytes(bytes)),
        Some(Token::Atom(_)) => Err(SyntaxError::ExpectedString(command)),
        None => Err(SyntaxError::MissingArgument(command)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cuts `input` as the session does (lines, then literals of the announced size) and parses one command.
    fn parse_input(input: &[u8]) -> Result<Command, SyntaxError> {
        let mut assembly = CommandAssembly::new();
        let mut rest = input;
        loop {
            let end = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |n| n + 1);
            let (line, after) = rest.split_at(end);
            match assembly.line(line) {
                Next::Finish => return assembly.finish(),
                Next::Literal { size } => {
                    let size = usize::try_from(size).unwrap_or(usize::MAX).min(after.len());
                    let (literal, after) = after.split_at(size);
                    assembly.literal(literal.to_vec());
                    rest = after;
                }
            }
        }
    }

    #[test]
    fn commands_with_quoted_strings_and_literals() {
        assert_eq!(parse_input(b"capability\r\n"), Ok(Command::Capability));
        assert_eq!(
            parse_input(b"PUTSCRIPT \"my \\\"best\\\" \\\\ one\" {9+}\r\nkeep;\r\n\r\n\r\n"),
            Ok(Command::PutScript {
                name: "my \"best\" \\ one".into(),
                script: ScriptText::Bytes(b"keep;\r\n\r\n".to_vec())
            })
        );
        // A synchronizing literal is read at once too.
        assert_eq!(
            parse_input(b"RENAMESCRIPT {3}\r\nold \"new\"\r\n"),
            Ok(Command::RenameScript { old: "old".into(), new: "new".into() })
        );
        assert_eq!(
            parse_input(b"HAVESPACE \"a\" 4294967295\r\n"),
            Ok(Command::HaveSpace { name: "a".into(), size: 4_294_967_295 })
        );
        assert_eq!(
            parse_input(b"AUTHENTICATE \"PLAIN\" \"AGFsaWNlAHNlY3JldA==\"\r\n"),
            Ok(Command::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: Some(b"AGFsaWNlAHNlY3JldA==".to_vec())
            })
        );
        assert_eq!(
            parse_input(b"NOOP \"STARTTLS-SYNC-42\"\r\n"),
            Ok(Command::Noop { tag: Some(b"STARTTLS-SYNC-42".to_vec()) })
        );
        assert_eq!(parse_input(b"SETACTIVE \"\"\n"), Ok(Command::SetActive { name: String::new() }));
    }

    #[test]
    fn malformed_commands_are_refused_with_a_reason() {
        assert_eq!(parse_input(b"\r\n"), Err(SyntaxError::Empty));
        assert_eq!(parse_input(b"FROB\r\n"), Err(SyntaxError::UnknownCommand("FROB".into())));
        assert_eq!(parse_input(b"GETSCRIPT\r\n"), Err(SyntaxError::MissingArgument("GETSCRIPT")));
        assert_eq!(parse_input(b"GETSCRIPT name\r\n"), Err(SyntaxError::ExpectedString("GETSCRIPT")));
        assert_eq!(parse_input(b"GETSCRIPT \"a\" \"b\"\r\n"), Err(SyntaxError::TooManyArguments));
        assert_eq!(parse_input(b"GETSCRIPT \"a\r\n"), Err(SyntaxError::UnterminatedQuoted));
        assert_eq!(parse_input(b"GETSCRIPT \"a\\n\"\r\n"), Err(SyntaxError::BadQuotedChar));
        assert_eq!(parse_input(b"GETSCRIPT \"a\"\"b\"\r\n"), Err(SyntaxError::Unexpected('"')));
        assert_eq!(parse_input(b"HAVESPACE \"a\" 4294967296\r\n"), Err(SyntaxError::ExpectedNumber("HAVESPACE")));
        assert_eq!(parse_input(b"HAVESPACE \"a\" -1\r\n"), Err(SyntaxError::ExpectedNumber("HAVESPACE")));
        assert_eq!(parse_input(b"GETSCRIPT {x+}\r\n"), Err(SyntaxError::BadLiteral));
        assert_eq!(parse_input(b"GETSCRIPT \"\xff\"\r\n"), Err(SyntaxError::NotUtf8("GETSCRIPT")));
    }

    #[test]
    fn quoted_strings_hold_at_most_1024_octets() {
        let fits = format!("GETSCRIPT \"{}\"\r\n", "é".repeat(512));
        assert!(parse_input(fits.as_bytes()).is_ok());
        let over = format!("GETSCRIPT \"{}\"\r\n", "a".repeat(QUOTED_MAX + 1));
        assert_eq!(parse_input(over.as_bytes()), Err(SyntaxError::QuotedTooLong));
    }

    #[test]
    fn a_refused_command_still_has_its_literals_skipped() {
        let mut assembly = CommandAssembly::new();
        assert_eq!(assembly.line(b"FROB \"x\" {5+}\r\n"), Next::Literal { size: 5 });
        assembly.literal(b"12345".to_vec());
        assert_eq!(assembly.line(b" {2+}\r\n"), Next::Literal { size: 2 });
        assembly.literal(b"ab".to_vec());
        assert_eq!(assembly.line(b"\r\n"), Next::Finish);
        assert_eq!(assembly.finish(), Err(SyntaxError::UnknownCommand("FROB".into())));

        let mut assembly = CommandAssembly::new();
        assert_eq!(assembly.line(b"GETSCRIPT \"a\r\"b\" {3+}\r\n"), Next::Literal { size: 3 });
    }

    #[test]
    fn an_oversized_script_literal_is_a_quota_matter_not_a_syntax_error() {
        let mut assembly = CommandAssembly::new();
        assert_eq!(assembly.line(b"PUTSCRIPT \"big\" {999999+}\r\n"), Next::Literal { size: 999_999 });
        assembly.oversized(999_999);
        assert_eq!(assembly.line(b"\r\n"), Next::Finish);
        assert_eq!(
            assembly.finish(),
            Ok(Command::PutScript { name: "big".into(), script: ScriptText::TooLarge(999_999) })
        );
    }

    #[test]
    fn sasl_responses_are_one_string() {
        let mut assembly = CommandAssembly::new();
        assert_eq!(assembly.line(b"\"*\"\r\n"), Next::Finish);
        assert_eq!(assembly.finish_response(), Ok(b"*".to_vec()));
        let mut assembly = CommandAssembly::new();
        assert_eq!(assembly.line(b"{4+}\r\n"), Next::Literal { size: 4 });
        assembly.literal(b"dGVz".to_vec());
        assert_eq!(assembly.line(b"\r\n"), Next::Finish);
        assert_eq!(assembly.finish_response(), Ok(b"dGVz".to_vec()));
        let mut assembly = CommandAssembly::new();
        assembly.line(b"abc\r\n");
        assert_eq!(assembly.finish_response(), Err(SyntaxError::ExpectedString("response")));
    }

    #[test]
    fn debug_never_shows_secrets_or_scripts() {
        let command = parse_input(b"AUTHENTICATE \"PLAIN\" \"c2VjcmV0\"\r\n").unwrap();
        assert!(!format!("{command:?}").contains("c2VjcmV0"));
        let command = parse_input(b"PUTSCRIPT \"s\" {5+}\r\nkeep;\r\n").unwrap();
        assert_eq!(format!("{command:?}"), "PUTSCRIPT \"s\" (5 octets)");
    }
}
