//! Fuzzes the response writer against an independent parser: a response built from the input is written
//! by `ResponseWriter` (in the IMAP4rev1 and the UTF-8 name encodings) and imap-codec must parse the
//! bytes as exactly one response, consuming all of them (RFC 9051 §7, §9).
//!
//! Values are built from the input, not derived (`arbitrary`): our response types carry no `Arbitrary`.
//! Whatever can come from outside (a message's header fields and MIME parameters, mailbox names,
//! tags, status text, message content) is arbitrary. What the server itself chooses (capability names,
//! response code atoms, the hierarchy delimiter, quota resource names) and what the store guarantees
//! (UIDs, message numbers and UIDVALIDITY are at least 1, mod-sequences fit 63 bits) is built within
//! those rules, as the server builds it; each place says so.
//!
//! Forms imap-codec does not know (ESEARCH, LIST-EXTENDED data items, STATUS APPENDLIMIT, MESSAGE/GLOBAL,
//! BINARY with an origin) are still written, for panics, but not parsed; each place says why.
//! docs/fuzzing.md lists them, and the few values kept within imap-codec's limits.
//!
//! Run with `cargo fuzz run --sanitizer none response_writer` from `crates/facteur-imap-proto`
//! (see docs/fuzzing.md).
#![no_main]

use std::num::NonZeroU32;

use facteur_imap_proto::*;
use imap_codec::decode::Decoder;
use imap_codec::{GreetingCodec, ResponseCodec};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut checked = true;
    let Ok(response) = response(&mut u, &mut checked) else {
        return;
    };
    for encoding in [NameEncoding::ModifiedUtf7, NameEncoding::Utf8] {
        let bytes = ResponseWriter::new(encoding).to_bytes(&response);
        assert!(bytes.ends_with(b"\r\n"));
        // imap-codec reads `text` as RFC 3501 does, ASCII only; RFC 9051 §9 allows UTF-8 there once enabled.
        let utf8_text = encoding == NameEncoding::Utf8 && !free_text(&response).is_ascii();
        if checked && !utf8_text {
            if let Err(why) = parse_exactly_one(&bytes) {
                panic!("imap-codec: {why}\n{encoding:?} {response:?}\nwritten: {:?}", String::from_utf8_lossy(&bytes));
            }
        }
    }
});

/// The human-readable text of a response: status text, a continuation's text, a response code's text.
fn free_text(response: &Response) -> String {
    match response {
        Response::Continue(ContinueRequest::Text(text)) => text.clone(),
        Response::Status(status) => match &status.code {
            Some(ResponseCode::Other(_, Some(code_text))) => format!("{code_text} {}", status.text),
            _ => status.text.clone(),
        },
        _ => String::new(),
    }
}

/// imap-codec's verdict: one response, nothing left over.
fn parse_exactly_one(bytes: &[u8]) -> std::result::Result<(), String> {
    // PREAUTH exists only as a greeting, which imap-codec parses with its own codec.
    let rest = if bytes.starts_with(b"* PREAUTH") {
        GreetingCodec::default().decode(bytes).map(|(rest, _)| rest).map_err(|e| format!("{e:?}"))?
    } else {
        ResponseCodec::default().decode(bytes).map(|(rest, _)| rest).map_err(|e| format!("{e:?}"))?
    };
    if rest.is_empty() { Ok(()) } else { Err(format!("{} bytes left over", rest.len())) }
}

fn response(u: &mut Unstructured, checked: &mut bool) -> Result<Response> {
    Ok(match u.int_in_range(0..=5)? {
        0 => Response::Continue(match u.arbitrary()? {
            true => ContinueRequest::Text(u.arbitrary()?),
            // SASL challenges are ours, base64 of whatever the mechanism says.
            false => ContinueRequest::Base64(base64(&u.arbitrary::<Vec<u8>>()?)),
        }),
        1 => Response::Status(status(u)?),
        _ => Response::Data(data(u, checked)?),
    })
}

fn status(u: &mut Unstructured) -> Result<StatusResponse> {
    let kind = *u.choose(&[StatusKind::Ok, StatusKind::No, StatusKind::Bad, StatusKind::PreAuth, StatusKind::Bye])?;
    // PREAUTH (a greeting) and BYE are untagged only (RFC 9051 §7.1.4, §7.1.5): the server never tags them.
    let tag = match kind {
        StatusKind::PreAuth | StatusKind::Bye => None,
        _ => optional(u, tag)?,
    };
    let code = optional(u, response_code)?;
    Ok(StatusResponse { tag, kind, code, text: u.arbitrary()? })
}

