//! A catalogue of typed responses covering every variant the writer knows.
#![allow(dead_code, clippy::unwrap_used)]

use std::num::NonZeroU32;

use facteur_imap_proto::*;

pub fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

pub fn uid(n: u32) -> Uid {
    Uid(NonZeroU32::new(n).unwrap())
}

pub fn seq(n: u32) -> SeqNum {
    SeqNum(NonZeroU32::new(n).unwrap())
}

pub fn uids(ns: &[u32]) -> SeqSet<Uid> {
    SeqSet::from_numbers(ns.iter().map(|&n| uid(n))).unwrap()
}

pub fn date_time() -> DateTime {
    DateTime::new(Date::new(1996, 7, 17).unwrap(), 2, 44, 25, -420).unwrap()
}

pub fn address(name: Option<&str>, mailbox: &str, host: &str) -> Address {
    Address {
        name: name.map(|n| n.as_bytes().to_vec()),
        adl: None,
        mailbox: Some(mailbox.as_bytes().to_vec()),
        host: Some(host.as_bytes().to_vec()),
    }
}

pub fn envelope() -> Envelope {
    let from = vec![address(Some("Terry Gray"), "gray", "cac.washington.edu")];
    Envelope {
        date: Some(b"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)".to_vec()),
        subject: Some("IMAP4rev2 WG mtg summary and minutes \u{e9}".as_bytes().to_vec()),
        from: from.clone(),
        sender: from.clone(),
        reply_to: from,
        to: vec![address(None, "imap", "cac.washington.edu")],
        cc: vec![
            address(None, "minutes", "CNRI.Reston.VA.US"),
            address(Some("John \"K\" Klensin"), "KLENSIN", "MIT.EDU"),
        ],
        bcc: vec![],
        in_reply_to: None,
        message_id: Some(b"<B27397-0100000@cac.washington.edu>".to_vec()),
    }
}

pub fn text_part(lines: u32) -> BodyStructure {
    BodyStructure::Single {
        kind: SinglePartKind::Text { subtype: "PLAIN".into(), lines },
        fields: BodyFields {
            params: vec![("CHARSET".into(), "US-ASCII".into())],
            id: None,
            description: None,
            encoding: "7BIT".into(),
            size: 3028,
        },
        extension: BodyExtension::default(),
    }
}

pub fn body_structure() -> BodyStructure {
    let attachment = BodyStructure::Single {
        kind: SinglePartKind::Basic { media_type: "APPLICATION".into(), subtype: "PDF".into() },
        fields: BodyFields {
            params: vec![("NAME".into(), "r\u{e9}sum\u{e9}.pdf".into())],
            id: Some(b"<id@x>".to_vec()),
            description: Some(b"a file".to_vec()),
            encoding: "BASE64".into(),
            size: 4096,
        },
        extension: BodyExtension {
            md5: Some("Q2hlY2sgSW50ZWdyaXR5IQ==".into()),
            disposition: Some(Disposition {
                kind: "attachment".into(),
                params: vec![("filename".into(), "cv.pdf".into())],
            }),
            language: vec!["en".into(), "fr".into()],
            location: Some("http://example.org/cv.pdf".into()),
        },
    };
    let forwarded = BodyStructure::Single {
        kind: SinglePartKind::Message {
            subtype: "RFC822".into(),
            envelope: Box::new(envelope()),
            body: Box::new(text_part(3)),
            lines: 12,
        },
        fields: BodyFields { encoding: "7BIT".into(), size: 500, ..BodyFields::default() },
        extension: BodyExtension::default(),
    };
    BodyStructure::Multipart {
        parts: vec![text_part(92), attachment, forwarded],
        subtype: "MIXED".into(),
        params: vec![("BOUNDARY".into(), "xyz".into())],
        extension: BodyExtension { language: vec!["en".into()], ..BodyExtension::default() },
    }
}

pub fn status(kind: StatusKind, code: Option<ResponseCode>) -> Response {
    Response::Status(StatusResponse { tag: Some(tag("A1")), kind, code, text: "done".into() })
}

pub fn data(d: Data) -> Response {
    Response::Data(d)
}

pub fn list_item(attrs: Vec<MailboxAttr>, name: &str, extended: Vec<ListExtendedItem>) -> ListItem {
    ListItem { attributes: attrs, delimiter: Some('/'), mailbox: MailboxName::new(name), extended }
}

