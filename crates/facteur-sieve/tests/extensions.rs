//! One evaluation per extension, independent of Pigeonhole (the differential test needs `sieve-test`; these
//! run everywhere): each script files the message into mailboxes whose names say what the extension saw.

use facteur_sieve::{Action, Envelope, Environment, Limits, Message, compile};

const MESSAGE: &[u8] = b"Received: from a by b; Tue, 2 Jan 2024 23:30:00 -0500\r\n\
From: =?utf-8?q?J=C3=B6rg?= <joerg+news@example.de>\r\nTo: me+work@example.net, other@example.org\r\n\
Subject: =?utf-8?q?caf=C3=A9?= [list] report\r\nDate: Mon, 1 Jan 2024 22:15:30 -0800\r\n\
X-Score: 7\r\nMessage-ID: <x1@example.de>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\r\nprologue\r\n\
--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 au lait\r\n\
--b\r\nContent-Type: text/html\r\n\r\n<p>html <b>bold</b></p>\r\n--b--\r\n";

struct Clock;

impl Environment for Clock {
    fn now(&self) -> i64 {
        1_704_067_200 // 2024-01-01T00:00:00Z
    }

    fn mailbox_exists(&mut self, name: &str) -> bool {
        name == "Work"
    }
}

/// The mailboxes the script files into, in order.
fn targets(source: &str) -> Vec<String> {
    let script = compile(source, &Limits::default()).unwrap_or_else(|e| panic!("{source}: {e}"));
    let envelope = Envelope { from: "joerg+news@example.de".into(), to: "me+work@example.net".into(), auth: None };
    let outcome =
        script.evaluate(&mut Clock, &Message::parse(MESSAGE), &envelope).unwrap_or_else(|e| panic!("{source}: {e}"));
    outcome
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::FileInto { mailbox, .. } => Some(mailbox.clone()),
            _ => None,
        })
        .collect()
}

fn files(source: &str, expected: &[&str]) {
    assert_eq!(targets(source), expected, "{source}");
}

#[test]
fn base_tests_and_comparators() {
    files(r#"require "fileinto"; if header :is "subject" "café [list] report" { fileinto "Decoded"; }"#, &["Decoded"]);
    files(r#"require "fileinto"; if header :comparator "i;octet" :contains "subject" "CAFÉ" { fileinto "X"; }"#, &[]);
    files(r#"require "fileinto"; if address :domain :is "from" "EXAMPLE.DE" { fileinto "Dom"; }"#, &["Dom"]);
    files(
        r#"require "fileinto"; if allof (exists "x-score", not exists "x-none", size :over 100) { fileinto "A"; }"#,
        &["A"],
    );
    files(
        r#"require ["envelope", "fileinto"]; if envelope :localpart :is "to" "me+work" { fileinto "Env"; }"#,
        &["Env"],
    );
}

#[test]
fn variables_and_match_groups() {
    files(
        r#"require ["fileinto", "variables"]; if header :matches "subject" "* [*] *" { set :upper "t" "${2}"; fileinto "${t}.${3}"; }"#,
        &["LIST.report"],
    );
    files(r#"require ["fileinto", "variables"]; set :length "n" "café"; fileinto "n${n}";"#, &["n4"]);
}

#[test]
fn relational_and_numeric() {
    files(
        r#"require ["fileinto", "relational", "comparator-i;ascii-numeric"];
           if header :value "ge" :comparator "i;ascii-numeric" "x-score" "5" { fileinto "High"; }
           if address :count "eq" :comparator "i;ascii-numeric" "to" "2" { fileinto "Two"; }"#,
        &["High", "Two"],
    );
}

#[test]
fn subaddress() {
    files(
        r#"require ["fileinto", "subaddress", "variables"];
           if address :detail :matches "to" "*" { fileinto "d-${1}"; }
           if address :user :is "from" "joerg" { fileinto "User"; }"#,
        &["d-work", "User"],
    );
}

#[test]
fn body_transforms() {
    files(
        r#"require ["fileinto", "body"];
           if body :text :contains "Café au lait" { fileinto "Text"; }
           if body :raw :contains "Caf=E9" { fileinto "Raw"; }
           if body :content "text/html" :contains "<b>" { fileinto "Html"; }
           if body :content "multipart" :contains "prologue" { fileinto "Pro"; }
           if body :text :contains "<b>" { fileinto "Never"; }"#,
        &["Text", "Raw", "Html", "Pro"],
    );
}

#[test]
fn dates_in_zones_and_index() {
    files(
        r#"require ["fileinto", "date", "index", "variables"];
           if date :zone "+0000" :matches "date" "iso8601" "*" { fileinto "${1}"; }
           if date :originalzone :matches "date" "zone" "*" { fileinto "${1}"; }
           if date :index 1 :zone "+0530" :matches "received" "date" "*" { fileinto "${1}"; }
           if currentdate :zone "+0000" :is "date" "2024-01-01" { fileinto "Today"; }"#,
        &["2024-01-02T06:15:30Z", "-0800", "2024-01-03", "Today"],
    );
}

#[test]
fn mailbox_flags_copy() {
    let script = compile(
        r#"require ["fileinto", "mailbox", "imap4flags", "copy"];
           addflag "\\Seen";
           if mailboxexists "Work" { fileinto :copy :create "Work"; }
           fileinto :flags "$Label1" "Labels";"#,
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let envelope = Envelope { from: "a@b.c".into(), to: "me@example.net".into(), auth: None };
    let outcome = script.evaluate(&mut Clock, &Message::parse(MESSAGE), &envelope).unwrap_or_default();
    assert_eq!(
        outcome.actions,
        [
            Action::FileInto { mailbox: "Work".into(), flags: vec!["\\Seen".into()], create: true, copy: true },
            Action::FileInto { mailbox: "Labels".into(), flags: vec!["$Label1".into()], create: false, copy: false },
        ]
    );
    assert_eq!(outcome.implicit_keep, None, "the plain fileinto cancelled it");
}

#[test]
fn regex_and_encoded_characters() {
    files(
        r#"require ["fileinto", "regex", "variables", "encoded-character"];
           if header :regex "from" "([a-z]+)\\+([a-z]+)@" { fileinto "${2}-${1}"; }
           fileinto "${hex:41 42}${unicode:e9}";"#,
        &["news-joerg", "ABé"],
    );
}

#[test]
fn editheader_is_seen_by_later_tests() {
    files(
        r#"require ["fileinto", "editheader", "index"];
           addheader :last "X-Score" "1";
           deleteheader :index 1 "x-score";
           if header :is "x-score" "1" { fileinto "Replaced"; }"#,
        &["Replaced"],
    );
}
