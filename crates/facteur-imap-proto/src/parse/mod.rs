//! The command grammar: a cursor over one complete command (its lines with the literal
//! data inline, exactly as received) and the productions built on it.
//!
//! Parsing only starts once the reader holds the whole command, so the productions never
//! wait for input; running out of bytes means either garbage or, while the reader checks
//! a command whose literal is still to come, [`SyntaxError::Incomplete`].

mod append;
mod command;
mod fetch;
mod lexer;
mod mailbox;
mod search;

pub(crate) use append::{AppendMessage, parse_after_message, parse_append_start};
pub(crate) use command::parse_command;
pub(crate) use lexer::Cursor;

pub use append::AppendStart;

/// tag = 1*<any ASTRING-CHAR except "+">.
pub(crate) use lexer::is_astring_char;

/// A result whose error carries the command's tag when it was readable.
pub(crate) type Tagged<T> = Result<T, (Option<crate::command::Tag>, crate::error::SyntaxError)>;

pub(crate) fn is_tag_char(b: u8) -> bool {
    lexer::is_astring_char(b) && b != b'+'
}
