//! Mailbox commands: SELECT/EXAMINE with CONDSTORE and QRESYNC (RFC 7162), CREATE with USE
//! (RFC 6154), DELETE, RENAME, SUBSCRIBE, LIST (RFC 5258, 5819, 6154), LSUB, STATUS
//! (incl. SIZE, RFC 8438) and QUOTA (RFC 9208); mailbox name encodings.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

fn mailbox(name: &str) -> MailboxName {
    MailboxName::new(name)
}

#[test]
fn select_plain_condstore_and_qresync() {
    assert_eq!(
        body("A142 SELECT INBOX\r\n"),
        CommandBody::Select { mailbox: mailbox("INBOX"), params: SelectParams::default() }
    );
    assert_eq!(
        body("a EXAMINE blurdybloop (CONDSTORE)\r\n"),
        CommandBody::Examine {
            mailbox: mailbox("blurdybloop"),
            params: SelectParams { condstore: true, qresync: None }
        }
    );
    // RFC 7162 §3.2.5.2 example.
    let CommandBody::Select { params, .. } =
        body("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n")
    else {
        panic!()
    };
    let q = params.qresync.unwrap();
    assert_eq!((q.uid_validity, q.mod_seq), (67890007, 20050715194045000));
    assert_eq!(q.known_uids.unwrap().to_string(), "41,43:211,214:541");
    assert!(q.seq_match.is_none());
    let CommandBody::Select { params, .. } = body(
        "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
    ) else {
        panic!()
    };
    let (seqs, uids) = params.qresync.unwrap().seq_match.unwrap();
    assert_eq!(seqs.to_string(), "5000,7500,9000,9990:9999");
    assert_eq!(uids.ranges().len(), 13);
    refused("a SELECT INBOX (BOGUS)\r\n");
    refused("a SELECT INBOX (QRESYNC (0 1))\r\n");
}

#[test]
fn inbox_is_case_insensitive_and_other_names_are_not() {
    assert_eq!(body("a SELECT inBoX\r\n"), body("a SELECT INBOX\r\n"));
    let CommandBody::Select { mailbox: m, .. } = body("a SELECT Inbox/Sub\r\n") else { panic!() };
    assert_eq!(m.as_str(), "Inbox/Sub");
}

#[test]
fn modified_utf7_names_are_decoded() {
    let CommandBody::Create { mailbox: m, .. } = body("a CREATE \"Entw&APw-rfe\"\r\n") else { panic!() };
    assert_eq!(m.as_str(), "Entw\u{fc}rfe");
    let CommandBody::Create { mailbox: m, .. } = body("a CREATE p&AOQA5A-\r\n") else { panic!() };
    assert_eq!(m.as_str(), "p\u{e4}\u{e4}");
    let CommandBody::Create { mailbox: m, .. } = body("a CREATE A&-B\r\n") else { panic!() };
    assert_eq!(m.as_str(), "A&B");
}

#[test]
fn invalid_modified_utf7_cannot_be_created_but_can_be_looked_up() {
    assert!(matches!(refused("a CREATE &Jjo!\r\n").kind, CommandErrorKind::Syntax(SyntaxError::MailboxName(_))));
    refused("a RENAME x &AGE-\r\n"); // encodes printable ASCII: not the shortest form
    // Dovecot's imaptest `atoms` script: such a name is just one that does not exist.
    let CommandBody::Select { mailbox: m, .. } = body("a select !#$&'+,-.0123456789:;<=>?@^_`|[}\r\n") else {
        panic!()
    };
    assert_eq!(m.as_str(), "!#$&'+,-.0123456789:;<=>?@^_`|[}");
}

#[test]
fn utf8_names_when_enabled() {
    let mut reader = CommandReader::new(Limits::default());
    reader.set_name_encoding(NameEncoding::Utf8);
    reader.push("a CREATE \"Gesendete Elemente \u{e9}\" \r\n".trim_end_matches(" \r\n").as_bytes());
    reader.push(b"\r\n");
    let Ok(Event::Command(c)) = reader.next_event() else { panic!() };
    let CommandBody::Create { mailbox: m, .. } = c.body else { panic!() };
    assert_eq!(m.as_str(), "Gesendete Elemente \u{e9}");
}

#[test]
fn create_with_special_use() {
    assert_eq!(
        body("t1 CREATE MySpecial (USE (\\Drafts \\Sent))\r\n"),
        CommandBody::Create {
            mailbox: mailbox("MySpecial"),
            special_use: vec![MailboxAttr::Drafts, MailboxAttr::Sent]
        }
    );
    refused("t1 CREATE x (USE ())\r\n");
    refused("t1 CREATE x (FOO (\\Sent))\r\n");
}

