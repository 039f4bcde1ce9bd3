//! Typed errors: what was wrong with a command, and (when it got that far) its tag, so the
//! server can answer `TAG BAD …` or `TAG NO [TOOBIG] …`.

use thiserror::Error;

use crate::command::Tag;

/// Why the bytes of a command do not form a valid command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyntaxError {
    /// The grammar wanted something else at this offset of the command.
    #[error("expected {expected} at offset {at}")]
    Expected { expected: &'static str, at: usize },
    /// The command name is not one we know.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A number overflowed or was zero where RFC 9051 requires nz-number.
    #[error("invalid number at offset {at}")]
    Number { at: usize },
    /// A list or set had more entries than the configured limit.
    #[error("too many {what} (limit {limit})")]
    TooMany { what: &'static str, limit: usize },
    /// SEARCH criteria nested deeper than the configured limit.
    #[error("search criteria nested deeper than {0}")]
    TooDeep(usize),
    /// A mailbox name that is not valid modified UTF-7 or UTF-8.
    #[error("invalid mailbox name: {0}")]
    MailboxName(#[from] crate::mutf7::Utf7Error),
    /// A string that must be UTF-8 (RFC 9051 §4.3) is not.
    #[error("string at offset {at} is not valid UTF-8")]
    Utf8 { at: usize },
    /// The input ended inside the command; only seen while checking a partial command.
    #[error("command incomplete")]
    Incomplete,
}

/// What went wrong with one command, as the reader reports it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandErrorKind {
    /// Malformed command: answer `TAG BAD` (or untagged `* BAD` without a tag).
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// A line longer than [`crate::Limits::max_line`]; the reader skipped to its end.
    #[error("line longer than {limit} octets")]
    LineTooLong { limit: usize },
    /// A command whose lines and literals exceed [`crate::Limits::max_command`].
    #[error("command longer than {limit} octets")]
    CommandTooLong { limit: usize },
    /// A literal larger than allowed at its position (RFC 7888 §4: answer with `[TOOBIG]`).
    #[error("literal of {len} octets exceeds the limit of {limit}")]
    LiteralTooBig { len: u64, limit: u64 },
    /// More literals in one command than [`crate::Limits::max_literals`].
    #[error("more than {limit} literals in one command")]
    TooManyLiterals { limit: usize },
}

/// A rejected command. The reader has already resynchronised (skipped the rest of the
/// command, and any literal the client sends regardless), so the session answers and
/// carries on, or closes the connection if the client keeps erring.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct CommandError {
    /// The command's tag, when it could be read.
    pub tag: Option<Tag>,
    /// What was wrong.
    pub kind: CommandErrorKind,
}

impl CommandError {
    /// True when the answer should carry the `TOOBIG` response code (RFC 9051 §7.1, RFC 7888 §4).
    pub fn is_too_big(&self) -> bool {
        matches!(
            self.kind,
            CommandErrorKind::LineTooLong { .. }
                | CommandErrorKind::CommandTooLong { .. }
                | CommandErrorKind::LiteralTooBig { .. }
                | CommandErrorKind::TooManyLiterals { .. }
                | CommandErrorKind::Syntax(SyntaxError::TooMany { .. })
        )
    }
}
