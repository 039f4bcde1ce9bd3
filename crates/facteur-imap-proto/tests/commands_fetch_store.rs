//! FETCH (RFC 9051 §6.4.5, BINARY RFC 3516, CHANGEDSINCE/VANISHED RFC 7162), STORE
//! (UNCHANGEDSINCE), COPY, MOVE (RFC 6851), EXPUNGE and UID EXPUNGE (RFC 4315), and the
//! other selected-state commands.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_imap_proto::*;

fn fetch(input: &str) -> FetchCommand {
    match body(input) {
        CommandBody::Fetch(f) => f,
        other => panic!("{other:?}"),
    }
}

fn section(part: &[u32], text: Option<SectionText>) -> Section {
    Section { part: part.to_vec(), text }
}

#[test]
fn macros_expand_to_their_attributes() {
    use FetchAttr::*;
    assert_eq!(fetch("a FETCH 1 FAST\r\n").attrs, vec![Flags, InternalDate, Rfc822Size]);
    assert_eq!(fetch("a FETCH 1 all\r\n").attrs, vec![Flags, InternalDate, Rfc822Size, Envelope]);
    assert_eq!(fetch("a FETCH 1 FULL\r\n").attrs, vec![Flags, InternalDate, Rfc822Size, Envelope, Body]);
    refused("a FETCH 1 (ALL)\r\n");
}

#[test]
fn simple_attributes() {
    use FetchAttr::*;
    let f = fetch(
        "A654 FETCH 2:4 (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE UID MODSEQ RFC822 RFC822.HEADER RFC822.TEXT)\r\n",
    );
    assert_eq!(
        f.attrs,
        vec![
            Flags,
            InternalDate,
            Rfc822Size,
            Envelope,
            Body,
            BodyStructure,
            Uid,
            ModSeq,
            Rfc822,
            Rfc822Header,
            Rfc822Text
        ]
    );
    assert_eq!(f.set, MessageSet::Seq(SeqSet::from_numbers([2, 3, 4].map(|n| SeqNum::new(n).unwrap())).unwrap()));
    assert_eq!(fetch("a fetch 1 uid\r\n").attrs, vec![Uid]);
}

