//! Thousands of generated and mutated inputs, fed in random chunks: the reader must never
//! panic, never loop, and never hold more than its limits allow. Deterministic (a fixed
//! xorshift seed), so a failure reproduces; the cargo-fuzz target explores further.

#![allow(clippy::unwrap_used)]

use facteur_imap_proto::*;

/// Valid commands to mutate, covering every family.
const CORPUS: &[&str] = &[
    "a1 CAPABILITY\r\n",
    "a2 LOGIN {4}\r\nfred {6+}\r\nsecret\r\n",
    "a3 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
    "a4 ID (\"name\" \"x\" \"version\" NIL)\r\n",
    "a5 ENABLE CONDSTORE QRESYNC\r\n",
    "a6 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211 (1:3 5:7)))\r\n",
    "a7 CREATE \"Entw&APw-rfe\" (USE (\\Drafts))\r\n",
    "a8 RENAME foo bar\r\n",
    "a9 LIST (SUBSCRIBED) \"\" (\"%\" \"*\") RETURN (CHILDREN STATUS (MESSAGES SIZE))\r\n",
    "b1 STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)\r\n",
    "b2 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5+}\r\nhello\r\n",
    "b3 APPEND Drafts {3+}\r\none UTF8 (~{3+}\r\ntwo)\r\n",
    "b4 UID SEARCH RETURN (MIN MAX) CHARSET UTF-8 OR (FROM {3+}\r\nabc SINCE 1-Feb-1994) NOT 1:3,5 MODSEQ 5\r\n",
    "b5 FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BINARY[1] BINARY.SIZE[2]) (CHANGEDSINCE 5 VANISHED)\r\n",
    "b6 UID STORE 1:* (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Deleted $Junk)\r\n",
    "b7 UID MOVE 5:* Trash\r\n",
    "b8 SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n",
    "b9 THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n",
    "c1 SETQUOTA \"\" (STORAGE 512)\r\n",
    "c2 IDLE\r\nDONE\r\n",
    "c3 COMPRESS DEFLATE\r\n",
    "c4 UID EXPUNGE 3:5\r\n",
];

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"(",
    b")",
    b"[",
    b"]",
    b"<",
    b">",
    b"\"",
    b"\\",
    b" ",
    b"\r\n",
    b"\n",
    b"\r",
    b"{0}\r\n",
    b"{5}\r\n",
    b"{3+}\r\n",
    b"~{2+}\r\n",
    b"{99999999999}\r\n",
    b"{18446744073709551616+}\r\n",
    b"*",
    b":",
    b",",
    b"0",
    b"4294967296",
    b"NIL",
    b"UID ",
    b"APPEND ",
    b"NOT ",
    b"OR ",
    b"&",
    b"-",
    b"\0",
    b"\xff",
    b"BODY[",
    b"HEADER.FIELDS (",
    b"UTF8 (",
    b"((((((((((",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                input.splice(at..at, token.iter().copied());
            }
            2 => input.truncate(at),
            3 if !input.is_empty() => {
                let end = (at + rng.below(20)).min(input.len());
                input.drain(at..end);
            }
            4 => {
                let other = CORPUS[rng.below(CORPUS.len())].as_bytes();
                let from = rng.below(other.len());
                input.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let n = rng.below(2000);
                input.splice(at..at, std::iter::repeat_n(b'(', n));
            }
        }
    }
}

fn limits() -> Limits {
    Limits {
        max_line: 4096,
        max_command: 16 * 1024,
        max_literal: 8 * 1024,
        max_append: 64 * 1024,
        max_literals: 8,
        max_set_ranges: 100,
        max_list_items: 100,
        max_search_depth: 16,
        non_sync_literals: NonSyncLiterals::Plus,
    }
}

/// What the reader produced over a run, to check the inputs reach every path.
#[derive(Default)]
struct Seen {
    commands: usize,
    errors: usize,
    appends: usize,
    continuations: usize,
}

