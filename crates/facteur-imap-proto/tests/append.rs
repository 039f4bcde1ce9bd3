//! APPEND streaming (RFC 9051 §6.3.12), MULTIAPPEND (RFC 3502), UTF8 (RFC 6855 §4),
//! literal8 (RFC 3516) and the APPENDLIMIT/TOOBIG refusals (RFC 7889, RFC 7888 §4).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

fn start(event: &Result<Event, CommandError>) -> &AppendStart {
    match event {
        Ok(Event::AppendStart(s)) => s,
        other => panic!("expected AppendStart, got {other:?}"),
    }
}

/// Concatenates the AppendData chunks of `events`.
fn data_of(events: &[Result<Event, CommandError>]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Ok(Event::AppendData(d)) => Some(d.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn append_yields_start_then_data_then_end() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A003 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {11}\r\n");
    let s = start(&evs[0]);
    assert_eq!(s.tag.as_str(), "A003");
    assert_eq!(s.mailbox.as_str(), "saved-messages");
    assert_eq!(s.flags, vec![Flag::Seen]);
    assert_eq!(s.date.unwrap().to_string(), " 7-Feb-1994 21:52:25 -0800");
    assert_eq!(s.literal_len, 11);
    assert!(s.needs_continuation);
    assert_eq!(evs.len(), 1);
    let evs = events(&mut r, b"Hello World\r\nA004 NOOP\r\n");
    assert_eq!(data_of(&evs), b"Hello World");
    assert!(evs.contains(&Ok(Event::AppendEnd(Tag::new("A003").unwrap()))));
    assert!(matches!(evs.last(), Some(Ok(Event::Command(c))) if c.tag.as_str() == "A004"));
}

#[test]
fn large_append_is_streamed_in_bounded_chunks() {
    let limits = Limits { max_append: 10 << 20, ..Limits::default() };
    let mut r = CommandReader::new(limits);
    let size = 3 << 20;
    let evs = events(&mut r, format!("A1 APPEND INBOX {{{size}+}}\r\n").as_bytes());
    assert!(!start(&evs[0]).needs_continuation);
    let block = vec![b'x'; 100_000];
    let mut received = 0;
    let mut sent = 0;
    while sent < size {
        let n = block.len().min(size - sent);
        for e in events(&mut r, &block[..n]) {
            if let Ok(Event::AppendData(d)) = e {
                assert!(!d.is_empty() && d.len() <= 64 * 1024);
                received += d.len();
            }
        }
        sent += n;
        // The reader never holds more than what was just pushed.
        assert!(r.buffered_len() <= block.len());
    }
    assert_eq!(received, size);
    assert_eq!(events(&mut r, b"\r\n"), vec![Ok(Event::AppendEnd(Tag::new("A1").unwrap()))]);
}

#[test]
fn append_larger_than_appendlimit_is_refused_with_toobig() {
    let limits = Limits { max_append: 100, ..Limits::default() };
    let mut r = CommandReader::new(limits.clone());
    let evs = events(&mut r, b"A1 APPEND INBOX {101}\r\nA2 NOOP\r\n");
    assert!(matches!(&evs[0], Err(e) if e.tag == Tag::new("A1") && e.is_too_big()));
    assert!(matches!(&evs[1], Ok(Event::Command(c)) if c.tag.as_str() == "A2"));
    // Non-synchronising: the data arrives anyway and is skipped (RFC 7888 §4).
    let mut r = CommandReader::new(limits);
    let mut input = b"A1 APPEND INBOX {101+}\r\n".to_vec();
    input.extend(vec![b'A'; 101]);
    input.extend_from_slice(b"\r\nA2 NOOP\r\n");
    let evs = events(&mut r, &input);
    assert!(matches!(&evs[0], Err(e) if e.is_too_big()));
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert!(matches!(&evs[1], Ok(Event::Command(c)) if c.tag.as_str() == "A2"));
}

#[test]
fn multiappend_yields_one_start_per_message() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND Drafts (\\Draft) {3+}\r\none (\\Seen) {3+}\r\ntwo {5+}\r\nthree\r\n");
    let starts: Vec<&AppendStart> = evs
        .iter()
        .filter_map(|e| match e {
            Ok(Event::AppendStart(s)) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 3);
    assert_eq!(starts.iter().map(|s| s.index).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(starts[1].flags, vec![Flag::Seen]);
    assert!(starts.iter().all(|s| s.mailbox.as_str() == "Drafts"));
    assert_eq!(data_of(&evs), b"onetwothree");
    assert_eq!(evs.last(), Some(&Ok(Event::AppendEnd(Tag::new("A1").unwrap()))));
}

#[test]
fn append_with_literal_mailbox_name() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND {5}\r\n");
    assert_eq!(evs, vec![Ok(Event::Continue { literal_len: 5 })]);
    let evs = events(&mut r, b"inbox {2}\r\n");
    assert_eq!(start(&evs[0]).mailbox.as_str(), "INBOX");
    let evs = events(&mut r, b"hi\r\n");
    assert_eq!(data_of(&evs), b"hi");
}

#[test]
fn utf8_append_and_literal8() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND INBOX UTF8 (~{4+}\r\na\0bc)\r\n");
    let s = start(&evs[0]);
    assert!(s.utf8 && s.binary);
    assert_eq!(data_of(&evs), b"a\0bc");
    assert_eq!(evs.last(), Some(&Ok(Event::AppendEnd(Tag::new("A1").unwrap()))));
    let evs = events(&mut r, b"A2 APPEND INBOX ~{2+}\r\nxy\r\n");
    assert!(start(&evs[0]).binary && !start(&evs[0]).utf8);
}

