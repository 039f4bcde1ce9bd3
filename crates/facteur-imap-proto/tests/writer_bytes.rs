//! Exact bytes of the responses whose form matters: string choice (atom, quoted, literal,
//! NIL), mailbox encoding, RFC examples.

#![allow(clippy::unwrap_used)]

mod common;

use common::responses::*;
use facteur_imap_proto::*;

fn written(response: &Response) -> String {
    String::from_utf8(ResponseWriter::default().to_bytes(response)).unwrap()
}

fn written_utf8(response: &Response) -> String {
    String::from_utf8(ResponseWriter::new(NameEncoding::Utf8).to_bytes(response)).unwrap()
}

#[test]
fn tagged_ok_with_response_code() {
    let r =
        Response::Status(StatusResponse::ok(Some(tag("A142")), "SELECT completed").with_code(ResponseCode::ReadWrite));
    assert_eq!(written(&r), "A142 OK [READ-WRITE] SELECT completed\r\n");
}

/// Found by the `response_writer` fuzz target: text starting with `[` and no code before it read as a
/// response code (imap-codec refused `+ [`), so text echoing a client could pass for `[ALERT]`.
#[test]
fn text_starting_with_a_bracket_cannot_pass_for_a_response_code() {
    let r = Response::Status(StatusResponse::no(Some(tag("A1")), "[ALERT] not from the server"));
    assert_eq!(written(&r), "A1 NO  [ALERT] not from the server\r\n");
    let r = Response::Status(StatusResponse::no(Some(tag("A1")), "[x]").with_code(ResponseCode::TryCreate));
    assert_eq!(written(&r), "A1 NO [TRYCREATE] [x]\r\n");
    let r = Response::Continue(ContinueRequest::Text("[".into()));
    assert_eq!(written(&r), "+  [\r\n");
}

/// Found by the `response_writer` fuzz target: non-ASCII status text went out before the client enabled
/// UTF-8, which RFC 9051 §9 `text` does not allow (imap-codec refused it).
#[test]
fn non_ascii_text_waits_for_utf8_to_be_enabled() {
    let r = Response::Status(StatusResponse::no(Some(tag("A1")), "Entwürfe: no such mailbox"));
    assert_eq!(written(&r), "A1 NO Entw?rfe: no such mailbox\r\n");
    assert_eq!(written_utf8(&r), "A1 NO Entwürfe: no such mailbox\r\n");
    let code = ResponseCode::Other("X-NAME".into(), Some("Entwürfe]".into()));
    let r = Response::Status(StatusResponse::no(Some(tag("A1")), "x").with_code(code));
    assert_eq!(written(&r), "A1 NO [X-NAME Entw?rfe] x\r\n");
}

#[test]
fn status_text_never_contains_line_breaks() {
    let r = Response::Status(StatusResponse::bad(None, "a\r\nA2 OK injected"));
    assert_eq!(written(&r), "* BAD a  A2 OK injected\r\n");
}

#[test]
fn copyuid_writes_compact_uid_sets() {
    let r = status(
        StatusKind::Ok,
        Some(ResponseCode::CopyUid {
            uid_validity: 38505,
            source: uids(&[304, 319, 320, 321]),
            destination: uids(&[3956, 3957, 3958, 3959]),
        }),
    );
    assert_eq!(written(&r), "A1 OK [COPYUID 38505 304,319:321 3956:3959] done\r\n");
}

#[test]
fn mailbox_names_are_modified_utf7_for_imap4rev1_clients() {
    let r = data(Data::List(list_item(vec![MailboxAttr::HasNoChildren], "Entw\u{fc}rfe", vec![])));
    assert_eq!(written(&r), "* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe\r\n");
}

#[test]
fn mailbox_names_are_utf8_once_enabled() {
    let r = data(Data::List(list_item(vec![], "Entw\u{fc}rfe", vec![])));
    assert_eq!(written_utf8(&r), "* LIST () \"/\" \"Entw\u{fc}rfe\"\r\n");
}

#[test]
fn mailbox_with_space_is_quoted_and_nil_name_is_not_an_atom() {
    let r = data(Data::List(list_item(vec![], "My Folder", vec![])));
    assert_eq!(written(&r), "* LIST () \"/\" \"My Folder\"\r\n");
    let r = data(Data::List(list_item(vec![], "NIL", vec![])));
    assert_eq!(written(&r), "* LIST () \"/\" \"NIL\"\r\n");
}

#[test]
fn eight_bit_strings_become_literals_for_imap4rev1() {
    let r = data(Data::Fetch {
        seq: seq(1),
        items: vec![FetchItem::BodySection {
            section: Section::default(),
            origin: None,
            data: Some("caf\u{e9}".as_bytes().to_vec()),
        }],
    });
    assert_eq!(written(&r), "* 1 FETCH (BODY[] {5}\r\ncaf\u{e9})\r\n");
}