fn response_code(u: &mut Unstructured) -> Result<ResponseCode> {
    use ResponseCode as C;
    let simple = [
        C::Alert,
        C::Parse,
        C::ReadOnly,
        C::ReadWrite,
        C::TryCreate,
        C::UidNotSticky,
        C::NoModSeq,
        C::Closed,
        C::AlreadyExists,
        C::Nonexistent,
        C::TooBig,
        C::OverQuota,
        C::Cannot,
        C::Limit,
        C::InUse,
        C::ServerBug,
        C::ClientBug,
        C::ExpungeIssued,
        C::AuthenticationFailed,
        C::AuthorizationFailed,
        C::Expired,
        C::PrivacyRequired,
        C::ContactAdmin,
        C::NoPerm,
        C::Unavailable,
        C::CompressionActive,
        C::HasChildren,
        C::UnknownCte,
        C::UseAttr,
    ];
    Ok(match u.int_in_range(0..=11)? {
        0 => u.choose(&simple)?.clone(),
        // Charsets and capabilities are the server's own names (atoms).
        1 => C::BadCharset(list(u, 3, atom)?),
        2 => C::Capability(list(u, 4, atom)?),
        3 => C::PermanentFlags(list(u, 4, |u| {
            Ok(if u.ratio(1, 8)? { PermanentFlag::AnyKeyword } else { PermanentFlag::Flag(flag(u)?) })
        })?),
        4 => C::UidNext(nz(u)?.get()),
        5 => C::UidValidity(nz(u)?.get()),
        6 => C::Unseen(nz(u)?.get()),
        7 => C::AppendUid { uid_validity: nz(u)?.get(), uids: uid_set(u)? },
        8 => C::CopyUid { uid_validity: nz(u)?.get(), source: uid_set(u)?, destination: uid_set(u)? },
        9 => C::HighestModSeq(mod_seq(u)?),
        10 => C::Modified(match u.arbitrary()? {
            true => MessageSet::Uid(uid_set(u)?),
            false => MessageSet::Seq(seq_set(u)?),
        }),
        // The atom is ours; the text may echo anything.
        _ => C::Other(atom(u)?, optional(u, |u| u.arbitrary())?),
    })
}

fn data(u: &mut Unstructured, checked: &mut bool) -> Result<Data> {
    Ok(match u.int_in_range(0..=18)? {
        // The server's capability names; CAPABILITY always lists at least IMAP4rev1 or IMAP4rev2.
        0 => Data::Capability(non_empty_list(u, 6, atom)?),
        1 => Data::Enabled(list(u, 3, atom)?),
        2 => Data::List(list_item(u, checked)?),
        3 => Data::Lsub(list_item(u, checked)?),
        4 => Data::Status { mailbox: mailbox(u)?, items: list(u, 6, |u| status_value(u, checked))? },
        5 => Data::Exists(u.arbitrary()?),
        6 => Data::Recent(u.arbitrary()?),
        7 => Data::Expunge(SeqNum(nz(u)?)),
        8 => Data::Vanished { earlier: u.arbitrary()?, uids: uid_set(u)? },
        // A FETCH response has at least one item (RFC 9051 §7.5.2 msg-att).
        9 => Data::Fetch { seq: SeqNum(nz(u)?), items: non_empty_list(u, 4, |u| fetch_item(u, checked, 0))? },
        10 => Data::Search { numbers: list(u, 8, |u| Ok(nz(u)?.get()))?, mod_seq: optional(u, mod_seq)? },
        11 => Data::Sort { numbers: list(u, 8, |u| Ok(nz(u)?.get()))?, mod_seq: optional(u, mod_seq)? },
        12 => {
            // imap-codec does not parse ESEARCH (RFC 4731).
            *checked = false;
            Data::ESearch {
                tag: optional(u, tag)?,
                uid: u.arbitrary()?,
                items: list(u, 4, |u| {
                    Ok(match u.int_in_range(0..=4)? {
                        0 => ESearchItem::Min(nz(u)?.get()),
                        1 => ESearchItem::Max(nz(u)?.get()),
                        2 => ESearchItem::Count(u.arbitrary()?),
                        3 => ESearchItem::ModSeq(mod_seq(u)?),
                        _ => ESearchItem::All(list(u, 8, |u| u.arbitrary())?),
                    })
                })?,
            }
        }
        13 => Data::Thread(list(u, 4, |u| thread(u, 0))?),
        14 => Data::Flags(list(u, 6, flag)?),
        15 => Data::Id(optional(u, |u| list(u, 4, |u| Ok((u.arbitrary()?, optional(u, |u| u.arbitrary())?))))?),
        16 => Data::Namespace {
            personal: list(u, 2, namespace)?,
            other: list(u, 2, namespace)?,
            shared: list(u, 2, namespace)?,
        },
        17 => Data::Quota {
            root: u.arbitrary()?,
            // As `commands/quota.rs` builds it: at least one resource (RFC 9208 §5.1 quota-list), named by
            // an RFC 9208 atom; usage and limit are number64 (at most 2^63 - 1).
            resources: non_empty_list(u, 3, |u| {
                Ok(QuotaResource {
                    name: u.choose(&["STORAGE", "MESSAGE", "MAILBOX", "ANNOTATION-STORAGE"])?.to_string(),
                    usage: number64(u)?,
                    limit: number64(u)?,
                })
            })?,
        },
        _ => Data::QuotaRoot { mailbox: mailbox(u)?, roots: list(u, 3, |u| u.arbitrary())? },
    })
}

