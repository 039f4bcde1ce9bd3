//! BODYSTRUCTURE data and section offsets checked against Dovecot's imaptest
//! scripts `fetch-bodystructure`, `fetch-body`, `fetch-body-mime`,
//! `fetch-body-message-rfc822`, `fetch-body-message-rfc822-x2` and
//! `fetch-body-message-rfc822-mime`: slicing the raw message at our offsets must
//! give exactly the section contents those scripts expect.

mod support;

use facteur_message::{Parameter, header_fields, ingest};
use support::{assert_offsets_consistent, crlf, part, slice};

/// `HEADER.FIELDS (names)` served from a header block: the wanted fields, raw, in
/// message order, then the empty line (RFC 9051 §6.4.5).
fn header_fields_section(block: &[u8], names: &[&str]) -> String {
    let mut out: Vec<u8> =
        header_fields(block).filter(|f| names.iter().any(|n| f.name_is(n))).flat_map(|f| f.raw.to_vec()).collect();
    out.extend_from_slice(b"\r\n");
    String::from_utf8_lossy(&out).into_owned()
}

const BODYSTRUCTURE: &str = "From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: multipart/mixed; boundary=\"foo
 bar\"

--foo bar
Content-Type: text/x-myown; charset=us-ascii

hello

--foo bar--
";

#[test]
fn folded_boundary_and_text_part_structure() {
    // * 1 FETCH (BODY (("TEXT" "x-MYOWN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 7 1) "MIXED"))
    let summary = ingest(&crlf(BODYSTRUCTURE));
    assert_offsets_consistent(&summary);
    let root = &summary.body;
    assert!(root.is("multipart", "mixed"));
    assert_eq!(root.param("boundary"), Some("foo bar"));
    assert_eq!(root.children.len(), 1);
    let text = &root.children[0];
    assert!(text.is("TEXT", "X-MYOWN"));
    assert_eq!(text.params, vec![Parameter { name: "charset".into(), value: "us-ascii".into() }]);
    assert_eq!((text.id.as_ref(), text.description.as_ref()), (None, None));
    assert_eq!(text.encoding, "7BIT");
    assert_eq!(text.size(), 7);
    assert_eq!(text.lines, Some(1));
}

const FETCH_BODY_1: &str = "From: User1 <user1@domain.org>
Date: Sat, 24 Mar 2007 23:00:00 +0200
Subject: s1

body1

";

#[test]
fn header_text_and_header_fields_of_a_simple_message() {
    let raw = crlf(FETCH_BODY_1);
    let summary = ingest(&raw);
    assert_offsets_consistent(&summary);
    assert_eq!(
        slice(&raw, summary.header()),
        "From: User1 <user1@domain.org>\r\nDate: Sat, 24 Mar 2007 23:00:00 +0200\r\nSubject: s1\r\n\r\n"
    );
    assert_eq!(slice(&raw, summary.text()), "body1\r\n\r\n");
    let header = &raw[summary.header()];
    assert_eq!(header_fields_section(header, &["from"]), "From: User1 <user1@domain.org>\r\n\r\n");
    assert_eq!(
        header_fields_section(header, &["from", "subject"]),
        "From: User1 <user1@domain.org>\r\nSubject: s1\r\n\r\n"
    );
    assert_eq!(header_fields_section(header, &["xyz"]), "\r\n");
    // A non-multipart message has one part, its body.
    assert_eq!(slice(&raw, part(&summary, &[1]).body()), "body1\r\n\r\n");
    assert!(summary.part(&[2]).is_none());
    assert!(summary.part(&[1, 1]).is_none());
    assert_eq!(summary.size, raw.len() as u64);
}

const FETCH_BODY_MIME: &str = "From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: multipart/mixed; boundary=\"foo
 bar\"

Root MIME prologue

--foo bar
Content-Type: text/x-myown; charset=us-ascii

hello

--foo bar
Content-Type: message/rfc822

From: sub@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg
Content-Type: multipart/alternative; boundary=\"sub1\"

Sub MIME prologue
--sub1
Content-Type: text/html

<p>Hello world</p>

--sub1
Content-Type: text/plain

Hello another world

--sub1--
Sub MIME epilogue

--foo bar--
Root MIME epilogue
";

const SUB_MESSAGE_HEADER: &str = "From: sub@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg
Content-Type: multipart/alternative; boundary=\"sub1\"

