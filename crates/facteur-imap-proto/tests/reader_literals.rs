//! The incremental reader: line gathering, synchronising and non-synchronising literals
//! (RFC 9051 §7.5, RFC 7888), limits and resynchronisation after a refused command.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

fn reader() -> CommandReader {
    CommandReader::new(Limits::default())
}

fn command(event: &Result<Event, CommandError>) -> &Command {
    match event {
        Ok(Event::Command(c)) => c,
        other => panic!("expected a command, got {other:?}"),
    }
}

#[test]
fn synchronising_literal_asks_for_continuation_before_the_data() {
    let mut r = reader();
    let first = events(&mut r, b"A1 LOGIN {4}\r\n");
    assert_eq!(first, vec![Ok(Event::Continue { literal_len: 4 })]);
    assert_eq!(events(&mut r, b"fr"), vec![]);
    let rest = events(&mut r, b"ed \"secret\"\r\n");
    match &command(&rest[0]).body {
        CommandBody::Login { username, password } => {
            assert_eq!(username, "fred");
            assert_eq!(password.0, b"secret");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_synchronising_literal_needs_no_continuation() {
    let mut r = reader();
    let evs = events(&mut r, b"A1 LOGIN {4+}\r\nfred {6+}\r\nsecret\r\n");
    assert_eq!(evs.len(), 1);
    assert!(matches!(command(&evs[0]).body, CommandBody::Login { .. }));
}

#[test]
fn literal_may_contain_crlf_and_parentheses() {
    let body = body("A1 SEARCH SUBJECT {6}\r\n(a\r\n)b\r\n");
    match body {
        CommandBody::Search(s) => assert_eq!(s.criteria, SearchKey::Subject(b"(a\r\n)b".to_vec())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn byte_by_byte_feeding_gives_the_same_commands() {
    let input: &[u8] = b"a1 NOOP\r\na2 LOGIN {3+}\r\nbob {2}\r\npw\r\na3 UID FETCH 1:* (FLAGS)\r\n";
    let mut whole = reader();
    let expected: Vec<Command> = events(&mut whole, input)
        .iter()
        .filter_map(|e| match e {
            Ok(Event::Command(c)) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(expected.len(), 3);
    let mut r = reader();
    let mut got = Vec::new();
    for b in input {
        for e in events(&mut r, &[*b]) {
            if let Ok(Event::Command(c)) = e {
                got.push(c);
            }
        }
    }
    assert_eq!(got, expected);
}

#[test]
fn pipelined_commands_come_out_in_order() {
    let mut r = reader();
    let evs = events(&mut r, b"a NOOP\r\nb CHECK\r\nc LOGOUT\r\n");
    let tags: Vec<&str> = evs.iter().map(|e| command(e).tag.as_str()).collect();
    assert_eq!(tags, ["a", "b", "c"]);
}

#[test]
fn bare_lf_and_empty_lines_are_tolerated() {
    let mut r = reader();
    let evs = events(&mut r, b"\r\n\na NOOP\n");
    assert_eq!(evs.len(), 1);
    assert_eq!(command(&evs[0]).body, CommandBody::Noop);
}

#[test]
fn oversized_literal_is_refused_before_its_data_with_the_tag() {
    let limits = Limits { max_literal: 10, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let evs = events(&mut r, b"A7 LOGIN {11}\r\n");
    let err = evs[0].clone().unwrap_err();
    assert_eq!(err.tag, Tag::new("A7"));
    assert!(err.is_too_big());
    // The client got no continuation, so it sends its next command; the reader is in sync.
    let evs = events(&mut r, b"A8 NOOP\r\n");
    assert_eq!(command(&evs[0]).tag.as_str(), "A8");
}

#[test]
fn oversized_non_synchronising_literal_is_skipped_then_reader_resyncs() {
    let limits = Limits { max_literal: 10, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let mut input = b"A7 LOGIN {20+}\r\n".to_vec();
    input.extend_from_slice(b"A8 NOOP\r\nA9 NOOP\r\n"); // 18 bytes of literal data + 2 of "x "
    input.extend_from_slice(b"x {3+}\r\nabc pw\r\nB1 NOOP\r\n");
    let evs = events(&mut r, &input);
    assert!(matches!(&evs[0], Err(e) if e.tag == Tag::new("A7") && e.is_too_big()));
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert_eq!(command(&evs[1]).tag.as_str(), "B1");
}

#[test]
fn literal_minus_refuses_non_synchronising_literals_over_4096() {
    let limits = Limits { non_sync_literals: NonSyncLiterals::Minus, max_literal: 1 << 20, ..Limits::default() };
    let mut r = CommandReader::new(limits.clone());
    let evs = events(&mut r, b"A1 LOGIN {4097+}\r\n");
    assert!(matches!(
        &evs[0],
        Err(CommandError { kind: CommandErrorKind::LiteralTooBig { len: 4097, limit: 4096 }, .. })
    ));
    // The same size as a synchronising literal is fine.
    let mut r = CommandReader::new(limits);
    assert_eq!(events(&mut r, b"A1 LOGIN {4097}\r\n"), vec![Ok(Event::Continue { literal_len: 4097 })]);
}

#[test]
fn line_too_long_is_refused_and_skipped() {
    let limits = Limits { max_line: 100, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let mut input = b"T1 SEARCH ".to_vec();
    input.extend(std::iter::repeat_n(b'A', 500));
    let evs = events(&mut r, &input);
    assert!(matches!(&evs[0], Err(CommandError { kind: CommandErrorKind::LineTooLong { .. }, .. })));
    assert_eq!(evs[0].as_ref().unwrap_err().tag, Tag::new("T1"));
    let evs = events(&mut r, b"AAAAAAAA\r\nT2 NOOP\r\n");
    assert_eq!(evs.len(), 1);
    assert_eq!(command(&evs[0]).tag.as_str(), "T2");
    assert!(r.buffered_len() == 0);
}

#[test]
fn command_too_long_across_literals() {
    let limits = Limits { max_command: 64, max_literal: 1000, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let evs = events(&mut r, b"A1 LOGIN {100}\r\n");
    assert!(matches!(&evs[0], Err(CommandError { kind: CommandErrorKind::CommandTooLong { .. }, .. })));
}

#[test]
fn too_many_literals_in_one_command() {
    let limits = Limits { max_literals: 2, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let evs = events(&mut r, b"A1 STATUS {1+}\r\na (MESSAGES) {1+}\r\n");
    // The second literal is where the grammar breaks: refused either way, with the tag.
    assert!(evs.iter().any(|e| matches!(e, Err(err) if err.tag == Tag::new("A1"))));
    let mut r = CommandReader::new(Limits { max_literals: 2, ..Limits::default() });
    let evs = events(&mut r, b"A1 ID ({1+}\r\na {1+}\r\nb {1+}\r\nc NIL)\r\n");
    assert!(matches!(&evs[0], Err(CommandError { kind: CommandErrorKind::TooManyLiterals { limit: 2 }, .. })));
}

#[test]
fn malformed_command_is_refused_before_its_literal() {
    let mut r = reader();
    // SELECT takes no literal after the mailbox: BAD now, not after a continuation.
    let evs = events(&mut r, b"A1 SELECT INBOX {5}\r\n");
    assert!(matches!(&evs[0], Err(e) if e.tag == Tag::new("A1") && !e.is_too_big()));
    let evs = events(&mut r, b"A2 NOOP\r\n");
    assert_eq!(command(&evs[0]).tag.as_str(), "A2");
}

#[test]
fn unknown_command_and_missing_tag_are_typed_errors() {
    let e = refused("A1 FROBNICATE\r\n");
    assert_eq!(e.tag, Tag::new("A1"));
    assert_eq!(e.kind, CommandErrorKind::Syntax(SyntaxError::UnknownCommand("FROBNICATE".into())));
    let e = refused("+plus NOOP\r\n");
    assert_eq!(e.tag, None);
    let e = refused("A1 UID NOOP\r\n");
    assert_eq!(e.kind, CommandErrorKind::Syntax(SyntaxError::UnknownCommand("UID NOOP".into())));
}

#[test]
fn idle_done_and_authenticate_lines_are_read_raw() {
    let mut r = reader();
    let evs = events(&mut r, b"A1 IDLE\r\nDONE\r\nA2 NOOP\r\n");
    assert_eq!(command(&evs[0]).body, CommandBody::Idle);
    // The session stopped after IDLE; it reads DONE as a line, then commands resume.
    let mut r = reader();
    r.push(b"A1 IDLE\r\nDONE\r\nA2 NOOP\r\n");
    assert!(matches!(r.next_event(), Ok(Event::Command(_))));
    assert_eq!(r.next_line().unwrap(), Some(b"DONE".to_vec()));
    assert!(matches!(r.next_event(), Ok(Event::Command(c)) if c.tag.as_str() == "A2"));
    assert_eq!(r.next_line().unwrap(), None);
}

#[test]
fn take_unprocessed_returns_bytes_after_starttls() {
    let mut r = reader();
    r.push(b"A1 STARTTLS\r\nA2 LOGIN injected x\r\n");
    assert!(matches!(r.next_event(), Ok(Event::Command(c)) if c.body == CommandBody::StartTls));
    assert_eq!(r.take_unprocessed(), b"A2 LOGIN injected x\r\n");
    assert_eq!(r.next_event(), Ok(Event::NeedMore));
}

#[test]
fn passwords_never_appear_in_debug_output() {
    let c = parse("A1 LOGIN joe hunter2\r\n").unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
    let c = parse("A1 AUTHENTICATE PLAIN AGpvZQBodW50ZXIy\r\n").unwrap();
    assert!(!format!("{c:?}").contains("AGpvZQBodW50ZXIy"));
}