#[test]
fn message_content_is_always_a_literal_even_short_or_empty() {
    let r = data(Data::Fetch {
        seq: seq(2),
        items: vec![
            FetchItem::Rfc822Header(Some(b"A: b\r\n".to_vec())),
            FetchItem::Rfc822Text(Some(Vec::new())),
            FetchItem::Rfc822(None),
        ],
    });
    assert_eq!(written(&r), "* 2 FETCH (RFC822.HEADER {6}\r\nA: b\r\n RFC822.TEXT {0}\r\n RFC822 NIL)\r\n");
}

#[test]
fn strings_with_crlf_become_literals_and_quotes_are_escaped() {
    let r = data(Data::Fetch {
        seq: seq(2),
        items: vec![FetchItem::Envelope(Box::new(Envelope {
            date: Some(b"a\r\nb".to_vec()),
            subject: Some(b"say \"hi\" \\o/".to_vec()),
            ..Envelope::default()
        }))],
    });
    assert_eq!(
        written(&r),
        "* 2 FETCH (ENVELOPE ({4}\r\na\r\nb \"say \\\"hi\\\" \\\\o/\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
    );
}

/// Found by the `response_writer` fuzz target: header text with NUL (possible after a literal8 APPEND) was
/// sent in a literal, which RFC 9051 §9 (`CHAR8 = %x01-ff`) does not allow; imap-codec refused it.
#[test]
fn nul_in_a_string_is_sent_as_the_replacement_character() {
    let r = data(Data::Fetch {
        seq: seq(3),
        items: vec![FetchItem::Envelope(Box::new(Envelope { subject: Some(b"a\0b".to_vec()), ..Envelope::default() }))],
    });
    assert_eq!(written(&r), "* 3 FETCH (ENVELOPE (NIL {5}\r\na\u{fffd}b NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    assert_eq!(written_utf8(&r), "* 3 FETCH (ENVELOPE (NIL \"a\u{fffd}b\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
}

#[test]
fn long_strings_become_literals() {
    let long = vec![b'a'; 2000];
    let r = data(Data::Fetch { seq: seq(1), items: vec![FetchItem::Rfc822Text(Some(long))] });
    assert!(written(&r).starts_with("* 1 FETCH (RFC822.TEXT {2000}\r\naaa"));
}

#[test]
fn envelope_matches_rfc_9051_example_shape() {
    let r = data(Data::Fetch {
        seq: seq(12),
        items: vec![FetchItem::Envelope(Box::new(Envelope {
            subject: Some(b"Hi".to_vec()),
            from: vec![address(Some("Terry Gray"), "gray", "cac.washington.edu")],
            ..Envelope::default()
        }))],
    });
    assert_eq!(
        written(&r),
        "* 12 FETCH (ENVELOPE (NIL \"Hi\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL NIL NIL NIL NIL NIL))\r\n"
    );
}

#[test]
fn body_omits_extension_data_that_bodystructure_has() {
    let part = BodyStructure::Single {
        kind: SinglePartKind::Text { subtype: "PLAIN".into(), lines: 1 },
        fields: BodyFields {
            params: vec![("CHARSET".into(), "UTF-8".into())],
            encoding: "7BIT".into(),
            size: 5,
            ..BodyFields::default()
        },
        extension: BodyExtension::default(),
    };
    let body = data(Data::Fetch { seq: seq(1), items: vec![FetchItem::Body(Box::new(part.clone()))] });
    let structure = data(Data::Fetch { seq: seq(1), items: vec![FetchItem::BodyStructure(Box::new(part))] });
    assert_eq!(
        written(&body),
        "* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 5 1))\r\n"
    );
    assert_eq!(
        written(&structure),
        "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL))\r\n"
    );
}

#[test]
fn header_fields_section_is_echoed() {
    let r = data(Data::Fetch {
        seq: seq(3),
        items: vec![FetchItem::BodySection {
            section: Section {
                part: vec![1, 2],
                text: Some(SectionText::HeaderFieldsNot(vec!["X-Spam".into(), "Two Words".into()])),
            },
            origin: Some(0),
            data: Some(b"x".to_vec()),
        }],
    });
    assert_eq!(written(&r), "* 3 FETCH (BODY[1.2.HEADER.FIELDS.NOT (X-Spam \"Two Words\")]<0> {1}\r\nx)\r\n");
}

#[test]
fn binary_with_nul_uses_literal8() {
    let r = data(Data::Fetch {
        seq: seq(1),
        items: vec![FetchItem::Binary { part: vec![2], origin: None, data: Some(b"a\0b".to_vec()) }],
    });
    assert_eq!(written(&r), "* 1 FETCH (BINARY[2] ~{3}\r\na\0b)\r\n");
}

#[test]
fn esearch_matches_rfc_4731_example() {
    let r = data(Data::ESearch {
        tag: Some(tag("A285")),
        uid: true,
        items: vec![ESearchItem::Min(7), ESearchItem::Max(3800)],
    });
    assert_eq!(written(&r), "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n");
    let r = data(Data::ESearch { tag: Some(tag("A284")), uid: false, items: vec![ESearchItem::All(vec![])] });
    assert_eq!(written(&r), "* ESEARCH (TAG \"A284\")\r\n");
}

#[test]
fn thread_matches_rfc_5256_example() {
    let leaf = |n| ThreadNode { message: Some(n), children: vec![] };
    let chain = |n, child| ThreadNode { message: Some(n), children: vec![child] };
    let r = data(Data::Thread(vec![
        leaf(2),
        chain(3, ThreadNode { message: Some(6), children: vec![chain(4, leaf(23)), chain(44, chain(7, leaf(96)))] }),
    ]));
    assert_eq!(written(&r), "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
}

#[test]
fn thread_with_missing_parent_and_deep_chain() {
    let r = data(Data::Thread(vec![ThreadNode {
        message: None,
        children: vec![
            ThreadNode { message: Some(3), children: vec![] },
            ThreadNode { message: Some(5), children: vec![] },
        ],
    }]));
    assert_eq!(written(&r), "* THREAD ((3)(5))\r\n");
    // A 100,000-message reply chain must not overflow the stack.
    let mut node = ThreadNode { message: Some(100_000), children: vec![] };
    for n in (1..100_000).rev() {
        node = ThreadNode { message: Some(n), children: vec![node] };
    }
    let response = data(Data::Thread(vec![node]));
    let bytes = ResponseWriter::default().to_bytes(&response);
    assert!(bytes.starts_with(b"* THREAD (1 2 3 "));
    assert!(bytes.ends_with(b" 99999 100000)\r\n"));
    drop(response); // and dropping it must not overflow either
}

#[test]
fn list_extended_items_and_status_values() {
    let r = data(Data::List(list_item(
        vec![MailboxAttr::NonExistent, MailboxAttr::Subscribed],
        "Foo",
        vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])],
    )));
    assert_eq!(written(&r), "* LIST (\\NonExistent \\Subscribed) \"/\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    let r = data(Data::Status {
        mailbox: MailboxName::new("inbox"),
        items: vec![StatusValue::Size(12), StatusValue::AppendLimit(None), StatusValue::Deleted(1)],
    });
    assert_eq!(written(&r), "* STATUS INBOX (SIZE 12 APPENDLIMIT NIL DELETED 1)\r\n");
}

