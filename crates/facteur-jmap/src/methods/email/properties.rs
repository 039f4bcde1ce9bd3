//! The Email object (RFC 8621 §4.1), built in three tiers so a message list never reads message bodies:
//! the store row (ids, mailbox, keywords, size, dates), the stored summary and header block (addresses,
//! subject, preview, attachments flag), and only for body properties the message itself, parsed with
//! mail-parser.

use std::borrow::Cow;

use facteur_message::{BodyPart, MessageSummary};
use facteur_primitives::rfc3339_utc;
use facteur_store::{EmailMeta, Store};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use serde_json::{Map, Value, json};

use super::keywords;
use crate::ids::{self, Blob};
use crate::protocol::MethodError;

/// The properties returned when a client names none (RFC 8621 §4.2).
pub(crate) const DEFAULT_PROPERTIES: [&str; 24] = [
    "id",
    "blobId",
    "threadId",
    "mailboxIds",
    "keywords",
    "size",
    "receivedAt",
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
];

/// The properties of a body part returned when a client names none (RFC 8621 §4.2 `bodyProperties`).
pub(crate) const DEFAULT_BODY_PROPERTIES: [&str; 11] =
    ["partId", "blobId", "size", "name", "type", "charset", "disposition", "cid", "language", "location", "subParts"];

const BODY_LEVEL: [&str; 5] = ["bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments"];

/// What Email/get was asked for besides the properties (RFC 8621 §4.2).
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyOptions {
    pub body_properties: Option<Vec<String>>,
    pub fetch_text: bool,
    pub fetch_html: bool,
    pub fetch_all: bool,
    pub max_body_value_bytes: Option<usize>,
}

/// The Email object of one stored message, with the properties asked for.
pub(crate) async fn email_object(
    store: &dyn Store,
    email: &EmailMeta,
    properties: &[String],
    options: &BodyOptions,
) -> Result<Map<String, Value>, MethodError> {
    let mut object = Map::new();
    let message = &email.message;
    // RFC 8620 §5.1: the id is always returned.
    object.insert("id".to_owned(), json!(ids::email(message.email)));
    for property in properties {
        let value = match property.as_str() {
            "id" => json!(ids::email(message.email)),
            "blobId" => json!(ids::blob(Blob::Message(message.email))),
            "threadId" => json!(ids::thread(message.thread)),
            "mailboxIds" => json!({ ids::mailbox(email.mailbox): true }),
            "keywords" => json!(keywords::to_jmap(message.flags, &message.keywords)),
            "size" => json!(message.size),
            "receivedAt" => json!(rfc3339_utc(message.internal_date)),
            _ => continue,
        };
        object.insert(property.clone(), value);
    }
    let needs_summary = properties.iter().any(|p| !object.contains_key(p) && !BODY_LEVEL.contains(&p.as_str()));
    let summary = match needs_summary {
        true => stored_summary(store, email).await?,
        false => None,
    };
    if let Some(summary) = &summary {
        let header = header_block(store, email, summary).await?;
        let parsed = MessageParser::default().parse_headers(header.as_bytes());
        let missing: Vec<&String> =
            properties.iter().filter(|p| !object.contains_key(*p) && !BODY_LEVEL.contains(&p.as_str())).collect();
        for property in missing {
            let value = match property.as_str() {
                "preview" => json!(summary.preview.clone().unwrap_or_default()),
                "hasAttachment" => json!(has_attachment(&summary.body)),
                other => match &parsed {
                    Some(parsed) => header_property(parsed, other),
                    None => Value::Null,
                },
            };
            object.insert(property.clone(), value);
        }
    }
    if properties.iter().any(|p| BODY_LEVEL.contains(&p.as_str())) {
        let raw = store.read_blob(message.blob).await?;
        let parsed = MessageParser::default().parse(&raw);
        let body = BodyView { email: message.email, options };
        for property in properties.iter().filter(|p| BODY_LEVEL.contains(&p.as_str())) {
            let value = match &parsed {
                Some(parsed) => body.property(parsed, property),
                None => Value::Null,
            };
            object.insert(property.clone(), value);
        }
    }
    Ok(object)
}

