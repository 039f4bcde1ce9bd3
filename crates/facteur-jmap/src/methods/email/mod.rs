//! Email/get, changes, query, set, import and parse (RFC 8621 §4). A JMAP email is one stored message: one
//! row of one mailbox, keeping its id when it moves.

pub(crate) mod build;
pub(crate) mod keywords;
pub(crate) mod properties;
pub(crate) mod query;
pub(crate) mod set;

use facteur_store::{EmailId, EmailMeta, ModSeq};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ChangesArguments, changes_response, get_response};
use crate::api::{Context, arguments, check_get_size};
use crate::ids;
use crate::protocol::MethodError;
use properties::{BodyOptions, DEFAULT_PROPERTIES, email_object};

pub(crate) use set::{import, set};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetArguments {
    #[allow(dead_code)]
    account_id: String,
    #[serde(default)]
    ids: Option<Vec<String>>,
    #[serde(default)]
    properties: Option<Vec<String>>,
    #[serde(default)]
    body_properties: Option<Vec<String>>,
    #[serde(default)]
    fetch_text_body_values: bool,
    #[serde(default, rename = "fetchHTMLBodyValues")]
    fetch_html_body_values: bool,
    #[serde(default)]
    fetch_all_body_values: bool,
    #[serde(default)]
    max_body_value_bytes: Option<usize>,
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    let store = context.inner.store.as_ref();
    let requested: Vec<String> = match request.ids {
        Some(ids) => ids.iter().map(|id| context.resolve_id(id)).collect::<Result<_, _>>()?,
        None => {
            // RFC 8620 §5.1: null asks for every object, bounded like any list of ids.
            let all = store.account_emails(context.account.id).await?;
            all.iter().map(|email| ids::email(email.message.email)).collect()
        }
    };
    check_get_size(context, Some(&requested))?;
    let properties: Vec<String> =
        request.properties.unwrap_or_else(|| DEFAULT_PROPERTIES.iter().map(|p| (*p).to_owned()).collect());
    let options = BodyOptions {
        body_properties: request.body_properties,
        fetch_text: request.fetch_text_body_values,
        fetch_html: request.fetch_html_body_values,
        fetch_all: request.fetch_all_body_values,
        max_body_value_bytes: request.max_body_value_bytes,
    };
    let parsed: Vec<Option<EmailId>> = requested.iter().map(|id| ids::parse_email(id)).collect();
    let wanted: Vec<EmailId> = parsed.iter().flatten().copied().collect();
    let found = store.emails(context.account.id, &wanted).await?;
    let mut list = Vec::with_capacity(found.len());
    let mut not_found = Vec::new();
    for (id, parsed) in requested.iter().zip(parsed) {
        match parsed.and_then(|parsed| found.iter().find(|email| email.message.email == parsed)) {
            Some(email) => list.push(Value::Object(email_object(store, email, &properties, &options).await?)),
            None => not_found.push(json!(id)),
        }
    }
    Ok(get_response(context, ids::state(state), list, not_found))
}

pub(crate) async fn changes(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ChangesArguments = arguments(arguments_in)?;
    let (since, changes) = context.changes_since(&request.since_state).await?;
    let mut entries: Vec<(ModSeq, Change)> = changes
        .emails
        .iter()
        .map(|email| (email.message.modseq, classify(email, since)))
        .chain(changes.destroyed_emails.iter().map(|gone| (gone.modseq, Change::Destroyed(gone.email))))
        .collect();
    let (entries, new_state, more) = bounded(&mut entries, request.max_changes, changes.state);
    let mut response = changes_response(
        context,
        &request.since_state,
        new_state,
        entries.iter().filter_map(|(_, change)| change.created()).collect(),
        entries.iter().filter_map(|(_, change)| change.updated()).collect(),
        entries.iter().filter_map(|(_, change)| change.destroyed()).collect(),
    );
    response["hasMoreChanges"] = json!(more);
    Ok(response)
}

/// One entry of Email/changes.
#[derive(Debug, Clone, Copy)]
enum Change {
    Created(EmailId),
    Updated(EmailId),
    Destroyed(EmailId),
}

impl Change {
    fn created(&self) -> Option<String> {
        if let Change::Created(id) = self { Some(ids::email(*id)) } else { None }
    }
    fn updated(&self) -> Option<String> {
        if let Change::Updated(id) = self { Some(ids::email(*id)) } else { None }
    }
    fn destroyed(&self) -> Option<String> {
        if let Change::Destroyed(id) = self { Some(ids::email(*id)) } else { None }
    }
}

/// An email id is the counter's value when the message was created: above `since`, it is new.
fn classify(email: &EmailMeta, since: ModSeq) -> Change {
    let id = email.message.email;
    if u64::try_from(id.0).unwrap_or(0) > since.0 { Change::Created(id) } else { Change::Updated(id) }
}

/// RFC 8620 §5.2 `maxChanges`: the oldest changes up to the limit, and the state right after them (every
/// change at or below it is included, so a client continuing from there misses nothing).
fn bounded(entries: &mut [(ModSeq, Change)], max: Option<u64>, now: ModSeq) -> (&[(ModSeq, Change)], ModSeq, bool) {
    let limit = max.and_then(|max| usize::try_from(max).ok()).filter(|&max| max > 0);
    match limit {
        Some(limit) if entries.len() > limit => {
            entries.sort_by_key(|(modseq, _)| *modseq);
            let mut end = limit;
            let cut = entries[end - 1].0;
            // Everything at the cut's MODSEQ goes in too, or the state would skip part of it.
            while end < entries.len() && entries[end].0 == cut {
                end += 1;
            }
            (&entries[..end], cut, end < entries.len())
        }
        _ => (entries, now, false),
    }
}

pub(crate) use query::query;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParseArguments {
    #[allow(dead_code)]
    account_id: String,
    blob_ids: Vec<String>,
    #[serde(default)]
    properties: Option<Vec<String>>,
}

/// Email/parse (RFC 8621 §4.9): a message/rfc822 blob read as an Email, without storing it.
pub(crate) async fn parse(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ParseArguments = arguments(arguments_in)?;
    check_get_size(context, Some(&request.blob_ids))?;
    // The defaults of Email/get, less what only a stored email has (RFC 8621 §4.9).
    let stored_only = ["id", "blobId", "threadId", "mailboxIds", "keywords", "receivedAt"];
    let properties = request.properties.unwrap_or_else(|| {
        DEFAULT_PROPERTIES.iter().filter(|p| !stored_only.contains(p)).map(|p| (*p).to_owned()).collect()
    });
    let mut parsed = Map::new();
    let mut not_parsable = Vec::new();
    let mut not_found = Vec::new();
    for blob_id in request.blob_ids {
        match crate::blobs::read(context.inner, context.account, &blob_id).await? {
            Some(bytes) => match set::parse_blob(&bytes, &properties) {
                Some(object) => {
                    parsed.insert(blob_id, object);
                }
                None => not_parsable.push(json!(blob_id)),
            },
            None => not_found.push(json!(blob_id)),
        }
    }
    Ok(json!({
        "accountId": context.account_id(),
        "parsed": if parsed.is_empty() { Value::Null } else { Value::Object(parsed) },
        "notParsable": not_parsable,
        "notFound": not_found,
    }))
}