#[test]
fn vanished_earlier_and_quota_responses() {
    let r = data(Data::Vanished { earlier: true, uids: uids(&[41, 43, 44, 45]) });
    assert_eq!(written(&r), "* VANISHED (EARLIER) 41,43:45\r\n");
    let r = data(Data::Quota {
        root: String::new(),
        resources: vec![QuotaResource { name: "STORAGE".into(), usage: 10, limit: 512 }],
    });
    assert_eq!(written(&r), "* QUOTA \"\" (STORAGE 10 512)\r\n");
}

#[test]
fn namespace_with_nil_groups() {
    let r = data(Data::Namespace {
        personal: vec![NamespaceDescription { prefix: String::new(), delimiter: Some('/') }],
        other: vec![],
        shared: vec![],
    });
    assert_eq!(written(&r), "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
}

/// Found by the `response_writer` fuzz target: descriptions were separated by spaces, which RFC 9051 §9
/// `"(" 1*namespace-descr ")"` does not allow (imap-codec refused the response).
#[test]
fn namespace_descriptions_follow_each_other_without_spaces() {
    let r = data(Data::Namespace {
        personal: vec![
            NamespaceDescription { prefix: String::new(), delimiter: Some('/') },
            NamespaceDescription { prefix: "#mh/".into(), delimiter: None },
        ],
        other: vec![],
        shared: vec![],
    });
    assert_eq!(written(&r), "* NAMESPACE ((\"\" \"/\")(\"#mh/\" NIL)) NIL NIL\r\n");
}

#[test]
fn internaldate_pads_the_day_with_a_space() {
    let date = DateTime::new(Date::new(2024, 3, 5).unwrap(), 9, 5, 0, 60).unwrap();
    let r = data(Data::Fetch { seq: seq(1), items: vec![FetchItem::InternalDate(date)] });
    assert_eq!(written(&r), "* 1 FETCH (INTERNALDATE \" 5-Mar-2024 09:05:00 +0100\")\r\n");
}