fn list_item(u: &mut Unstructured, checked: &mut bool) -> Result<ListItem> {
    use MailboxAttr as A;
    let attributes = list(u, 4, |u| {
        Ok(match u.int_in_range(0..=16)? {
            0 => A::NoInferiors,
            1 => A::NoSelect,
            2 => A::Marked,
            3 => A::Unmarked,
            4 => A::HasChildren,
            5 => A::HasNoChildren,
            6 => A::NonExistent,
            7 => A::Subscribed,
            8 => A::Remote,
            9 => A::All,
            10 => A::Archive,
            11 => A::Drafts,
            12 => A::Flagged,
            13 => A::Junk,
            14 => A::Sent,
            15 => A::Trash,
            // Attribute names are ours.
            _ => A::Other(atom(u)?),
        })
    })?;
    let extended = list(u, 2, |u| {
        Ok(match u.arbitrary()? {
            true => ListExtendedItem::ChildInfo(list(u, 2, |u| u.arbitrary())?),
            false => ListExtendedItem::OldName(mailbox(u)?),
        })
    })?;
    if !extended.is_empty() {
        // imap-codec does not parse RFC 5258's mbox-list-extended items.
        *checked = false;
    }
    Ok(ListItem { attributes, delimiter: optional(u, delimiter)?, mailbox: mailbox(u)?, extended })
}

fn status_value(u: &mut Unstructured, checked: &mut bool) -> Result<StatusValue> {
    Ok(match u.int_in_range(0..=9)? {
        0 => StatusValue::Messages(u.arbitrary()?),
        1 => StatusValue::Recent(u.arbitrary()?),
        2 => StatusValue::UidNext(nz(u)?.get()),
        3 => StatusValue::UidValidity(nz(u)?.get()),
        4 => StatusValue::Unseen(u.arbitrary()?),
        5 => StatusValue::Size(number64(u)?),
        6 => StatusValue::HighestModSeq(mod_seq(u)?),
        7 => StatusValue::Deleted(u.arbitrary()?),
        8 => StatusValue::DeletedStorage(number64(u)?),
        _ => {
            *checked = false; // imap-codec lacks APPENDLIMIT (RFC 7889).
            StatusValue::AppendLimit(optional(u, number64)?)
        }
    })
}