#[test]
fn delete_rename_subscribe() {
    assert_eq!(body("a DELETE foo\r\n"), CommandBody::Delete(mailbox("foo")));
    assert_eq!(
        body("a RENAME INBOX \"Old Mail\"\r\n"),
        CommandBody::Rename { from: mailbox("INBOX"), to: mailbox("Old Mail") }
    );
    assert_eq!(body("a SUBSCRIBE #news.x\r\n"), CommandBody::Subscribe(mailbox("#news.x")));
    assert_eq!(body("a UNSUBSCRIBE \"\"\r\n"), CommandBody::Unsubscribe(mailbox("")));
}

#[test]
fn basic_list_and_lsub() {
    let CommandBody::List(l) = body("A101 LIST \"\" \"\"\r\n") else { panic!() };
    assert_eq!((l.reference.0.as_str(), l.patterns.len()), ("", 1));
    let CommandBody::List(l) = body("A102 LIST #news.comp.mail.misc %\r\n") else { panic!() };
    assert_eq!(l.reference.0, "#news.comp.mail.misc");
    assert_eq!(l.patterns[0].0, "%");
    let CommandBody::List(l) = body("a list \"\" ~foo\r\n") else { panic!() };
    assert_eq!(l.patterns[0].0, "~foo");
    assert_eq!(
        body("a LSUB \"#news.\" \"comp.mail.*\"\r\n"),
        CommandBody::Lsub { reference: ListPattern("#news.".into()), pattern: ListPattern("comp.mail.*".into()) }
    );
}

#[test]
fn extended_list_with_selection_patterns_and_return_options() {
    let CommandBody::List(l) = body(
        "A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" \"Fo*\") RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))\r\n",
    ) else {
        panic!()
    };
    assert_eq!(l.selection, vec![ListSelection::Subscribed, ListSelection::RecursiveMatch]);
    assert_eq!(l.patterns, vec![ListPattern("%".into()), ListPattern("Fo*".into())]);
    assert_eq!(
        l.returns,
        vec![
            ListReturn::Children,
            ListReturn::SpecialUse,
            ListReturn::Status(vec![StatusItem::Messages, StatusItem::Unseen, StatusItem::Size])
        ]
    );
    let CommandBody::List(l) = body("a LIST () \"\" % RETURN ()\r\n") else { panic!() };
    assert!(l.selection.is_empty() && l.returns.is_empty());
    let CommandBody::List(l) = body("a LIST (SPECIAL-USE) \"\" *\r\n") else { panic!() };
    assert_eq!(l.selection, vec![ListSelection::SpecialUse]);
    refused("a LIST (BOGUS) \"\" *\r\n");
    refused("a LIST \"\" * RETURN (BOGUS)\r\n");
}

#[test]
fn status_items_including_extensions() {
    assert_eq!(
        body(
            "A042 STATUS blurdybloop (UIDNEXT MESSAGES size highestmodseq deleted appendlimit recent uidvalidity unseen)\r\n"
        ),
        CommandBody::Status {
            mailbox: mailbox("blurdybloop"),
            items: vec![
                StatusItem::UidNext,
                StatusItem::Messages,
                StatusItem::Size,
                StatusItem::HighestModSeq,
                StatusItem::Deleted,
                StatusItem::AppendLimit,
                StatusItem::Recent,
                StatusItem::UidValidity,
                StatusItem::Unseen
            ]
        }
    );
    refused("a STATUS INBOX ()\r\n");
    refused("a STATUS INBOX (BOGUS)\r\n");
}

#[test]
fn quota_commands() {
    assert_eq!(body("G GETQUOTA \"\"\r\n"), CommandBody::GetQuota(String::new()));
    assert_eq!(body("G GETQUOTAROOT INBOX\r\n"), CommandBody::GetQuotaRoot(mailbox("INBOX")));
    assert_eq!(
        body("S SETQUOTA \"\" (STORAGE 512 message 1000)\r\n"),
        CommandBody::SetQuota { root: String::new(), limits: vec![("STORAGE".into(), 512), ("MESSAGE".into(), 1000)] }
    );
}

#[test]
fn mailbox_name_as_literal() {
    assert_eq!(body("a DELETE {3+}\r\nfoo\r\n"), CommandBody::Delete(mailbox("foo")));
}
