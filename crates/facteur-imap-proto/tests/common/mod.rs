//! Helpers shared by the test files: drive a real CommandReader.
#![allow(dead_code, clippy::unwrap_used)]

pub mod responses;

use facteur_imap_proto::{Command, CommandBody, CommandError, CommandReader, Event, Limits};

/// Feeds `input` at once and collects events until the reader needs more.
pub fn events(reader: &mut CommandReader, input: &[u8]) -> Vec<Result<Event, CommandError>> {
    reader.push(input);
    drain(reader)
}

pub fn drain(reader: &mut CommandReader) -> Vec<Result<Event, CommandError>> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match reader.next_event() {
            Ok(Event::NeedMore) => return out,
            other => out.push(other),
        }
    }
    panic!("reader did not settle");
}

/// Parses one complete command (literals inline, continuations ignored).
pub fn parse(input: &str) -> Result<Command, CommandError> {
    parse_bytes(input.as_bytes())
}

pub fn parse_bytes(input: &[u8]) -> Result<Command, CommandError> {
    let mut reader = CommandReader::new(Limits::default());
    let mut found = None;
    for event in events(&mut reader, input) {
        match event {
            Ok(Event::Continue { .. }) => {}
            Ok(Event::Command(c)) => found = Some(Ok(c)),
            Err(e) => found = Some(Err(e)),
            Ok(other) => panic!("unexpected event {other:?}"),
        }
    }
    found.expect("no command parsed")
}

/// The body of a command that must parse.
pub fn body(input: &str) -> CommandBody {
    match parse(input) {
        Ok(c) => c.body,
        Err(e) => panic!("{input:?} did not parse: {e:?}"),
    }
}

/// Asserts the command is refused and returns the error.
pub fn refused(input: &str) -> CommandError {
    match parse(input) {
        Ok(c) => panic!("{input:?} parsed as {c:?}"),
        Err(e) => e,
    }
}