#[test]
fn body_sections_and_partials() {
    let f = fetch(
        "a FETCH 1 (BODY[] BODY.PEEK[HEADER] BODY[1.2.TEXT] BODY[3.MIME] BODY[2]<0.2048> BODY.PEEK[HEADER.FIELDS (DATE FROM)] BODY[4.1.HEADER.FIELDS.NOT (\"X-Mailer\")])\r\n",
    );
    let expected = [
        (false, section(&[], None), None),
        (true, section(&[], Some(SectionText::Header)), None),
        (false, section(&[1, 2], Some(SectionText::Text)), None),
        (false, section(&[3], Some(SectionText::Mime)), None),
        (false, section(&[2], None), Some(Partial { offset: 0, length: 2048 })),
        (true, section(&[], Some(SectionText::HeaderFields(vec!["DATE".into(), "FROM".into()]))), None),
        (false, section(&[4, 1], Some(SectionText::HeaderFieldsNot(vec!["X-Mailer".into()]))), None),
    ];
    let got: Vec<_> = f
        .attrs
        .into_iter()
        .map(|a| match a {
            FetchAttr::BodySection { peek, section, partial } => (peek, section, partial),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn invalid_sections_are_refused() {
    refused("a FETCH 1 BODY[MIME]\r\n"); // MIME needs a part number
    refused("a FETCH 1 BODY[0]\r\n");
    refused("a FETCH 1 BODY[1.]\r\n");
    refused("a FETCH 1 BODY[HEADER.FIELDS ()]\r\n");
    refused("a FETCH 1 BODY[]<5.0>\r\n");
    refused("a FETCH 1 BODY[\r\n");
    refused("a FETCH 1 BINARY[TEXT]\r\n");
}

#[test]
fn binary_sections() {
    let f = fetch("a FETCH 1 (BINARY.PEEK[1]<0.10> BINARY[] BINARY.SIZE[2.1])\r\n");
    assert_eq!(
        f.attrs,
        vec![
            FetchAttr::Binary { peek: true, part: vec![1], partial: Some(Partial { offset: 0, length: 10 }) },
            FetchAttr::Binary { peek: false, part: vec![], partial: None },
            FetchAttr::BinarySize { part: vec![2, 1] },
        ]
    );
    assert!(f.attrs[1].sets_seen() && !f.attrs[0].sets_seen());
}

#[test]
fn uid_fetch_with_changedsince_and_vanished() {
    let f = fetch("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    assert!(matches!(f.set, MessageSet::Uid(_)));
    assert_eq!(f.changed_since, Some(12345));
    assert!(f.vanished);
    refused("a FETCH 1 FLAGS (BOGUS)\r\n");
}

#[test]
fn store_forms() {
    let CommandBody::Store(s) = body("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n") else { panic!() };
    assert_eq!((s.mode, s.silent, s.flags.clone()), (StoreMode::Add, false, vec![Flag::Deleted]));
    let CommandBody::Store(s) = body("a UID STORE 1:* -FLAGS.SILENT \\Seen $Junk\r\n") else { panic!() };
    assert_eq!((s.mode, s.silent), (StoreMode::Remove, true));
    assert_eq!(s.flags, vec![Flag::Seen, Flag::Keyword("$Junk".into())]);
    let CommandBody::Store(s) = body("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n")
    else {
        panic!()
    };
    assert_eq!(s.unchanged_since, Some(320162338));
    let CommandBody::Store(s) = body("a STORE 1 FLAGS ()\r\n") else { panic!() };
    assert_eq!((s.mode, s.flags.len()), (StoreMode::Replace, 0));
    refused("a STORE 1 +FLAGS\r\n");
    refused("a STORE 1 FLAGZ (\\Seen)\r\n");
}

#[test]
fn copy_move_expunge_and_friends() {
    let star = SeqSet::<Uid>::from_ranges(vec![SeqRange {
        start: SeqBound::Value(Uid::new(5).unwrap()),
        end: SeqBound::Last,
    }])
    .unwrap();
    assert_eq!(
        body("a UID MOVE 5:* Trash\r\n"),
        CommandBody::Move { set: MessageSet::Uid(star.clone()), mailbox: MailboxName::new("Trash") }
    );
    assert!(matches!(body("a COPY 2:4 MEETING\r\n"), CommandBody::Copy { set: MessageSet::Seq(_), .. }));
    assert_eq!(body("a UID EXPUNGE 5:*\r\n"), CommandBody::UidExpunge(star));
    assert_eq!(body("a EXPUNGE\r\n"), CommandBody::Expunge);
    assert_eq!(body("a CHECK\r\n"), CommandBody::Check);
    assert_eq!(body("a CLOSE\r\n"), CommandBody::Close);
    assert_eq!(body("a UNSELECT\r\n"), CommandBody::Unselect);
    refused("a UID EXPUNGE\r\n");
    refused("a COPY 1\r\n");
}

#[test]
fn sequence_sets_with_too_many_ranges_are_refused() {
    let mut reader = CommandReader::new(Limits { max_set_ranges: 10, ..Limits::default() });
    let set: Vec<String> = (1..=11).map(|n| (n * 2).to_string()).collect();
    let evs = events(&mut reader, format!("a FETCH {} FLAGS\r\n", set.join(",")).as_bytes());
    assert!(matches!(
        &evs[0],
        Err(CommandError { kind: CommandErrorKind::Syntax(SyntaxError::TooMany { limit: 10, .. }), .. })
    ));
    let evs = events(&mut reader, format!("a FETCH {} FLAGS\r\n", set[..10].join(",")).as_bytes());
    assert!(matches!(&evs[0], Ok(Event::Command(_))));
}
