//! An Email create object (RFC 8621 §4.6) made into an RFC 5322 message: headers from the properties, the
//! body from `bodyStructure`, or from `textBody`/`htmlBody`/`attachments` with `bodyValues`; attachments are
//! blobs (uploads, or parts of messages the account can read). Built with mail-builder, which does the MIME
//! and header encoding.

use std::collections::HashMap;

use facteur_primitives::parse_rfc3339;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Map, Value};

/// Why an object cannot become a message: a SetError `invalidProperties` (or `blobNotFound`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuildError {
    Invalid(String),
    BlobNotFound(Vec<String>),
}

/// The blobs an object names, fetched beforehand (the build itself does no I/O).
pub(crate) type Blobs = HashMap<String, Vec<u8>>;

/// Every blob id the object's body names, to fetch before [`build`].
pub(crate) fn blob_ids(object: &Map<String, Value>) -> Vec<String> {
    let mut found = Vec::new();
    let mut visit = |part: &Value| collect_blob_ids(part, &mut found);
    for key in ["bodyStructure", "attachments", "textBody", "htmlBody"] {
        match object.get(key) {
            Some(Value::Array(parts)) => parts.iter().for_each(&mut visit),
            Some(part @ Value::Object(_)) => visit(part),
            _ => {}
        }
    }
    found
}

fn collect_blob_ids(part: &Value, found: &mut Vec<String>) {
    if let Some(blob) = part.get("blobId").and_then(Value::as_str) {
        found.push(blob.to_owned());
    }
    for child in part.get("subParts").and_then(Value::as_array).into_iter().flatten() {
        collect_blob_ids(child, found);
    }
}

/// The message, with `Message-ID` `<generated>` unless the object gives one.
pub(crate) fn build(object: &Map<String, Value>, blobs: &Blobs, generated_id: &str) -> Result<Vec<u8>, BuildError> {
    let mut builder = MessageBuilder::new();
    for (property, header) in
        [("from", "From"), ("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"), ("replyTo", "Reply-To"), ("sender", "Sender")]
    {
        if let Some(list) = object.get(property).filter(|value| !value.is_null()) {
            builder = builder.header(header, addresses(list, property)?);
        }
    }
    if let Some(subject) = object.get("subject").and_then(Value::as_str) {
        builder = builder.header("Subject", Text::new(subject.to_owned()));
    }
    let sent_at = match object.get("sentAt").and_then(Value::as_str) {
        Some(text) => parse_rfc3339(text).ok_or_else(|| BuildError::Invalid("sentAt is not a date".into()))?,
        None => facteur_primitives::unix_now(),
    };
    builder = builder.date(sent_at);
    builder = builder.message_id(match message_ids(object.get("messageId"), "messageId")? {
        Some(ids) => MessageId::new_list(ids.into_iter()),
        None => MessageId::new(generated_id.to_owned()),
    });
    if let Some(ids) = message_ids(object.get("inReplyTo"), "inReplyTo")? {
        builder = builder.in_reply_to(MessageId::new_list(ids.into_iter()));
    }
    if let Some(ids) = message_ids(object.get("references"), "references")? {
        builder = builder.references(MessageId::new_list(ids.into_iter()));
    }
    for (key, value) in object {
        if let Some(name) = key.strip_prefix("header:") {
            let name = name.strip_suffix(":asText").unwrap_or(name);
            if name.contains(':') || name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(BuildError::Invalid(format!("{key}: only header:Name and header:Name:asText can be set")));
            }
            let text = value.as_str().ok_or_else(|| BuildError::Invalid(format!("{key} must be a string")))?;
            builder = builder.header(name.to_owned(), Text::new(text.to_owned()));
        }
    }
    let values = body_values(object)?;
    let body = match object.get("bodyStructure") {
        Some(structure) if !structure.is_null() => part(structure, &values, blobs)?,
        _ => flat_body(object, &values, blobs)?,
    };
    builder = builder.body(body);
    builder.write_to_vec().map_err(|error| BuildError::Invalid(format!("the message cannot be written: {error}")))
}

/// `bodyValues`: partId → text.
fn body_values(object: &Map<String, Value>) -> Result<HashMap<String, String>, BuildError> {
    let mut values = HashMap::new();
    for (part_id, value) in object.get("bodyValues").and_then(Value::as_object).into_iter().flatten() {
        let text = value
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| BuildError::Invalid(format!("bodyValues/{part_id} has no value")))?;
        if value.get("isTruncated").and_then(Value::as_bool) == Some(true) {
            return Err(BuildError::Invalid("a body value to store cannot be truncated".into()));
        }
        values.insert(part_id.clone(), text.to_owned());
    }
    Ok(values)
}

/// RFC 8621 §4.6: textBody and htmlBody (at most one part each, alternatives of each other), then attachments.
fn flat_body(
    object: &Map<String, Value>,
    values: &HashMap<String, String>,
    blobs: &Blobs,
) -> Result<MimePart<'static>, BuildError> {
    let single = |key: &str| -> Result<Option<MimePart<'static>>, BuildError> {
        match object.get(key).and_then(Value::as_array).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([one]) => part(one, values, blobs).map(Some),
            Some(_) => Err(BuildError::Invalid(format!("{key} may have one part only"))),
        }
    };
    let text = single("textBody")?;
    let html = single("htmlBody")?;
    let main = match (text, html) {
        (Some(text), Some(html)) => MimePart::new("multipart/alternative", vec![text, html]),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => MimePart::new("text/plain", BodyPart::Text(String::new().into())),
    };
    let attachments: Vec<MimePart<'static>> = object
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|attachment| part(attachment, values, blobs))
        .collect::<Result<_, _>>()?;
    if attachments.is_empty() {
        return Ok(main);
    }
    let mut parts = vec![main];
    parts.extend(attachments);
    Ok(MimePart::new("multipart/mixed", parts))
}