async fn stored_summary(store: &dyn Store, email: &EmailMeta) -> Result<Option<MessageSummary>, MethodError> {
    let stored = store.message_summary(email.message.blob).await?;
    let summary = match stored.as_deref().map(MessageSummary::from_bytes) {
        Some(Ok(summary)) => summary,
        // Without a readable summary (never expected), compute it from the content.
        _ => facteur_message::ingest(&store.read_blob(email.message.blob).await?),
    };
    Ok(Some(summary))
}

async fn header_block(store: &dyn Store, email: &EmailMeta, summary: &MessageSummary) -> Result<String, MethodError> {
    if let Some(header) = &summary.header {
        return Ok(header.clone());
    }
    let bytes = store.read_blob_prefix(email.message.blob, summary.header_len).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// RFC 8621 §4.1.4: true if a part is an attachment in the sense of the `attachments` list. From the stored
/// MIME tree: any leaf part that is not a text body, or says `Content-Disposition: attachment`.
pub(crate) fn has_attachment(part: &BodyPart) -> bool {
    if part.is_multipart() {
        return part.children.iter().any(has_attachment);
    }
    let disposition = part.disposition.as_ref().map(|d| d.kind.to_ascii_lowercase());
    if disposition.as_deref() == Some("attachment") {
        return true;
    }
    let is_text_body = part.media_type.eq_ignore_ascii_case("text")
        && matches!(part.media_subtype.to_ascii_lowercase().as_str(), "plain" | "html" | "enriched");
    !is_text_body
}

/// A header-derived property (RFC 8621 §4.1.2-3), or a `header:Name[:asForm][:all]` property (§4.1.3).
fn header_property(parsed: &Message<'_>, property: &str) -> Value {
    match property {
        "messageId" => message_ids(parsed.header("Message-ID")),
        "inReplyTo" => message_ids(parsed.header("In-Reply-To")),
        "references" => message_ids(parsed.header("References")),
        "sender" => addresses(parsed.sender()),
        "from" => addresses(parsed.from()),
        "to" => addresses(parsed.to()),
        "cc" => addresses(parsed.cc()),
        "bcc" => addresses(parsed.bcc()),
        "replyTo" => addresses(parsed.reply_to()),
        "subject" => parsed.subject().map_or(Value::Null, |subject| json!(subject)),
        "sentAt" => parsed.date().map_or(Value::Null, |date| json!(date.to_rfc3339())),
        other => match other.strip_prefix("header:") {
            Some(spec) => header_form(parsed, spec),
            None => Value::Null,
        },
    }
}

fn message_ids(value: Option<&HeaderValue<'_>>) -> Value {
    match value {
        Some(HeaderValue::Text(id)) => json!([id]),
        Some(HeaderValue::TextList(ids)) => json!(ids),
        _ => Value::Null,
    }
}

/// EmailAddress objects (RFC 8621 §4.1.2.3): groups are flattened.
fn addresses(value: Option<&Address<'_>>) -> Value {
    let Some(value) = value else { return Value::Null };
    let list: Vec<Value> = value
        .iter()
        .map(|address| json!({ "name": address.name(), "email": address.address().unwrap_or_default() }))
        .collect();
    json!(list)
}

/// `header:Name`, `header:Name:asText`, `:asAddresses`, `:asMessageIds`, `:asDate`, `:asURLs`, `:asRaw`,
/// each optionally with `:all` (RFC 8621 §4.1.3).
fn header_form(parsed: &Message<'_>, spec: &str) -> Value {
    let mut pieces: Vec<&str> = spec.split(':').collect();
    let all = pieces.last() == Some(&"all");
    if all {
        pieces.pop();
    }
    let (name, form) = match pieces.as_slice() {
        [name] => (*name, "asRaw"),
        [name, form] => (*name, *form),
        _ => return Value::Null,
    };
    let raw_values: Vec<&str> = parsed
        .headers_raw()
        .filter(|(field, _)| field.eq_ignore_ascii_case(name))
        // RFC 8621 §4.1.3: the raw value excludes the field's terminating CRLF.
        .map(|(_, value)| value.strip_suffix("\r\n").or_else(|| value.strip_suffix('\n')).unwrap_or(value))
        .collect();
    let convert = |raw: &str| -> Value {
        match form {
            "asRaw" => json!(raw),
            "asText" => json!(decode_text(raw)),
            "asAddresses" | "asGroupedAddresses" => {
                let header = format!("To:{raw}\r\n\r\n");
                let message = MessageParser::default().parse_headers(header.as_bytes());
                message.as_ref().map_or(Value::Null, |message| addresses(message.to()))
            }
            "asMessageIds" => {
                let ids: Vec<String> = facteur_primitives::ThreadKeys::from_headers(None, None, Some(raw)).references;
                if ids.is_empty() { Value::Null } else { json!(ids) }
            }
            "asDate" => {
                let header = format!("Date:{raw}\r\n\r\n");
                let message = MessageParser::default().parse_headers(header.as_bytes());
                message.and_then(|message| message.date().map(|date| json!(date.to_rfc3339()))).unwrap_or(Value::Null)
            }
            "asURLs" => {
                let urls: Vec<&str> =
                    raw.split('<').skip(1).filter_map(|rest| rest.split_once('>').map(|(url, _)| url.trim())).collect();
                if urls.is_empty() { Value::Null } else { json!(urls) }
            }
            _ => Value::Null,
        }
    };
    if all {
        json!(raw_values.iter().map(|raw| convert(raw)).collect::<Vec<_>>())
    } else {
        raw_values.last().map_or(Value::Null, |raw| convert(raw))
    }
}

/// RFC 2047 encoded-words decoded, unfolded and trimmed (the `asText` form).
fn decode_text(raw: &str) -> String {
    let header = format!("Subject:{raw}\r\n\r\n");
    MessageParser::default()
        .parse_headers(header.as_bytes())
        .and_then(|message| message.subject().map(str::to_owned))
        .unwrap_or_else(|| raw.trim().to_owned())
}

/// Body properties of one parsed message.
struct BodyView<'a> {
    email: facteur_store::EmailId,
    options: &'a BodyOptions,
}