fn fetch_item(u: &mut Unstructured, checked: &mut bool, depth: usize) -> Result<FetchItem> {
    Ok(match u.int_in_range(0..=13)? {
        0 => FetchItem::Flags(list(u, 4, flag)?),
        1 => FetchItem::InternalDate(date_time(u)?),
        // Sizes of stored messages: RFC 9051 allows number64, imap-codec reads RFC 3501's 32-bit number; the
        // server's message size limits keep every size far below 4 GiB.
        2 => FetchItem::Rfc822Size(u64::from(u.arbitrary::<u32>()?)),
        3 => FetchItem::Envelope(Box::new(envelope(u)?)),
        4 => FetchItem::Body(Box::new(body_structure(u, checked, depth)?)),
        5 => FetchItem::BodyStructure(Box::new(body_structure(u, checked, depth)?)),
        6 => FetchItem::Uid(Uid(nz(u)?)),
        7 => FetchItem::ModSeq(mod_seq(u)?),
        8 => FetchItem::Rfc822(optional(u, content)?),
        9 => FetchItem::Rfc822Header(optional(u, content)?),
        10 => FetchItem::Rfc822Text(optional(u, content)?),
        11 => FetchItem::BodySection {
            section: section(u)?,
            origin: optional(u, |u| u.arbitrary())?,
            data: optional(u, content)?,
        },
        12 => {
            // Decoded content: any octets; with NUL it goes as literal8 (RFC 3516 §4.2).
            let data: Option<Vec<u8>> = optional(u, |u| u.arbitrary())?;
            let origin = optional(u, |u| u.arbitrary())?;
            if origin.is_some() {
                // RFC 3516 §4.2 and RFC 9051 §7.5.2 describe `BINARY[…]<origin>`, their ABNF (which imap-codec
                // follows) has no origin there: RFC 9051 erratum 7246, not settled.
                *checked = false;
            }
            FetchItem::Binary { part: list(u, 3, |u| Ok(nz(u)?.get()))?, origin, data }
        }
        _ => FetchItem::BinarySize { part: list(u, 3, |u| Ok(nz(u)?.get()))?, size: u64::from(u.arbitrary::<u32>()?) },
    })
}

fn section(u: &mut Unstructured) -> Result<Section> {
    let part = list(u, 3, |u| Ok(nz(u)?.get()))?;
    // The section echoes the client's, as our command parser accepts it: field lists are not empty and
    // MIME needs a part number (RFC 9051 §6.4.5).
    let text = optional(u, |u| {
        Ok(match u.int_in_range(0..=4)? {
            0 => SectionText::Header,
            1 => SectionText::HeaderFields(non_empty_list(u, 3, |u| u.arbitrary())?),
            2 => SectionText::HeaderFieldsNot(non_empty_list(u, 3, |u| u.arbitrary())?),
            3 if !part.is_empty() => SectionText::Mime,
            _ => SectionText::Text,
        })
    })?;
    Ok(Section { part, text })
}

/// ENVELOPE as a message's header fields give it: any octets.
fn envelope(u: &mut Unstructured) -> Result<Envelope> {
    Ok(Envelope {
        date: optional(u, header_value)?,
        subject: optional(u, header_value)?,
        from: list(u, 3, address)?,
        sender: list(u, 2, address)?,
        reply_to: list(u, 2, address)?,
        to: list(u, 3, address)?,
        cc: list(u, 2, address)?,
        bcc: list(u, 2, address)?,
        in_reply_to: optional(u, header_value)?,
        message_id: optional(u, header_value)?,
    })
}

fn address(u: &mut Unstructured) -> Result<Address> {
    Ok(Address {
        name: optional(u, header_value)?,
        adl: optional(u, header_value)?,
        mailbox: optional(u, header_value)?,
        host: optional(u, header_value)?,
    })
}