#[test]
fn rejecting_a_synchronising_append_returns_to_command_parsing() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND Nonexistent {10}\r\n");
    start(&evs[0]);
    r.reject_append(); // NO [TRYCREATE] without a continuation: the client sends no data
    let evs = events(&mut r, b"A2 NOOP\r\n");
    assert!(matches!(&evs[0], Ok(Event::Command(c)) if c.tag.as_str() == "A2"));
}

#[test]
fn rejecting_a_non_synchronising_append_skips_its_data() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND Nonexistent {10+}\r\n");
    start(&evs[0]);
    r.reject_append();
    let evs = events(&mut r, b"0123456789 {3+}\r\nabc\r\nA2 NOOP\r\n");
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert!(matches!(&evs[0], Ok(Event::Command(c)) if c.tag.as_str() == "A2"));
}

#[test]
fn malformed_append_is_refused_with_its_tag() {
    let e = refused("A1 APPEND INBOX\r\n");
    assert_eq!(e.tag, Tag::new("A1"));
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND INBOX (\\Seen {3}\r\n");
    assert!(matches!(&evs[0], Err(e) if e.tag == Tag::new("A1")));
    let evs = events(&mut r, b"A2 APPEND INBOX \"31-Feb-2024 00:00:00 +0000\" {3}\r\n");
    assert!(matches!(&evs[0], Err(e) if e.tag == Tag::new("A2")), "invalid date: {evs:?}");
    // Garbage after a message fails the whole command, with the tag.
    let evs = events(&mut r, b"A3 APPEND INBOX {1+}\r\nx junk\r\nA4 NOOP\r\n");
    assert!(evs.iter().any(|e| matches!(e, Err(err) if err.tag == Tag::new("A3"))));
    assert!(matches!(evs.last(), Some(Ok(Event::Command(c))) if c.tag.as_str() == "A4"));
}

#[test]
fn zero_length_append() {
    let mut r = CommandReader::new(Limits::default());
    let evs = events(&mut r, b"A1 APPEND INBOX {0+}\r\n\r\n");
    assert_eq!(start(&evs[0]).literal_len, 0);
    assert_eq!(evs.last(), Some(&Ok(Event::AppendEnd(Tag::new("A1").unwrap()))));
}