impl BodyView<'_> {
    fn property(&self, message: &Message<'_>, property: &str) -> Value {
        match property {
            "bodyStructure" => self.part(message, 0),
            "textBody" => self.parts(message, &message.text_body),
            "htmlBody" => self.parts(message, &message.html_body),
            "attachments" => self.parts(message, &message.attachments),
            "bodyValues" => self.values(message),
            _ => Value::Null,
        }
    }

    fn parts(&self, message: &Message<'_>, list: &[u32]) -> Value {
        json!(list.iter().map(|&index| self.part(message, index)).collect::<Vec<_>>())
    }

    /// An EmailBodyPart (RFC 8621 §4.1.4). `partId` is the part's index in the message's flat list of parts.
    fn part(&self, message: &Message<'_>, index: u32) -> Value {
        let Some(part) = message.parts.get(index as usize) else { return Value::Null };
        let properties: Vec<&str> = match &self.options.body_properties {
            Some(wanted) => wanted.iter().map(String::as_str).collect(),
            None => DEFAULT_BODY_PROPERTIES.to_vec(),
        };
        let mut object = Map::new();
        for property in properties {
            let value = match property {
                "partId" => json!(index.to_string()),
                "blobId" => match part.body {
                    PartType::Multipart(_) => Value::Null,
                    _ => json!(ids::blob(Blob::Part(self.email, index as usize))),
                },
                "size" => json!(part_size(part)),
                "name" => part.attachment_name().map_or(Value::Null, |name| json!(name)),
                "type" => json!(content_type(part)),
                "charset" => charset(part),
                "disposition" => part.content_disposition().map_or(Value::Null, |d| json!(d.ctype().to_lowercase())),
                "cid" => part.content_id().map_or(Value::Null, |cid| json!(cid.trim_matches(['<', '>']))),
                "language" => match part.content_language() {
                    HeaderValue::Text(language) => json!([language]),
                    HeaderValue::TextList(languages) => json!(languages),
                    _ => Value::Null,
                },
                "location" => part.content_location().map_or(Value::Null, |location| json!(location)),
                "subParts" => match &part.body {
                    PartType::Multipart(children) => self.parts(message, children),
                    _ => Value::Null,
                },
                "headers" => json!(
                    part.headers
                        .iter()
                        .map(|header| json!({ "name": header.name(), "value": raw_header_value(message, header) }))
                        .collect::<Vec<_>>()
                ),
                _ => Value::Null,
            };
            object.insert(property.to_owned(), value);
        }
        Value::Object(object)
    }

    /// `bodyValues` (RFC 8621 §4.1.4): the decoded text of the parts `fetch*BodyValues` asks for.
    fn values(&self, message: &Message<'_>) -> Value {
        let mut wanted: Vec<u32> = Vec::new();
        if self.options.fetch_text || self.options.fetch_all {
            wanted.extend(&message.text_body);
        }
        if self.options.fetch_html || self.options.fetch_all {
            wanted.extend(&message.html_body);
        }
        let mut values = Map::new();
        for index in wanted {
            let Some(part) = message.parts.get(index as usize) else { continue };
            let text: Cow<'_, str> = match &part.body {
                PartType::Text(text) | PartType::Html(text) => Cow::Borrowed(text.as_ref()),
                _ => continue,
            };
            let (value, truncated) = truncate(&text, self.options.max_body_value_bytes);
            values.insert(
                index.to_string(),
                json!({ "value": value, "isEncodingProblem": part.is_encoding_problem, "isTruncated": truncated }),
            );
        }
        Value::Object(values)
    }
}

