//! BODYSTRUCTURE defaults, damaged structures, preview and the stored form.

mod support;

use facteur_message::{FORMAT_VERSION, MessageSummary, ingest};
use support::{assert_offsets_consistent, crlf, part, slice};

#[test]
fn message_without_content_type_is_us_ascii_text_plain_7bit() {
    let s = ingest(&crlf("Subject: x\n\nline one\nline two\n"));
    assert!(s.body.is("text", "plain"));
    assert_eq!(s.body.param("charset"), Some("us-ascii"));
    assert_eq!(s.body.encoding, "7BIT");
    assert_eq!(s.body.lines, Some(2));
    assert_eq!(s.body.size(), 20);
    assert_eq!(s.preview.as_deref(), Some("line one line two"));
}

#[test]
fn all_content_fields_are_reported_raw() {
    let s = ingest(&crlf(
        "Content-Type: application/pdf; name=\"r\u{e9}sum\u{e9}.pdf\"
Content-ID: <id@x>
Content-Description: =?utf-8?q?CV?=
Content-Transfer-Encoding: BASE64
Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Language: fr, en-GB
Content-Location: http://example.org/cv.pdf

JVBERi0=
",
    ));
    let b = &s.body;
    assert!(b.is("application", "pdf"));
    assert_eq!(b.param("name"), Some("r\u{e9}sum\u{e9}.pdf"));
    assert_eq!(b.id.as_deref(), Some("<id@x>"));
    assert_eq!(b.description.as_deref(), Some("=?utf-8?q?CV?="));
    assert_eq!(b.encoding, "BASE64");
    assert_eq!(b.md5.as_deref(), Some("Q2hlY2sgSW50ZWdyaXR5IQ=="));
    let disposition = b.disposition.clone().unwrap_or_default();
    assert_eq!(disposition.kind, "attachment");
    assert_eq!(disposition.params[0].name, "filename*");
    assert_eq!(disposition.params[0].value, "utf-8''r%C3%A9sum%C3%A9.pdf");
    assert_eq!(b.language, vec!["fr", "en-GB"]);
    assert_eq!(b.location.as_deref(), Some("http://example.org/cv.pdf"));
    assert_eq!(b.lines, None, "only text and message parts have a line count");
    assert_eq!(s.preview, None);
}

#[test]
fn multipart_without_boundary_or_delimiters_is_treated_as_text() {
    for header in [
        "Content-Type: multipart/mixed",
        "Content-Type: multipart/mixed; boundary=\"never-used\"",
        "Content-Type: multipart/mixed; boundary=\"\"",
    ] {
        let s = ingest(&crlf(&format!("{header}\n\nsome text\n")));
        assert!(s.body.is("text", "plain"), "{header}");
        assert!(s.body.children.is_empty());
        assert_eq!(s.body.lines, Some(1));
        assert_eq!(s.part(&[1]), Some(&s.body));
    }
}

#[test]
fn encoded_message_rfc822_is_opaque() {
    let s = ingest(&crlf(
        "Content-Type: multipart/mixed; boundary=b

--b
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

RnJvbTogYUBiDQoNCmhp
--b--
",
    ));
    let attached = part(&s, &[1]);
    assert!(attached.is("application", "octet-stream"));
    assert!(attached.message.is_none());
    assert_eq!(attached.encoding, "base64");
}

#[test]
fn missing_closing_delimiter_keeps_the_parts_found() {
    let raw = crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n");
    let s = ingest(&raw);
    assert_offsets_consistent(&s);
    assert_eq!(s.body.children.len(), 2);
    assert_eq!(slice(&raw, part(&s, &[1]).body()), "one");
    assert_eq!(slice(&raw, part(&s, &[2]).body()), "two\r\n");
}

#[test]
fn bare_lf_messages_get_the_same_structure_with_their_own_offsets() {
    let text = "Content-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/plain\n\nplain\n--x\nContent-Type: text/html\n\n<b>html</b>\n--x--\n";
    let lf = ingest(text.as_bytes());
    let crlf_raw = crlf(text);
    let crlf = ingest(&crlf_raw);
    assert_offsets_consistent(&lf);
    assert_eq!(lf.body.children.len(), 2);
    assert_eq!(crlf.body.children.len(), 2);
    assert_eq!(slice(text.as_bytes(), part(&lf, &[2]).body()), "<b>html</b>");
    assert_eq!(slice(&crlf_raw, part(&crlf, &[2]).body()), "<b>html</b>");
    assert_eq!(slice(text.as_bytes(), part(&lf, &[1]).mime_header()), "Content-Type: text/plain\n\n");
    assert_eq!(lf.header_len, 49);
    assert_eq!(crlf.header_len, 51);
}