";

const SUB_MESSAGE_TEXT: &str = "Sub MIME prologue
--sub1
Content-Type: text/html

<p>Hello world</p>

--sub1
Content-Type: text/plain

Hello another world

--sub1--
Sub MIME epilogue
";

#[test]
fn sections_of_a_multipart_with_an_encapsulated_multipart() {
    let raw = crlf(FETCH_BODY_MIME);
    let s = ingest(&raw);
    assert_offsets_consistent(&s);
    let text_start = FETCH_BODY_MIME.find("Root MIME prologue").unwrap_or_default();
    assert_eq!(slice(&raw, s.text()), String::from_utf8_lossy(&crlf(&FETCH_BODY_MIME[text_start..])));

    assert_eq!(slice(&raw, part(&s, &[1]).body()), "hello\r\n");
    assert_eq!(slice(&raw, part(&s, &[1]).mime_header()), "Content-Type: text/x-myown; charset=us-ascii\r\n\r\n");

    let two = part(&s, &[2]);
    assert!(two.is("message", "rfc822"));
    let whole_sub = format!("{SUB_MESSAGE_HEADER}{SUB_MESSAGE_TEXT}");
    assert_eq!(slice(&raw, two.body()), String::from_utf8_lossy(&crlf(&whole_sub)));
    assert_eq!(slice(&raw, two.mime_header()), "Content-Type: message/rfc822\r\n\r\n");
    let sub = two.message.as_deref().unwrap_or_else(|| panic!("part 2 encapsulates a message"));
    assert_eq!(slice(&raw, sub.header()), String::from_utf8_lossy(&crlf(SUB_MESSAGE_HEADER)));
    assert_eq!(slice(&raw, sub.text()), String::from_utf8_lossy(&crlf(SUB_MESSAGE_TEXT)));
    assert_eq!(
        header_fields_section(&raw[sub.header()], &["from", "subject", "X-foo"]),
        "From: sub@domain.org\r\nSubject: submsg\r\n\r\n"
    );
    assert_eq!(sub.envelope.subject.as_deref(), Some("submsg"));
    assert_eq!(two.lines, Some(whole_sub.lines().count() as u64));

    assert_eq!(slice(&raw, part(&s, &[2, 1]).mime_header()), "Content-Type: text/html\r\n\r\n");
    assert_eq!(slice(&raw, part(&s, &[2, 1]).body()), "<p>Hello world</p>\r\n");
    assert_eq!(slice(&raw, part(&s, &[2, 2]).mime_header()), "Content-Type: text/plain\r\n\r\n");
    assert_eq!(slice(&raw, part(&s, &[2, 2]).body()), "Hello another world\r\n");
    assert!(part(&s, &[2, 2]).is("text", "plain"));
    assert!(s.part(&[2, 3]).is_none());
    assert!(s.part(&[3]).is_none());
    assert!(s.part(&[0]).is_none());
    // The only text/plain part is inside the attached message: no preview.
    assert_eq!(s.preview, None);
}

const MESSAGE_RFC822: &str = "From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: message/rfc822

From: sub@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg

Hello world
";

#[test]
fn top_level_message_rfc822_is_part_1_and_its_body_1_1() {
    let raw = crlf(MESSAGE_RFC822);
    let s = ingest(&raw);
    assert_offsets_consistent(&s);
    let inner =
        "From: sub@domain.org\r\nDate: Sun, 12 Aug 2012 12:34:56 +0300\r\nSubject: submsg\r\n\r\nHello world\r\n";
    assert_eq!(slice(&raw, s.text()), inner);
    assert_eq!(slice(&raw, part(&s, &[1]).body()), inner);
    assert_eq!(slice(&raw, part(&s, &[1, 1]).body()), "Hello world\r\n");
    let message = part(&s, &[1]).message.as_deref().unwrap_or_else(|| panic!("encapsulated"));
    assert_eq!(
        slice(&raw, message.header()),
        "From: sub@domain.org\r\nDate: Sun, 12 Aug 2012 12:34:56 +0300\r\nSubject: submsg\r\n\r\n"
    );
    assert_eq!(
        header_fields_section(&raw[message.header()], &["from", "subject", "X-foo"]),
        "From: sub@domain.org\r\nSubject: submsg\r\n\r\n"
    );
    assert_eq!(slice(&raw, message.text()), "Hello world\r\n");
    assert_eq!(message.envelope.from[0].mailbox.as_deref(), Some("sub"));
    assert_eq!(s.body.lines, Some(5));
}