/// BODYSTRUCTURE as `facteur-imap`'s `convert::body_structure` builds it from a parsed message: every string
/// from the message, the kind chosen by the media type (text/* is `Text`, message/rfc822 and message/global
/// with an encapsulated message are `Message`, anything else `Basic`).
fn body_structure(u: &mut Unstructured, checked: &mut bool, depth: usize) -> Result<BodyStructure> {
    if depth < 4 && u.ratio(1, 3)? {
        return Ok(BodyStructure::Multipart {
            parts: list(u, 3, |u| body_structure(u, checked, depth + 1))?,
            subtype: u.arbitrary()?,
            params: params(u)?,
            extension: extension(u, false)?,
        });
    }
    let kind = match u.int_in_range(0..=2)? {
        0 => SinglePartKind::Text { subtype: u.arbitrary()?, lines: u.arbitrary()? },
        1 if depth < 4 => {
            let subtype = u.choose(&["RFC822", "rfc822", "GLOBAL", "Global"])?.to_string();
            if subtype.eq_ignore_ascii_case("global") {
                *checked = false; // imap-codec knows only MESSAGE/RFC822 (RFC 3501), not GLOBAL (RFC 9051 §9).
            }
            SinglePartKind::Message {
                subtype,
                envelope: Box::new(envelope(u)?),
                body: Box::new(body_structure(u, checked, depth + 1)?),
                lines: u.arbitrary()?,
            }
        }
        _ => {
            let media_type: String = u.arbitrary()?;
            let subtype: String = u.arbitrary()?;
            let is_message = media_type.eq_ignore_ascii_case("message")
                && (subtype.eq_ignore_ascii_case("rfc822") || subtype.eq_ignore_ascii_case("global"));
            if media_type.eq_ignore_ascii_case("text") || is_message {
                SinglePartKind::Basic { media_type: "APPLICATION".into(), subtype }
            } else {
                SinglePartKind::Basic { media_type, subtype }
            }
        }
    };
    let fields = BodyFields {
        params: params(u)?,
        id: optional(u, header_value)?,
        description: optional(u, header_value)?,
        encoding: u.arbitrary()?,
        size: u.arbitrary()?,
    };
    Ok(BodyStructure::Single { kind, fields, extension: extension(u, true)? })
}

fn extension(u: &mut Unstructured, leaf: bool) -> Result<BodyExtension> {
    Ok(BodyExtension {
        md5: if leaf { optional(u, |u| u.arbitrary())? } else { None },
        disposition: optional(u, |u| Ok(Disposition { kind: u.arbitrary()?, params: params(u)? }))?,
        language: list(u, 2, |u| u.arbitrary())?,
        location: optional(u, |u| u.arbitrary())?,
    })
}

fn params(u: &mut Unstructured) -> Result<Vec<(String, String)>> {
    list(u, 3, |u| Ok((u.arbitrary()?, u.arbitrary()?)))
}

/// A thread as `facteur-imap`'s threading builds it (RFC 5256 §2.2 step 3): a dummy (a message only referred
/// to) survives only at the top, holding two threads or more together.
fn thread(u: &mut Unstructured, depth: usize) -> Result<ThreadNode> {
    if depth == 0 && u.ratio(1, 6)? {
        let mut children = vec![thread(u, 1)?];
        children.extend(non_empty_list(u, 2, |u| thread(u, 1))?);
        return Ok(ThreadNode { message: None, children });
    }
    let children = if depth < 6 { list(u, 3, |u| thread(u, depth + 1))? } else { Vec::new() };
    Ok(ThreadNode { message: Some(nz(u)?.get()), children })
}

fn namespace(u: &mut Unstructured) -> Result<NamespaceDescription> {
    Ok(NamespaceDescription { prefix: u.arbitrary()?, delimiter: optional(u, delimiter)? })
}

/// A header value, as ingest stores it: any octets, NUL included (a literal8 APPEND, RFC 3516 §4.4).
fn header_value(u: &mut Unstructured) -> Result<Vec<u8>> {
    u.arbitrary()
}

/// Message content for `BODY[…]` and `RFC822*`: any octets but NUL. A literal cannot carry NUL (RFC 9051
/// §4.3, §9 CHAR8) and content cannot be changed on the way out, so keeping NUL out of what BODY[] returns is
/// the server's job (see docs/fuzzing.md), not the writer's.
fn content(u: &mut Unstructured) -> Result<Vec<u8>> {
    let bytes: Vec<u8> = u.arbitrary()?;
    Ok(bytes.into_iter().filter(|&b| b != 0).collect())
}

/// A mailbox name as the store accepts it (`facteur-store` refuses control characters in names).
fn mailbox(u: &mut Unstructured) -> Result<MailboxName> {
    let name: String = u.arbitrary()?;
    Ok(MailboxName::new(name.chars().filter(|c| !c.is_control()).collect::<String>()))
}

/// The hierarchy delimiter is the server's (a 7-bit QUOTED-CHAR, RFC 9051 §9 mailbox-list).
fn delimiter(u: &mut Unstructured) -> Result<char> {
    Ok(char::from(*u.choose(b"/.\\\"-_:|")?))
}

fn tag(u: &mut Unstructured) -> Result<Tag> {
    let text: String = u.arbitrary()?;
    Ok(Tag::new(&text).unwrap_or_else(|| Tag::new("A1").expect("A1 is a tag")))
}