/// Responses in forms imap-codec's parser supports (IMAP4rev1 and the extensions it knows).
pub fn rev1_catalogue() -> Vec<(&'static str, Response)> {
    use ResponseCode as C;
    let fetch = |items: Vec<FetchItem>| data(Data::Fetch { seq: seq(12), items });
    vec![
        ("ok", status(StatusKind::Ok, None)),
        ("untagged ok", Response::Status(StatusResponse::ok(None, "IMAP4rev2 ready"))),
        ("bye", Response::Status(StatusResponse::bye("logging out"))),
        ("preauth", Response::Status(StatusResponse::new(None, StatusKind::PreAuth, "hi"))),
        ("no trycreate", status(StatusKind::No, Some(C::TryCreate))),
        ("bad text with CRLF", Response::Status(StatusResponse::bad(Some(tag("A1")), "line\r\nbreak"))),
        ("text starting with a bracket", Response::Status(StatusResponse::no(Some(tag("A1")), "[ALERT] echoed"))),
        ("continue starting with a bracket", Response::Continue(ContinueRequest::Text("[".into()))),
        ("alert", status(StatusKind::Ok, Some(C::Alert))),
        ("badcharset", status(StatusKind::No, Some(C::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()])))),
        ("capability code", status(StatusKind::Ok, Some(C::Capability(vec!["IMAP4rev1".into(), "IDLE".into()])))),
        ("parse", status(StatusKind::Ok, Some(C::Parse))),
        (
            "permanentflags",
            status(
                StatusKind::Ok,
                Some(C::PermanentFlags(vec![
                    PermanentFlag::Flag(Flag::Seen),
                    PermanentFlag::Flag(Flag::Keyword("$Junk".into())),
                    PermanentFlag::AnyKeyword,
                ])),
            ),
        ),
        ("read-only", status(StatusKind::Ok, Some(C::ReadOnly))),
        ("read-write", status(StatusKind::Ok, Some(C::ReadWrite))),
        ("uidnext", status(StatusKind::Ok, Some(C::UidNext(4392)))),
        ("uidvalidity", status(StatusKind::Ok, Some(C::UidValidity(3857529045)))),
        ("unseen", status(StatusKind::Ok, Some(C::Unseen(17)))),
        ("appenduid", status(StatusKind::Ok, Some(C::AppendUid { uid_validity: 38505, uids: uids(&[3955]) }))),
        (
            "copyuid",
            status(
                StatusKind::Ok,
                Some(C::CopyUid {
                    uid_validity: 38505,
                    source: uids(&[304, 319, 320, 321]),
                    destination: uids(&[3956, 3957, 3958, 3959]),
                }),
            ),
        ),
        ("uidnotsticky", status(StatusKind::Ok, Some(C::UidNotSticky))),
        ("highestmodseq", status(StatusKind::Ok, Some(C::HighestModSeq(715194045007)))),
        ("nomodseq", status(StatusKind::Ok, Some(C::NoModSeq))),
        (
            "modified",
            status(StatusKind::Ok, Some(C::Modified(MessageSet::Seq(SeqSet::from_numbers([seq(7), seq(9)]).unwrap())))),
        ),
        ("closed", status(StatusKind::Ok, Some(C::Closed))),
        ("alreadyexists", status(StatusKind::No, Some(C::AlreadyExists))),
        ("nonexistent", status(StatusKind::No, Some(C::Nonexistent))),
        ("toobig", status(StatusKind::No, Some(C::TooBig))),
        ("overquota", status(StatusKind::No, Some(C::OverQuota))),
        ("cannot", status(StatusKind::No, Some(C::Cannot))),
        ("limit", status(StatusKind::No, Some(C::Limit))),
        ("inuse", status(StatusKind::No, Some(C::InUse))),
        ("serverbug", status(StatusKind::No, Some(C::ServerBug))),
        ("clientbug", status(StatusKind::Ok, Some(C::ClientBug))),
        ("expungeissued", status(StatusKind::Ok, Some(C::ExpungeIssued))),
        ("authenticationfailed", status(StatusKind::No, Some(C::AuthenticationFailed))),
        ("authorizationfailed", status(StatusKind::No, Some(C::AuthorizationFailed))),
        ("expired", status(StatusKind::No, Some(C::Expired))),
        ("privacyrequired", status(StatusKind::No, Some(C::PrivacyRequired))),
        ("contactadmin", status(StatusKind::No, Some(C::ContactAdmin))),
        ("noperm", status(StatusKind::No, Some(C::NoPerm))),
        ("unavailable", status(StatusKind::No, Some(C::Unavailable))),
        ("compressionactive", status(StatusKind::No, Some(C::CompressionActive))),
        ("haschildren", status(StatusKind::No, Some(C::HasChildren))),
        ("unknown-cte", status(StatusKind::No, Some(C::UnknownCte))),
        ("useattr", status(StatusKind::No, Some(C::UseAttr))),
        ("other code", status(StatusKind::Ok, Some(C::Other("X-FOO".into(), Some("bar baz".into()))))),
        ("continue text", Response::Continue(ContinueRequest::Text("Ready for literal data".into()))),
        ("continue base64", Response::Continue(ContinueRequest::Base64("dGVzdA==".into()))),
        (
            "capability",
            data(Data::Capability(vec![
                "IMAP4rev1".into(),
                "IMAP4rev2".into(),
                "LITERAL+".into(),
                "AUTH=PLAIN".into(),
            ])),
        ),
        ("enabled", data(Data::Enabled(vec!["CONDSTORE".into(), "QRESYNC".into()]))),
        ("list", data(Data::List(list_item(vec![MailboxAttr::HasNoChildren, MailboxAttr::Sent], "Sent", vec![])))),
        (
            "list nil delimiter",
            data(Data::List(ListItem {
                attributes: vec![MailboxAttr::NoSelect],
                delimiter: None,
                mailbox: MailboxName::new("foo"),
                extended: vec![],
            })),
        ),
        ("list mutf7", data(Data::List(list_item(vec![], "Entw\u{fc}rfe & Co", vec![])))),
        ("list inbox", data(Data::List(list_item(vec![], "inbox", vec![])))),
        ("list quoted name", data(Data::List(list_item(vec![], "with space", vec![])))),
        ("list name NIL", data(Data::List(list_item(vec![], "NIL", vec![])))),
        ("lsub", data(Data::Lsub(list_item(vec![], "Archive/2024", vec![])))),
        (
            "status",
            data(Data::Status {
                mailbox: MailboxName::new("blurdybloop"),
                items: vec![
                    StatusValue::Messages(231),
                    StatusValue::UidNext(44292),
                    StatusValue::UidValidity(1),
                    StatusValue::Unseen(3),
                    StatusValue::Recent(0),
                    StatusValue::HighestModSeq(7011231777),
                    StatusValue::Size(123456),
                ],
            }),
        ),
        ("exists", data(Data::Exists(23))),
        ("recent", data(Data::Recent(5))),
        ("expunge", data(Data::Expunge(seq(44)))),
        ("vanished", data(Data::Vanished { earlier: false, uids: uids(&[405, 407, 408, 409, 410, 411]) })),
        ("vanished earlier", data(Data::Vanished { earlier: true, uids: uids(&[300, 301, 302]) })),
        ("search", data(Data::Search { numbers: vec![2, 84, 882], mod_seq: None })),
        ("search empty", data(Data::Search { numbers: vec![], mod_seq: None })),
        ("search modseq", data(Data::Search { numbers: vec![2, 5], mod_seq: Some(917162500) })),
        (
            "flags",
            data(Data::Flags(vec![
                Flag::Answered,
                Flag::Flagged,
                Flag::Deleted,
                Flag::Seen,
                Flag::Draft,
                Flag::Keyword("$Forwarded".into()),
            ])),
        ),
        ("id", data(Data::Id(Some(vec![("name".into(), Some("Facteur".into())), ("version".into(), None)])))),
        ("id nil", data(Data::Id(None))),
        (
            "namespace",
            data(Data::Namespace {
                personal: vec![NamespaceDescription { prefix: String::new(), delimiter: Some('/') }],
                other: vec![],
                shared: vec![NamespaceDescription { prefix: "Shared/".into(), delimiter: Some('/') }],
            }),
        ),
        (
            "quota",
            data(Data::Quota {
                root: String::new(),
                resources: vec![QuotaResource { name: "STORAGE".into(), usage: 10, limit: 512 }],
            }),
        ),
        ("quotaroot", data(Data::QuotaRoot { mailbox: MailboxName::new("INBOX"), roots: vec![String::new()] })),
        ("sort", data(Data::Sort { numbers: vec![5, 3, 4, 1, 2], mod_seq: None })),
        (
            "thread",
            data(Data::Thread(vec![
                ThreadNode { message: Some(2), children: vec![] },
                ThreadNode {
                    message: Some(3),
                    children: vec![ThreadNode {
                        message: Some(6),
                        children: vec![
                            ThreadNode {
                                message: Some(4),
                                children: vec![ThreadNode { message: Some(23), children: vec![] }],
                            },
                            ThreadNode {
                                message: Some(44),
                                children: vec![ThreadNode {
                                    message: Some(7),
                                    children: vec![ThreadNode { message: Some(96), children: vec![] }],
                                }],
                            },
                        ],
                    }],
                },
            ])),
        ),
        (
            "fetch flags uid modseq",
            fetch(vec![
                FetchItem::Flags(vec![Flag::Seen, Flag::Recent]),
                FetchItem::Uid(uid(4827313)),
                FetchItem::ModSeq(12121231000),
            ]),
        ),
        ("fetch internaldate size", fetch(vec![FetchItem::InternalDate(date_time()), FetchItem::Rfc822Size(44827)])),
        ("fetch envelope", fetch(vec![FetchItem::Envelope(Box::new(envelope()))])),
        ("fetch body", fetch(vec![FetchItem::Body(Box::new(body_structure()))])),
        ("fetch bodystructure", fetch(vec![FetchItem::BodyStructure(Box::new(body_structure()))])),
        ("fetch body single", fetch(vec![FetchItem::BodyStructure(Box::new(text_part(1)))])),
        (
            "fetch empty multipart",
            fetch(vec![FetchItem::BodyStructure(Box::new(BodyStructure::Multipart {
                parts: vec![],
                subtype: "MIXED".into(),
                params: vec![],
                extension: BodyExtension::default(),
            }))]),
        ),
        (
            "fetch body section",
            fetch(vec![FetchItem::BodySection {
                section: Section::default(),
                origin: None,
                data: Some(b"Subject: hi\r\n\r\nbody\r\n".to_vec()),
            }]),
        ),
        (
            "fetch header fields",
            fetch(vec![FetchItem::BodySection {
                section: Section {
                    part: vec![],
                    text: Some(SectionText::HeaderFields(vec!["From".into(), "Subject".into()])),
                },
                origin: None,
                data: Some(b"From: a@b\r\n\r\n".to_vec()),
            }]),
        ),
        (
            "fetch part mime partial",
            fetch(vec![FetchItem::BodySection {
                section: Section { part: vec![2, 1], text: Some(SectionText::Mime) },
                origin: Some(0),
                data: Some(b"short".to_vec()),
            }]),
        ),
        (
            "fetch nil section",
            fetch(vec![FetchItem::BodySection {
                section: Section { part: vec![3], text: Some(SectionText::Text) },
                origin: None,
                data: None,
            }]),
        ),
        (
            "fetch rfc822 forms",
            fetch(vec![
                FetchItem::Rfc822(Some(b"x".to_vec())),
                FetchItem::Rfc822Header(Some(b"H: v\r\n\r\n".to_vec())),
                FetchItem::Rfc822Text(None),
            ]),
        ),
        (
            "fetch 8bit data",
            fetch(vec![FetchItem::BodySection {
                section: Section::default(),
                origin: None,
                data: Some("caf\u{e9}\r\n".as_bytes().to_vec()),
            }]),
        ),
        (
            "fetch binary",
            fetch(vec![
                FetchItem::Binary { part: vec![1], origin: None, data: Some(b"plain".to_vec()) },
                FetchItem::BinarySize { part: vec![1], size: 5 },
            ]),
        ),
    ]
}