/// At most `limit` bytes, cut on a character boundary (RFC 8621 §4.2 `maxBodyValueBytes`).
fn truncate(text: &str, limit: Option<usize>) -> (&str, bool) {
    match limit {
        Some(limit) if limit > 0 && text.len() > limit => {
            let mut end = limit;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            (&text[..end], true)
        }
        _ => (text, false),
    }
}

/// The decoded size of a part's content.
fn part_size(part: &MessagePart<'_>) -> usize {
    match &part.body {
        PartType::Multipart(_) => 0,
        _ => part.contents().len(),
    }
}

fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(subtype) => format!("{}/{}", ct.ctype(), subtype).to_lowercase(),
            None => ct.ctype().to_lowercase(),
        },
        None => match part.body {
            PartType::Multipart(_) => "multipart/mixed".to_owned(),
            PartType::Message(_) => "message/rfc822".to_owned(),
            _ => "text/plain".to_owned(),
        },
    }
}

fn charset(part: &MessagePart<'_>) -> Value {
    let declared = part.content_type().and_then(|ct| ct.attribute("charset"));
    match (&part.body, declared) {
        (_, Some(charset)) => json!(charset.to_lowercase()),
        (PartType::Text(_) | PartType::Html(_), None) => json!("us-ascii"),
        _ => Value::Null,
    }
}

fn raw_header_value(message: &Message<'_>, header: &mail_parser::Header<'_>) -> String {
    let raw = message.raw_message();
    let start = header.offset_start() as usize;
    let end = header.offset_end() as usize;
    raw.get(start..end)
        .map(|bytes| String::from_utf8_lossy(bytes).trim_end_matches(['\r', '\n']).to_owned())
        .unwrap_or_default()
}