const MESSAGE_RFC822_X2: &str = "From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: message/rfc822

From: user2@domain.org
Date: Fri, 23 Mar 2007 11:22:33 +0200
Mime-Version: 1.0
Content-Type: message/rfc822

From: sub@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg

Hello world
";

#[test]
fn doubly_encapsulated_message_numbers_nest() {
    let raw = crlf(MESSAGE_RFC822_X2);
    let s = ingest(&raw);
    assert_offsets_consistent(&s);
    let innermost =
        "From: sub@domain.org\r\nDate: Sun, 12 Aug 2012 12:34:56 +0300\r\nSubject: submsg\r\n\r\nHello world\r\n";
    assert_eq!(slice(&raw, part(&s, &[1, 1]).body()), innermost);
    assert_eq!(slice(&raw, part(&s, &[1, 1, 1]).body()), "Hello world\r\n");
    let first = part(&s, &[1]).message.as_deref().unwrap_or_else(|| panic!("1 is a message"));
    assert_eq!(
        slice(&raw, first.header()),
        "From: user2@domain.org\r\nDate: Fri, 23 Mar 2007 11:22:33 +0200\r\nMime-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
    );
    assert_eq!(slice(&raw, first.text()), innermost);
    let second = part(&s, &[1, 1]).message.as_deref().unwrap_or_else(|| panic!("1.1 is a message"));
    assert_eq!(
        slice(&raw, second.header()),
        "From: sub@domain.org\r\nDate: Sun, 12 Aug 2012 12:34:56 +0300\r\nSubject: submsg\r\n\r\n"
    );
    assert_eq!(slice(&raw, second.text()), "Hello world\r\n");
}

const DIGEST: &str = "From: user@domain.org
Date: Sat, 24 Mar 2007 23:00:00 +0200
Mime-Version: 1.0
Content-Type: message/rfc822

From: sub@domain.org
Date: Sun, 12 Aug 2012 12:34:56 +0300
Subject: submsg
Content-Type: multipart/digest; boundary=\"foo\"

prologue

--foo 

From: m1@example.com
Subject: m1

m1 body

--foo 
X-Mime: m2 header

From: m2@example.com
Subject: m2

m2 body

--foo--

epilogue
";

#[test]
fn digest_parts_default_to_message_rfc822_and_padding_is_allowed() {
    let raw = crlf(DIGEST);
    let s = ingest(&raw);
    assert_offsets_consistent(&s);
    let digest = part(&s, &[1]).message.as_deref().unwrap_or_else(|| panic!("1 is a message"));
    assert!(digest.body.is("multipart", "digest"));
    assert_eq!(digest.body.children.len(), 2);

    let m1 = part(&s, &[1, 1]);
    assert!(m1.is("message", "rfc822"));
    assert!(m1.params.is_empty());
    assert_eq!(slice(&raw, m1.mime_header()), "\r\n");
    assert_eq!(slice(&raw, m1.body()), "From: m1@example.com\r\nSubject: m1\r\n\r\nm1 body\r\n");
    let m1_message = m1.message.as_deref().unwrap_or_else(|| panic!("1.1 is a message"));
    assert_eq!(slice(&raw, m1_message.header()), "From: m1@example.com\r\nSubject: m1\r\n\r\n");
    assert_eq!(slice(&raw, m1_message.text()), "m1 body\r\n");

    let m2 = part(&s, &[1, 2]);
    assert_eq!(slice(&raw, m2.mime_header()), "X-Mime: m2 header\r\n\r\n");
    assert_eq!(slice(&raw, m2.body()), "From: m2@example.com\r\nSubject: m2\r\n\r\nm2 body\r\n");
    let m2_message = m2.message.as_deref().unwrap_or_else(|| panic!("1.2 is a message"));
    assert_eq!(slice(&raw, m2_message.text()), "m2 body\r\n");
    assert_eq!(m2_message.envelope.subject.as_deref(), Some("m2"));
    assert_eq!(slice(&raw, part(&s, &[1, 2, 1]).body()), "m2 body\r\n");
}