/// Forms imap-codec does not parse (extensions it lacks): written and checked by our tests only.
pub fn extension_catalogue() -> Vec<(&'static str, Response)> {
    let fetch = |items: Vec<FetchItem>| data(Data::Fetch { seq: seq(1), items });
    vec![
        (
            "esearch",
            data(Data::ESearch {
                tag: Some(tag("A282")),
                uid: true,
                items: vec![ESearchItem::Min(2), ESearchItem::Count(3), ESearchItem::All(vec![2, 10, 11])],
            }),
        ),
        (
            "esearch empty",
            data(Data::ESearch { tag: Some(tag("A283")), uid: false, items: vec![ESearchItem::All(vec![])] }),
        ),
        (
            "list childinfo",
            data(Data::List(list_item(
                vec![MailboxAttr::Subscribed],
                "Foo",
                vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])],
            ))),
        ),
        (
            "list oldname",
            data(Data::List(list_item(vec![], "New", vec![ListExtendedItem::OldName(MailboxName::new("Old"))]))),
        ),
        (
            "status appendlimit deleted",
            data(Data::Status {
                mailbox: MailboxName::new("INBOX"),
                items: vec![
                    StatusValue::Deleted(2),
                    StatusValue::AppendLimit(None),
                    StatusValue::AppendLimit(Some(1000)),
                ],
            }),
        ),
        (
            "fetch binary literal8",
            fetch(vec![FetchItem::Binary { part: vec![], origin: Some(10), data: Some(b"a\0b".to_vec()) }]),
        ),
    ]
}