/// Flags as they come back from the store: system flags, or keywords a client set (atoms, RFC 9051 §9
/// flag-keyword, as our command parser requires).
fn flag(u: &mut Unstructured) -> Result<Flag> {
    Ok(match u.int_in_range(0..=7)? {
        0 => Flag::Seen,
        1 => Flag::Answered,
        2 => Flag::Flagged,
        3 => Flag::Deleted,
        4 => Flag::Draft,
        5 => Flag::Recent,
        6 => Flag::Extension(atom(u)?),
        _ => Flag::Keyword(atom(u)?),
    })
}

/// RFC 9051 §9 atom: 1*ATOM-CHAR.
fn atom(u: &mut Unstructured) -> Result<String> {
    let text: String = u.arbitrary()?;
    let atom: String = text
        .chars()
        .filter(|&c| c.is_ascii_graphic() && !matches!(c, '(' | ')' | '{' | '%' | '*' | '"' | '\\' | ']'))
        .collect();
    Ok(if atom.is_empty() { "X".to_owned() } else { atom })
}

/// INTERNALDATE. The grammar allows zones up to ±99:59, imap-codec (through chrono) only up to ±23:59; the
/// server writes UTC (`facteur-imap`'s `convert::internal_date`), so the difference never shows.
fn date_time(u: &mut Unstructured) -> Result<DateTime> {
    let date = Date::new(u.int_in_range(1..=9999)?, u.int_in_range(1..=12)?, u.int_in_range(1..=28)?);
    let time = date.and_then(|date| {
        DateTime::new(
            date,
            u.int_in_range(0..=23).ok()?,
            u.int_in_range(0..=59).ok()?,
            0,
            u.int_in_range(-1439..=1439).ok()?,
        )
    });
    Ok(time.unwrap_or_else(|| DateTime::new(Date::new(1970, 1, 1).expect("a date"), 0, 0, 0, 0).expect("a time")))
}

/// UIDs, sequence numbers, UIDVALIDITY and UIDNEXT are at least 1 in the store (RFC 9051 §9 nz-number).
fn nz(u: &mut Unstructured) -> Result<NonZeroU32> {
    Ok(NonZeroU32::new(u.arbitrary()?).unwrap_or(NonZeroU32::MIN))
}

/// RFC 7162 §7 mod-sequence-value: 1 to 2^63 - 1.
fn mod_seq(u: &mut Unstructured) -> Result<u64> {
    u.int_in_range(1..=i64::MAX as u64)
}

/// RFC 9051 §9 number64: 0 to 2^63 - 1.
fn number64(u: &mut Unstructured) -> Result<u64> {
    u.int_in_range(0..=i64::MAX as u64)
}

fn uid_set(u: &mut Unstructured) -> Result<SeqSet<Uid>> {
    let numbers = non_empty_list(u, 6, |u| Ok(Uid(nz(u)?)))?;
    Ok(SeqSet::from_numbers(numbers).expect("a non-empty set"))
}

fn seq_set(u: &mut Unstructured) -> Result<SeqSet<SeqNum>> {
    let numbers = non_empty_list(u, 6, |u| Ok(SeqNum(nz(u)?)))?;
    Ok(SeqSet::from_numbers(numbers).expect("a non-empty set"))
}

fn optional<T>(u: &mut Unstructured, item: impl FnOnce(&mut Unstructured) -> Result<T>) -> Result<Option<T>> {
    Ok(if u.arbitrary()? { Some(item(u)?) } else { None })
}

fn list<T>(u: &mut Unstructured, max: usize, mut item: impl FnMut(&mut Unstructured) -> Result<T>) -> Result<Vec<T>> {
    let len = u.int_in_range(0..=max)?;
    (0..len).map(|_| item(u)).collect()
}

fn non_empty_list<T>(
    u: &mut Unstructured,
    max: usize,
    mut item: impl FnMut(&mut Unstructured) -> Result<T>,
) -> Result<Vec<T>> {
    let len = u.int_in_range(1..=max)?;
    (0..len).map(|_| item(u)).collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let b = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
        let bits = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= group.len() { char::from(ALPHABET[(bits >> (18 - 6 * i) & 63) as usize]) } else { '=' });
        }
    }
    out
}