#[test]
fn header_without_empty_line_has_an_empty_body() {
    let raw = crlf("From: a@b\nSubject: no body\n");
    let s = ingest(&raw);
    assert_eq!(s.header_len, s.size);
    assert!(s.text().is_empty());
    assert_eq!(s.envelope.subject.as_deref(), Some("no body"));
    assert_eq!(s.body.lines, Some(0));
    assert_eq!(s.preview, None);
}

#[test]
fn empty_and_headerless_input_still_has_a_structure() {
    let empty = ingest(b"");
    assert_eq!(empty.size, 0);
    assert!(empty.body.is("text", "plain"));
    assert_eq!(empty.part(&[1]), Some(&empty.body));

    let blank_first = ingest(b"\r\njust a body\r\n");
    assert_eq!(blank_first.header_len, 2);
    assert_eq!(blank_first.envelope.from, vec![]);
    assert_eq!(blank_first.preview.as_deref(), Some("just a body"));
}

#[test]
fn preview_decodes_transfer_encoding_and_charset() {
    let s = ingest(&crlf(
        "Content-Type: multipart/mixed; boundary=b

--b
Content-Type: multipart/alternative; boundary=c

--c
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9   cr=E8me,=
 soft break
--c
Content-Type: text/html

<p>ignored</p>
--c--
--b--
",
    ));
    assert_eq!(s.preview.as_deref(), Some("Café crème, soft break"));
}

#[test]
fn preview_falls_back_to_html_as_text_and_skips_attachments() {
    let s = ingest(&crlf(
        "Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain
Content-Disposition: attachment; filename=notes.txt

attached notes
--b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PGh0bWw+PGJvZHk+PHA+SGVsbG8gPGI+d29ybGQ8L2I+PC9wPjwvYm9keT48L2h0bWw+
--b--
",
    ));
    assert_eq!(s.preview.as_deref(), Some("Hello world"));
}

#[test]
fn preview_is_bounded() {
    let body = "lorem ipsum ".repeat(100_000);
    let s = ingest(format!("Subject: long\r\n\r\n{body}").as_bytes());
    let preview = s.preview.unwrap_or_default();
    assert!(preview.chars().count() <= facteur_message::PREVIEW_CHARS);
    assert!(preview.starts_with("lorem ipsum lorem"));
}

#[test]
fn summary_round_trips_through_its_stored_form() {
    let s = ingest(&crlf(
        "From: \"A, B\" <a@b>\nTo: g: x@y;\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\nhi\n--b--\n",
    ));
    assert_eq!(s.format, FORMAT_VERSION);
    let stored = s.to_bytes();
    assert_eq!(MessageSummary::from_bytes(&stored).ok(), Some(s));
}

#[test]
fn older_rows_with_missing_fields_still_read() {
    let old = br#"{"size": 42, "header_len": 10, "body": {"media_type": "text", "body_end": 42}}"#;
    let s = MessageSummary::from_bytes(old).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.size, 42);
    assert_eq!(s.body.media_subtype, "plain");
    assert_eq!(s.body.encoding, "7BIT");
    assert_eq!(s.preview, None);
}

#[test]
fn corrupt_rows_are_an_error_not_a_panic() {
    let error = MessageSummary::from_bytes(b"{not json").err();
    assert!(error.is_some_and(|e| e.to_string().contains("message summary")));
}

#[test]
fn the_summary_keeps_a_utf8_header_block_for_header_first_fetches() {
    let raw = b"Subject: caf\xc3\xa9\r\nFrom: a@b.test\r\n\r\nbody\r\n";
    let summary = ingest(raw);
    assert_eq!(summary.header.as_deref().map(str::as_bytes), Some(&raw[..summary.header_len as usize]));
    let again = MessageSummary::from_bytes(&summary.to_bytes()).unwrap();
    assert_eq!(again.header, summary.header);
    // A raw 8-bit header that is not UTF-8 is not kept: FETCH reads the message instead.
    assert_eq!(ingest(b"Subject: caf\xe9\r\n\r\nbody\r\n").header, None);
}
