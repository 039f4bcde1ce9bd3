//! The POP3 command grammar (RFC 1939 §3, RFC 2449 §3, RFC 2595 §4, RFC 5034 §4): one client line in, one
//! typed [`Command`] out. Bytes and syntax only; whether a command is allowed now is the session's business.

use std::num::NonZeroU32;

/// A message number as the client sees it: 1-based position in the maildrop snapshot taken at login
/// (RFC 1939 §5). Never mixed up with a store UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageNumber(NonZeroU32);

impl MessageNumber {
    pub fn new(number: u32) -> Option<MessageNumber> {
        NonZeroU32::new(number).map(MessageNumber)
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// The position in a zero-based list.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

impl std::fmt::Display for MessageNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One parsed client command.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    User(String),
    /// The rest of the line: RFC 1939 §7 lets a password contain spaces.
    Pass(String),
    /// Recognised only to be refused with a reason (see `commands/authorization.rs`).
    Apop,
    /// `AUTH` alone lists the mechanisms (what clients written to the pre-RFC 5034 drafts expect).
    Auth {
        mechanism: Option<String>,
        initial_response: Option<String>,
    },
    Stls,
    Capa,
    Quit,
    Stat,
    List(Option<MessageNumber>),
    Retr(MessageNumber),
    Dele(MessageNumber),
    Noop,
    Rset,
    /// `TOP msg n`: the header and the first `n` lines of the body.
    Top(MessageNumber, u32),
    Uidl(Option<MessageNumber>),
}

impl std::fmt::Debug for Command {
    /// Never shows a password or a SASL response, so a `{:?}` in a log cannot leak one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Pass(_) => f.write_str("Pass(<redacted>)"),
            Command::Auth { mechanism, initial_response } => f
                .debug_struct("Auth")
                .field("mechanism", mechanism)
                .field("initial_response", &initial_response.as_ref().map(|_| "<redacted>"))
                .finish(),
            other => f.write_str(other.name()),
        }
    }
}

impl Command {
    /// The keyword, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Apop => "APOP",
            Command::Auth { .. } => "AUTH",
            Command::Stls => "STLS",
            Command::Capa => "CAPA",
            Command::Quit => "QUIT",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Retr(_) => "RETR",
            Command::Dele(_) => "DELE",
            Command::Noop => "NOOP",
            Command::Rset => "RSET",
            Command::Top(..) => "TOP",
            Command::Uidl(_) => "UIDL",
        }
    }
}

/// Why a line is not a command we understand; the text goes into the `-ERR` reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty command")]
    Empty,
    #[error("command is not valid UTF-8")]
    NotUtf8,
    #[error("unknown command")]
    Unknown,
    #[error("{0} needs an argument")]
    MissingArgument(&'static str),
    #[error("too many arguments to {0}")]
    TooManyArguments(&'static str),
    #[error("invalid message number")]
    BadMessageNumber,
    #[error("invalid line count")]
    BadLineCount,
}

/// Parses one line, with or without its CRLF. Keywords are case-insensitive (RFC 1939 §3).
pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
    let line = strip_line_ending(line);
    let line = std::str::from_utf8(line).map_err(|_| ParseError::NotUtf8)?;
    let (keyword, rest) = match line.split_once(' ') {
        Some((keyword, rest)) => (keyword, Some(rest)),
        None => (line, None),
    };
    if keyword.is_empty() {
        return Err(ParseError::Empty);
    }
    let keyword = keyword.to_ascii_uppercase();
    let mut args = rest.unwrap_or("").split_ascii_whitespace();
    let command = match keyword.as_str() {
        "USER" => Command::User(required(args.next(), "USER")?.to_owned()),
        "PASS" => return password(rest).map(Command::Pass),
        "APOP" => return Ok(Command::Apop),
        "AUTH" => Command::Auth {
            mechanism: args.next().map(str::to_owned),
            initial_response: args.next().map(str::to_owned),
        },
        "STLS" => Command::Stls,
        "CAPA" => Command::Capa,
        "QUIT" => Command::Quit,
        "STAT" => Command::Stat,
        "LIST" => Command::List(args.next().map(message_number).transpose()?),
        "RETR" => Command::Retr(message_number(required(args.next(), "RETR")?)?),
        "DELE" => Command::Dele(message_number(required(args.next(), "DELE")?)?),
        "NOOP" => Command::Noop,
        "RSET" => Command::Rset,
        "TOP" => {
            let number = message_number(required(args.next(), "TOP")?)?;
            Command::Top(number, line_count(required(args.next(), "TOP")?)?)
        }
        "UIDL" => Command::Uidl(args.next().map(message_number).transpose()?),
        _ => return Err(ParseError::Unknown),
    };
    if args.next().is_some() {
        return Err(ParseError::TooManyArguments(command.name()));
    }
    Ok(command)
}

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn required<'a>(argument: Option<&'a str>, command: &'static str) -> Result<&'a str, ParseError> {
    argument.ok_or(ParseError::MissingArgument(command))
}