/// The decoded content of part `index` of a raw message (a part's blob, RFC 8621 §4.1.4).
pub(crate) fn part_content(raw: &[u8], index: usize) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    let part = message.parts.get(index)?;
    match &part.body {
        PartType::Multipart(_) => None,
        PartType::Message(inner) => Some(inner.raw_message().to_vec()),
        _ => Some(part.contents().to_vec()),
    }
}

/// Email/parse (RFC 8621 §4.9): the header and body properties of a message that is not stored. Its parts
/// have no blob ids (nothing stored can be downloaded).
pub(crate) fn parsed_object(raw: &[u8], properties: &[String]) -> Option<Value> {
    let parsed = MessageParser::default().parse(raw)?;
    let options = BodyOptions { fetch_text: true, fetch_html: true, ..BodyOptions::default() };
    let body = BodyView { email: facteur_store::EmailId(0), options: &options };
    let mut object = Map::new();
    for property in properties {
        let value = match property.as_str() {
            "size" => json!(raw.len()),
            "preview" => json!(parsed.body_preview(facteur_message::PREVIEW_CHARS).unwrap_or_default()),
            "hasAttachment" => json!(!parsed.attachments.is_empty()),
            "id" | "blobId" | "threadId" | "mailboxIds" | "keywords" | "receivedAt" => Value::Null,
            other if BODY_LEVEL.contains(&other) => strip_blob_ids(body.property(&parsed, other)),
            other => header_property(&parsed, other),
        };
        object.insert(property.clone(), value);
    }
    Some(Value::Object(object))
}

fn strip_blob_ids(mut value: Value) -> Value {
    match &mut value {
        Value::Object(members) => {
            if members.contains_key("blobId") {
                members.insert("blobId".into(), Value::Null);
            }
            for child in members.values_mut() {
                *child = strip_blob_ids(std::mem::take(child));
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = strip_blob_ids(std::mem::take(item));
            }
        }
        _ => {}
    }
    value
}

/// The webmail's view of a message's HTML: the first HTML body part, and the parts it can name by `cid:`.
pub(crate) fn html_body(raw: &[u8], email: facteur_store::EmailId) -> Option<crate::HtmlBody> {
    let message = MessageParser::default().parse(raw)?;
    let html = message.html_body.iter().find_map(|&index| match &message.parts.get(index as usize)?.body {
        PartType::Html(html) => Some(html.to_string()),
        _ => None,
    })?;
    let inline_parts = message
        .parts
        .iter()
        .enumerate()
        .filter_map(|(index, part)| {
            let cid = part.content_id()?.trim_matches(['<', '>']).to_owned();
            Some(crate::InlinePart {
                content_id: cid,
                blob_id: ids::blob(Blob::Part(email, index)),
                content_type: content_type(part),
            })
        })
        .collect();
    Some(crate::HtmlBody { html, inline_parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms_decode_as_rfc_8621_says() {
        let raw = b"From: =?utf-8?q?Ren=C3=A9?= <rene@x.test>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nList-Post: <mailto:l@x.test>\r\nX-A: 1\r\nX-A: 2\r\n\r\n";
        let parsed = MessageParser::default().parse_headers(&raw[..]).unwrap();
        assert_eq!(header_property(&parsed, "from"), json!([{ "name": "René", "email": "rene@x.test" }]));
        assert_eq!(header_property(&parsed, "subject"), json!("café"));
        assert_eq!(header_property(&parsed, "header:Subject:asText"), json!("café"));
        assert_eq!(header_property(&parsed, "header:List-Post:asURLs"), json!(["mailto:l@x.test"]));
        assert_eq!(header_property(&parsed, "header:X-A:all"), json!([" 1", " 2"]));
    }

    #[test]
    fn body_values_are_cut_on_character_boundaries() {
        assert_eq!(truncate("été", Some(2)), ("é", true));
        assert_eq!(truncate("abc", None), ("abc", false));
    }
}