/// Feeds `input` in random chunks, playing a session that sometimes rejects APPENDs and
/// reads raw lines. Panics (failing the test) if the reader misbehaves.
fn drive(rng: &mut Rng, input: &[u8], seen: &mut Seen) {
    let limits = limits();
    let mut reader = CommandReader::new(limits.clone());
    if rng.below(2) == 0 {
        reader.set_name_encoding(NameEncoding::Utf8);
    }
    let bound = limits.max_command + limits.max_line + 2 * 4096 + 64;
    let mut rest = input;
    while !rest.is_empty() {
        let n = (1 + rng.below(4096)).min(rest.len());
        reader.push(&rest[..n]);
        rest = &rest[n..];
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 100_000, "reader loops");
            let event = reader.next_event();
            match &event {
                Ok(Event::Command(_)) => seen.commands += 1,
                Ok(Event::AppendStart(_)) => seen.appends += 1,
                Ok(Event::Continue { .. }) => seen.continuations += 1,
                Err(_) => seen.errors += 1,
                _ => {}
            }
            match event {
                Ok(Event::NeedMore) => break,
                Ok(Event::AppendStart(_)) if rng.below(5) == 0 => reader.reject_append(),
                Ok(Event::Command(c)) if c.body == CommandBody::Idle => {
                    let _ = reader.next_line();
                }
                Ok(Event::AppendData(d)) => assert!(!d.is_empty()),
                _ => {}
            }
            assert!(reader.held_bytes() <= bound, "reader holds {} bytes", reader.held_bytes());
        }
    }
}

#[test]
fn mutated_commands_never_panic_loop_or_grow_without_bound() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = Seen::default();
    for round in 0..20_000 {
        let mut input = Vec::new();
        for _ in 0..=rng.below(3) {
            input.extend_from_slice(CORPUS[rng.below(CORPUS.len())].as_bytes());
        }
        mutate(&mut rng, &mut input);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drive(&mut Rng(round + 1), &input, &mut seen);
        }));
        assert!(result.is_ok(), "input {:?}", String::from_utf8_lossy(&input));
    }
    // The mutations must exercise both acceptance and refusal of every kind of event.
    assert!(seen.commands > 5_000, "{} commands", seen.commands);
    assert!(seen.errors > 5_000, "{} errors", seen.errors);
    assert!(seen.appends > 1_000, "{} appends", seen.appends);
    assert!(seen.continuations > 500, "{} continuations", seen.continuations);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    let mut seen = Seen::default();
    for _ in 0..5_000 {
        let len = rng.below(3000);
        let input: Vec<u8> = (0..len)
            .map(|_| {
                // Mostly printable with the grammar's special bytes over-represented.
                let specials = b"{}()[]<>\"\\ \r\n*%:,~+0123456789";
                if rng.below(3) == 0 { specials[rng.below(specials.len())] } else { rng.next() as u8 }
            })
            .collect();
        drive(&mut rng, &input, &mut seen);
    }
}

#[test]
fn endless_line_without_newline_is_bounded() {
    let mut reader = CommandReader::new(limits());
    let chunk = vec![b'a'; 1000];
    let mut errors = 0;
    for _ in 0..10_000 {
        reader.push(&chunk);
        loop {
            match reader.next_event() {
                Ok(Event::NeedMore) => break,
                Err(_) => errors += 1,
                Ok(other) => panic!("{other:?}"),
            }
        }
        assert!(reader.held_bytes() < 64 * 1024);
    }
    assert_eq!(errors, 1, "one LineTooLong, then silent skipping");
}

#[test]
fn deeply_nested_parentheses_do_not_overflow_the_stack() {
    let limits = Limits { max_line: 1 << 20, max_command: 1 << 21, ..Limits::default() };
    for command in ["a SEARCH ", "a FETCH 1 ", "a LIST ", "a STORE 1 FLAGS ", "a ID ", "a SELECT x "] {
        let mut input = command.as_bytes().to_vec();
        input.extend(std::iter::repeat_n(b'(', 500_000));
        input.extend_from_slice(b"\r\n");
        let mut reader = CommandReader::new(limits.clone());
        reader.push(&input);
        assert!(reader.next_event().is_err());
    }
}