/// Everything after `PASS `, spaces included; only an empty password is refused.
fn password(rest: Option<&str>) -> Result<String, ParseError> {
    match rest {
        Some(password) if !password.is_empty() => Ok(password.to_owned()),
        _ => Err(ParseError::MissingArgument("PASS")),
    }
}

/// Digits only: no sign, no zero (RFC 1939 §3: message numbers start at 1).
fn message_number(argument: &str) -> Result<MessageNumber, ParseError> {
    decimal(argument).and_then(MessageNumber::new).ok_or(ParseError::BadMessageNumber)
}

/// A non-negative line count. Counts beyond `u32` mean "the whole body" and are clamped rather than refused.
fn line_count(argument: &str) -> Result<u32, ParseError> {
    if argument.is_empty() || !argument.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadLineCount);
    }
    Ok(argument.parse().unwrap_or(u32::MAX))
}

fn decimal(argument: &str) -> Option<u32> {
    if argument.is_empty() || !argument.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    argument.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: u32) -> MessageNumber {
        MessageNumber::new(n).unwrap()
    }

    #[test]
    fn keywords_are_case_insensitive_and_line_endings_optional() {
        assert_eq!(parse(b"stat\r\n"), Ok(Command::Stat));
        assert_eq!(parse(b"StAt"), Ok(Command::Stat));
        assert_eq!(parse(b"retr 7\n"), Ok(Command::Retr(number(7))));
    }

    #[test]
    fn optional_arguments_are_optional() {
        assert_eq!(parse(b"LIST\r\n"), Ok(Command::List(None)));
        assert_eq!(parse(b"LIST 2\r\n"), Ok(Command::List(Some(number(2)))));
        assert_eq!(parse(b"UIDL 3\r\n"), Ok(Command::Uidl(Some(number(3)))));
        assert_eq!(parse(b"TOP 1 0\r\n"), Ok(Command::Top(number(1), 0)));
    }

    #[test]
    fn password_keeps_its_spaces() {
        assert_eq!(parse(b"PASS  two words \r\n"), Ok(Command::Pass(" two words ".into())));
        assert_eq!(parse(b"PASS\r\n"), Err(ParseError::MissingArgument("PASS")));
    }

    #[test]
    fn auth_takes_a_mechanism_and_an_optional_initial_response() {
        assert_eq!(parse(b"AUTH\r\n"), Ok(Command::Auth { mechanism: None, initial_response: None }));
        assert_eq!(
            parse(b"AUTH PLAIN AGFAYg==\r\n"),
            Ok(Command::Auth { mechanism: Some("PLAIN".into()), initial_response: Some("AGFAYg==".into()) })
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [&b"RETR 0"[..], b"RETR -1", b"RETR +1", b"RETR x", b"DELE 99999999999", b"LIST 1e3"] {
            assert_eq!(parse(bad), Err(ParseError::BadMessageNumber), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse(b"TOP 1 -1"), Err(ParseError::BadLineCount));
        assert_eq!(parse(b"TOP 1 99999999999"), Ok(Command::Top(number(1), u32::MAX)));
    }

    #[test]
    fn missing_extra_and_unknown_are_told_apart() {
        assert_eq!(parse(b"RETR\r\n"), Err(ParseError::MissingArgument("RETR")));
        assert_eq!(parse(b"TOP 1\r\n"), Err(ParseError::MissingArgument("TOP")));
        assert_eq!(parse(b"STAT 1\r\n"), Err(ParseError::TooManyArguments("STAT")));
        assert_eq!(parse(b"XYZZY\r\n"), Err(ParseError::Unknown));
        assert_eq!(parse(b"\r\n"), Err(ParseError::Empty));
        assert_eq!(parse(b" STAT\r\n"), Err(ParseError::Empty));
        assert_eq!(parse(b"ST\xffAT\r\n"), Err(ParseError::NotUtf8));
    }

    #[test]
    fn any_combination_of_awkward_tokens_parses_or_is_refused_without_panicking() {
        let tokens: [&[u8]; 12] =
            [b"RETR", b"top", b"PASS", b"AUTH", b" ", b"  ", b"0", b"4294967296", b"\xff", b"\0", b"\r", b"."];
        for a in tokens {
            for b in tokens {
                for c in tokens {
                    let _ = parse(&[a, b, c, b"\r\n"].concat());
                }
            }
        }
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let printed =
            format!("{:?} {:?}", parse(b"PASS hunter2").unwrap(), parse(b"AUTH PLAIN c2VjcmV0LXNhc2w=").unwrap());
        assert!(!printed.contains("hunter2") && !printed.contains("c2VjcmV0LXNhc2w"), "{printed}");
    }
}
