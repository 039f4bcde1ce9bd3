//! ENVELOPE cases from Dovecot's imaptest script `fetch-envelope`: each message
//! below is one of its mailbox's, each assertion one field of the expected
//! `FETCH (ENVELOPE ...)` response.

mod support;

use facteur_message::{Address, Envelope, ingest};
use support::crlf;

fn addr(name: Option<&str>, adl: Option<&str>, mailbox: Option<&str>, host: Option<&str>) -> Address {
    Address {
        name: name.map(str::to_owned),
        adl: adl.map(str::to_owned),
        mailbox: mailbox.map(str::to_owned),
        host: host.map(str::to_owned),
    }
}

fn envelope(message: &str) -> Envelope {
    ingest(&crlf(message)).envelope
}

const DATE: &str = "Thu, 15 Feb 2007 01:02:03 +0200";

#[test]
fn every_envelope_field_comes_from_its_header() {
    let env = envelope(
        "Message-ID: <msg@id>
In-Reply-To: <reply@to.id>
Date: Thu, 15 Feb 2007 01:02:03 +0200
Subject: subject header
From: From Real <fromuser@fromdomain.org>
To: To Real <touser@todomain.org>
Cc: Cc Real <ccuser@ccdomain.org>
Bcc: Bcc Real <bccuser@bccdomain.org>
Sender: Sender Real <senderuser@senderdomain.org>
Reply-To: ReplyTo Real <replytouser@replytodomain.org>

body

",
    );
    assert_eq!(env.date.as_deref(), Some(DATE));
    assert_eq!(env.subject.as_deref(), Some("subject header"));
    let one = |name, user, host| vec![addr(Some(name), None, Some(user), Some(host))];
    assert_eq!(env.from, one("From Real", "fromuser", "fromdomain.org"));
    assert_eq!(env.sender, one("Sender Real", "senderuser", "senderdomain.org"));
    assert_eq!(env.reply_to, one("ReplyTo Real", "replytouser", "replytodomain.org"));
    assert_eq!(env.to, one("To Real", "touser", "todomain.org"));
    assert_eq!(env.cc, one("Cc Real", "ccuser", "ccdomain.org"));
    assert_eq!(env.bcc, one("Bcc Real", "bccuser", "bccdomain.org"));
    assert_eq!(env.in_reply_to.as_deref(), Some("<reply@to.id>"));
    assert_eq!(env.message_id.as_deref(), Some("<msg@id>"));
}

#[test]
fn absent_fields_are_nil_and_sender_and_reply_to_copy_from() {
    let env = envelope("Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: user@domain\n\nbody\n\n");
    let user = vec![addr(None, None, Some("user"), Some("domain"))];
    assert_eq!(env.subject, None);
    assert_eq!(env.from, user);
    assert_eq!(env.sender, user);
    assert_eq!(env.reply_to, user);
    assert!(env.to.is_empty() && env.cc.is_empty() && env.bcc.is_empty());
    assert_eq!(env.in_reply_to, None);
    assert_eq!(env.message_id, None);
}

#[test]
fn groups_are_flattened_into_start_and_end_markers() {
    let env = envelope(
        "Date: Thu, 15 Feb 2007 01:02:03 +0200
From: user@domain (Real Name)
To: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;
Cc: group:;, group2: (foo) ;

body

",
    );
    let real = vec![addr(Some("Real Name"), None, Some("user"), Some("domain"))];
    assert_eq!(env.from, real);
    assert_eq!(env.sender, real);
    assert_eq!(env.reply_to, real);
    let start = |name| addr(None, None, Some(name), None);
    let end = addr(None, None, None, None);
    assert_eq!(
        env.to,
        vec![
            start("group"),
            addr(None, None, Some("g1"), Some("d1.org")),
            addr(None, None, Some("g2"), Some("d2.org")),
            end.clone(),
            start("group2"),
            addr(None, None, Some("g3"), Some("d3.org")),
            end.clone(),
        ]
    );
    assert_eq!(env.cc, vec![start("group"), end.clone(), start("group2"), end]);
}

#[test]
fn empty_sender_and_reply_to_fall_back_to_from() {
    let env = envelope(
        "Date: Thu, 15 Feb 2007 01:02:03 +0200
From: user@domain (Real Name)
Sender: 
Reply-To: 

body

",
    );
    let real = vec![addr(Some("Real Name"), None, Some("user"), Some("domain"))];
    assert_eq!(env.sender, real);
    assert_eq!(env.reply_to, real);
}

#[test]
fn source_route_is_the_adl() {
    let env = envelope("Date: Thu, 15 Feb 2007 01:02:03 +0200\nFrom: <@route:user@domain>\n\nbody\n\n");
    let routed = vec![addr(None, Some("@route"), Some("user"), Some("domain"))];
    assert_eq!(env.from, routed);
    assert_eq!(env.sender, routed);
}

#[test]
fn encoded_words_and_eight_bit_text_are_sent_as_they_came() {
    let mut raw =
        crlf("Subject: =?iso-8859-1?q?caf=E9?= au lait\nFrom: =?utf-8?b?SsO2cmc=?= <j@x.de>\nTo: Grüße <g@x.de>\n\n");
    raw.extend_from_slice(b"x");
    let summary = ingest(&raw);
    assert_eq!(summary.envelope.subject.as_deref(), Some("=?iso-8859-1?q?caf=E9?= au lait"));
    assert_eq!(summary.envelope.from[0].name.as_deref(), Some("=?utf-8?b?SsO2cmc=?="));
    assert_eq!(summary.envelope.to[0].name.as_deref(), Some("Grüße"));
    // The sort keys, meant for comparing, are decoded.
    assert_eq!(summary.sort.subject.as_deref(), Some("café au lait"));
    assert_eq!(summary.sort.from.map(|a| a.display).as_deref(), Some("Jörg"));
}

#[test]
fn invalid_utf8_in_headers_does_not_break_the_envelope() {
    let raw = b"Subject: caf\xe9\r\nFrom: \xff\xfe <a@b>\r\n\r\nbody";
    let env = ingest(raw).envelope;
    assert_eq!(env.subject.as_deref(), Some("caf\u{fffd}"));
    assert_eq!(env.from[0].mailbox.as_deref(), Some("a"));
}