/// One EmailBodyPart to create: text from `bodyValues` (by `partId`), bytes from a blob, or a multipart.
fn part(spec: &Value, values: &HashMap<String, String>, blobs: &Blobs) -> Result<MimePart<'static>, BuildError> {
    let kind = spec.get("type").and_then(Value::as_str);
    if let Some(children) = spec.get("subParts").and_then(Value::as_array) {
        let children: Vec<MimePart<'static>> =
            children.iter().map(|child| part(child, values, blobs)).collect::<Result<_, _>>()?;
        let kind = kind.unwrap_or("multipart/mixed").to_owned();
        return Ok(MimePart::new(ContentType::new(kind), children));
    }
    let mut mime = if let Some(part_id) = spec.get("partId").and_then(Value::as_str) {
        let text =
            values.get(part_id).ok_or_else(|| BuildError::Invalid(format!("no bodyValues for part {part_id}")))?;
        let kind = kind.unwrap_or("text/plain").to_owned();
        if !kind.starts_with("text/") {
            return Err(BuildError::Invalid(format!("part {part_id} has text but type {kind}")));
        }
        MimePart::new(ContentType::new(kind).attribute("charset", "utf-8"), BodyPart::Text(text.clone().into()))
    } else if let Some(blob_id) = spec.get("blobId").and_then(Value::as_str) {
        let bytes = blobs.get(blob_id).ok_or_else(|| BuildError::BlobNotFound(vec![blob_id.to_owned()]))?;
        let kind = kind.unwrap_or("application/octet-stream").to_owned();
        MimePart::new(ContentType::new(kind), BodyPart::Binary(bytes.clone().into()))
    } else {
        return Err(BuildError::Invalid("a body part needs partId, blobId or subParts".into()));
    };
    let name = spec.get("name").and_then(Value::as_str).map(str::to_owned);
    match spec.get("disposition").and_then(Value::as_str) {
        Some("inline") => mime = mime.inline(),
        Some("attachment") | None if name.is_some() => mime = mime.attachment(name.clone().unwrap_or_default()),
        _ => {}
    }
    if let Some(cid) = spec.get("cid").and_then(Value::as_str) {
        mime = mime.cid(cid.to_owned());
    }
    Ok(mime)
}

/// EmailAddress objects (RFC 8621 §4.1.2.3) as an address list.
fn addresses(list: &Value, property: &str) -> Result<Address<'static>, BuildError> {
    let invalid = || BuildError::Invalid(format!("{property} must be a list of {{name, email}}"));
    let items = list.as_array().ok_or_else(invalid)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let email = item.get("email").and_then(Value::as_str).ok_or_else(invalid)?;
        if facteur_primitives::Address::parse(email).is_err() {
            return Err(BuildError::Invalid(format!("{property}: {email} is not an address")));
        }
        let name = item.get("name").and_then(Value::as_str).filter(|name| !name.is_empty());
        out.push(Address::new_address(name.map(str::to_owned), email.to_owned()));
    }
    Ok(Address::new_list(out))
}

fn message_ids(value: Option<&Value>, property: &str) -> Result<Option<Vec<String>>, BuildError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(ids)) => {
            let ids: Option<Vec<String>> = ids
                .iter()
                .map(|id| id.as_str().filter(|id| !id.is_empty() && !id.contains(['<', '>', ' '])).map(str::to_owned))
                .collect();
            ids.map(Some).ok_or_else(|| BuildError::Invalid(format!("{property} must be message ids without brackets")))
        }
        Some(_) => Err(BuildError::Invalid(format!("{property} must be a list"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_reply_with_an_attachment_parses_back_as_written() {
        let created = object(json!({
            "from": [{ "name": "Alice Été", "email": "alice@x.test" }],
            "to": [{ "email": "bob@y.test" }],
            "subject": "Re: café",
            "inReplyTo": ["orig@y.test"],
            "references": ["orig@y.test"],
            "textBody": [{ "partId": "1", "type": "text/plain" }],
            "bodyValues": { "1": { "value": "Bonjour\nà toi" } },
            "attachments": [{ "blobId": "U1", "type": "application/pdf", "name": "devis.pdf" }],
        }));
        let blobs: Blobs = [("U1".to_owned(), vec![0u8, 1, 2, 255])].into();
        let raw = build(&created, &blobs, "gen@x.test").unwrap();
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Re: café"));
        assert_eq!(parsed.from().and_then(|a| a.first()).and_then(|a| a.name()), Some("Alice Été"));
        assert_eq!(parsed.message_id(), Some("gen@x.test"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig@y.test"));
        // Line ends become CRLF, as RFC 5322 §2.3 requires.
        assert_eq!(parsed.body_text(0).as_deref(), Some("Bonjour\r\nà toi"));
        let attachment = parsed.attachment(0).unwrap();
        assert_eq!(attachment.contents(), [0u8, 1, 2, 255]);
        assert_eq!(mail_parser::MimeHeaders::attachment_name(attachment), Some("devis.pdf"));
    }

    #[test]
    fn missing_blobs_and_bad_addresses_are_refused() {
        let with_blob = object(json!({ "attachments": [{ "blobId": "U2", "type": "image/png" }] }));
        assert_eq!(build(&with_blob, &Blobs::new(), "g@x").unwrap_err(), BuildError::BlobNotFound(vec!["U2".into()]));
        let bad = object(json!({ "to": [{ "email": "not an address" }] }));
        assert!(matches!(build(&bad, &Blobs::new(), "g@x"), Err(BuildError::Invalid(_))));
        assert_eq!(blob_ids(&with_blob), ["U2"]);
    }
}
