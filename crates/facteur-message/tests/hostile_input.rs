//! Bad input never panics, never hangs and stays bounded: generated garbage,
//! every truncation of a real message, and the classic bombs (deep nesting,
//! thousands of parts, huge parts, endless header lines).

mod support;

use facteur_message::{BodyPart, MAX_DEPTH, MAX_PARTS, MessageSummary, ingest};
use support::{assert_offsets_consistent, crlf};

/// Everything a caller may do with a summary must work on any input.
fn exercise(raw: &[u8]) -> MessageSummary {
    let s = ingest(raw);
    assert_offsets_consistent(&s);
    assert_eq!(s.size, raw.len() as u64);
    for section in [&[][..], &[1], &[2], &[1, 1], &[1, 2, 1], &[3, 1, 1, 1], &[0], &[u32::MAX]] {
        if let Some(part) = s.part(section) {
            assert!(raw.get(part.body()).is_some());
            assert!(raw.get(part.mime_header()).is_some());
        }
    }
    assert_eq!(MessageSummary::from_bytes(&s.to_bytes()).ok().as_ref(), Some(&s));
    s
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"From: ",
    b"To: ",
    b"Cc: ",
    b"Subject: ",
    b"Date: ",
    b"Sender: ",
    b"Content-Type: ",
    b"multipart/mixed; boundary=b",
    b"multipart/digest; boundary=\"b\"",
    b"message/rfc822",
    b"text/plain; charset=",
    b"text/html",
    b"Content-Transfer-Encoding: ",
    b"base64",
    b"quoted-printable",
    b"Content-Disposition: attachment; filename=",
    b"\"",
    b"(",
    b")",
    b"<",
    b">",
    b"@",
    b",",
    b";",
    b":",
    b"[",
    b"]",
    b"\\",
    b".",
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"\n\n",
    b"--b",
    b"--b--",
    b"--",
    b"b",
    b" ",
    b"\t",
    b"=?utf-8?q?x=C3=A9?=",
    b"=E9=",
    b"\xff\xfe",
    b"\xc3\xa9",
    b"\0",
    b"user@example.org",
    b"group:",
    b"<@route:a@b>",
    b"Sun, 12 Aug 2012 12:34:56 +0300",
    b"QUJD",
    b"=\r\n",
];

#[test]
fn generated_garbage_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4000 {
        let mut raw = Vec::new();
        for _ in 0..rng.below(80) {
            raw.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
        exercise(&raw);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let raw: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        exercise(&raw);
    }
}

const NESTED: &str = "From: user@domain.org
Content-Type: multipart/mixed; boundary=\"foo bar\"

--foo bar
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9
--foo bar
Content-Type: message/rfc822

From: sub@domain.org
Content-Type: multipart/alternative; boundary=sub1

--sub1
Content-Type: text/html

<p>Hello</p>
--sub1--
--foo bar--
";

#[test]
fn every_truncation_of_a_nested_message_is_handled() {
    for raw in [crlf(NESTED), NESTED.as_bytes().to_vec()] {
        for end in 0..=raw.len() {
            exercise(&raw[..end]);
        }
    }
}

fn depth(root: &BodyPart) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 1)];
    while let Some((part, level)) = stack.pop() {
        deepest = deepest.max(level);
        stack.extend(part.children.iter().map(|c| (c, level + 1)));
        if let Some(message) = &part.message {
            stack.push((&message.body, level + 1));
        }
    }
    deepest
}

#[test]
fn deeply_nested_multiparts_stop_at_the_depth_limit() {
    let levels = 5000;
    let mut raw = String::new();
    for level in 0..levels {
        raw.push_str(&format!("Content-Type: multipart/mixed; boundary=b{level}\r\n\r\n--b{level}\r\n"));
    }
    raw.push_str("\r\ninnermost\r\n");
    for level in (0..levels).rev() {
        raw.push_str(&format!("--b{level}--\r\n"));
    }
    let s = exercise(raw.as_bytes());
    assert_eq!(depth(&s.body), MAX_DEPTH + 1);
    let mut deepest = &s.body;
    while let Some(child) = deepest.children.first() {
        deepest = child;
    }
    assert!(deepest.is("application", "octet-stream"));
}

#[test]
fn deeply_nested_messages_stop_at_the_depth_limit() {
    let raw = "Content-Type: message/rfc822\r\n\r\n".repeat(100_000);
    let s = exercise(raw.as_bytes());
    assert_eq!(depth(&s.body), MAX_DEPTH + 1);
}

#[test]
fn thousands_of_parts_are_capped() {
    let mut raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n".to_vec();
    for _ in 0..(MAX_PARTS * 3) {
        raw.extend_from_slice(b"--b\r\n\r\nx\r\n");
    }
    raw.extend_from_slice(b"--b--\r\n");
    let s = exercise(&raw);
    assert_eq!(s.body.children.len(), MAX_PARTS - 1);
}

/// Found by the `message_ingest` fuzz target: a form feed in an address or MIME field made ingest loop,
/// allocating, until the process ran out of memory. One SMTP message could do it.
#[test]
fn control_characters_in_structured_fields_end() {
    let raw = b"From: a\x0c@b\x0c\r\nTo: \x0c\r\nContent-Type: multipart/mixed;\x0c boundary=x\x0c\r\n\r\n--x\r\n\r\n1\r\n--x--\r\n";
    let s = exercise(raw);
    assert_eq!(s.envelope.from.len(), 1);
    // Kept as atom text, then trimmed like other blanks around a value.
    assert_eq!((s.envelope.from[0].mailbox.as_deref(), s.envelope.from[0].host.as_deref()), (Some("a"), Some("b")));
}

#[test]
fn huge_single_part_and_endless_lines_are_fine() {
    let mut raw = b"Subject: big\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    for _ in 0..100_000 {
        raw.extend_from_slice(b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n");
    }
    let s = exercise(&raw);
    assert_eq!(s.body.lines, Some(100_000));
    assert!(s.preview.is_some_and(|p| p.starts_with("ABCDEFGHIJ")));

    let endless_header = vec![b'A'; 4 << 20];
    let s = exercise(&endless_header);
    assert_eq!(s.header_len, s.size);

    let endless_folding = format!("Subject: x{}\r\n\r\nbody", "\r\n y".repeat(200_000));
    let s = exercise(endless_folding.as_bytes());
    assert!(s.envelope.subject.is_some_and(|v| v.len() > 200_000));
}

#[test]
fn address_bombs_are_linear() {
    let many = format!("To: {}\r\n\r\n", "a@b, ".repeat(100_000));
    assert_eq!(exercise(many.as_bytes()).envelope.to.len(), 100_000);
    let nested_comments = format!("From: {}a@b\r\n\r\n", "(".repeat(100_000));
    exercise(nested_comments.as_bytes());
    let unfinished_routes = format!("To: {}\r\n\r\n", "<@x,".repeat(100_000));
    exercise(unfinished_routes.as_bytes());
    let groups = format!("To: {}\r\n\r\n", "g:".repeat(50_000));
    exercise(groups.as_bytes());
}
