//! Fuzzes the POP3 command grammar (`facteur_pop3::command::parse`) with a client's byte stream, cut into
//! lines as `Connection::read_line` cuts it for the session (at most `COMMAND_LINE_MAX` octets).
//!
//! What must hold for every line that parses (RFC 1939 §3, RFC 2449, RFC 5034):
//! - the command is the one its keyword names, case-insensitively;
//! - message numbers are at least 1 (RFC 1939 §5 numbers messages from 1);
//! - `PASS` keeps the rest of the line verbatim, spaces included (RFC 1939 §7);
//! - written back in canonical form, the command parses to the same value;
//! - `Debug` never shows a password or a SASL initial response (a log line must not leak one).
//!
//! Run with `cargo fuzz run --sanitizer none pop3_command` from `crates/facteur-pop3` (see docs/fuzzing.md).
#![no_main]

use facteur_pop3::command::{Command, MessageNumber, parse};
use libfuzzer_sys::fuzz_target;

/// `session::COMMAND_LINE_MAX` (private there): keep in step.
const COMMAND_LINE_MAX: usize = 512;

fuzz_target!(|data: &[u8]| {
    // Lines with their LF; an over-long line is skipped by the connection, an unterminated tail dropped.
    for line in data.split_inclusive(|&b| b == b'\n') {
        if line.len() > COMMAND_LINE_MAX || !line.ends_with(b"\n") {
            continue;
        }
        if let Ok(command) = parse(line) {
            check(&command, line);
        }
    }
});

fn check(command: &Command, line: &[u8]) {
    let text = std::str::from_utf8(line).expect("a parsed line is UTF-8");
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let (keyword, rest) = text.split_once(' ').unwrap_or((text, ""));
    assert_eq!(keyword.to_ascii_uppercase(), command.name(), "{text:?} parsed as {command:?}");

    for number in numbers(command) {
        assert!(number.get() >= 1);
        assert_eq!(number.index() + 1, number.get() as usize);
    }
    if let Command::Pass(password) = command {
        assert_eq!(password, rest, "the password is not the rest of the line");
    }

    let debug = format!("{command:?}");
    match command {
        Command::Pass(_) => assert_eq!(debug, "Pass(<redacted>)"),
        Command::Auth { mechanism, initial_response } => {
            let shown = initial_response.as_ref().map(|_| "<redacted>");
            let expected = format!("Auth {{ mechanism: {mechanism:?}, initial_response: {shown:?} }}");
            assert_eq!(debug, expected);
        }
        other => assert_eq!(debug, other.name()),
    }

    let canonical = format!("{}\r\n", canonical(command));
    assert_eq!(parse(canonical.as_bytes()).as_ref(), Ok(command), "{canonical:?} does not parse back");
}

fn numbers(command: &Command) -> Vec<MessageNumber> {
    match command {
        Command::List(Some(n)) | Command::Uidl(Some(n)) | Command::Retr(n) | Command::Dele(n) | Command::Top(n, _) => {
            vec![*n]
        }
        _ => Vec::new(),
    }
}

/// The command as a client following RFC 1939 would write it.
fn canonical(command: &Command) -> String {
    let optional = |n: &Option<MessageNumber>| n.map(|n| format!(" {n}")).unwrap_or_default();
    match command {
        Command::User(name) => format!("USER {name}"),
        Command::Pass(password) => format!("PASS {password}"),
        Command::Apop => "APOP".to_owned(),
        Command::Auth { mechanism, initial_response } => {
            let mut out = "AUTH".to_owned();
            for word in [mechanism, initial_response].into_iter().flatten() {
                out.push(' ');
                out.push_str(word);
            }
            out
        }
        Command::List(n) => format!("LIST{}", optional(n)),
        Command::Uidl(n) => format!("UIDL{}", optional(n)),
        Command::Retr(n) => format!("RETR {n}"),
        Command::Dele(n) => format!("DELE {n}"),
        Command::Top(n, lines) => format!("TOP {n} {lines}"),
        other => other.name().to_owned(),
    }
}
