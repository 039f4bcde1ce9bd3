//! Email/set (RFC 8621 §4.6) and Email/import (§4.8): writes through the same store calls as IMAP. A
//! keyword change is an IMAP STORE, a change of mailbox an IMAP MOVE, a destroy an EXPUNGE, a create or an
//! import an APPEND; so IMAP sessions see each at once, and JMAP sees theirs.

use std::sync::Arc;

use facteur_primitives::parse_rfc3339;
use facteur_store::{DeliveryTarget, EmailMeta, FlagChange, FlagOp, MailboxId, SystemFlags, Uid};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::build::{self, BuildError};
use super::keywords;
use crate::api::{Context, arguments, check_if_in_state, check_set_size, set_error};
use crate::ids::{self, Blob};
use crate::methods::mailbox::store_set_error;
use crate::methods::{SetArguments, SetOutcome};
use crate::protocol::MethodError;

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SetArguments = arguments(arguments_in)?;
    check_set_size(context, request.count())?;
    let old_state = context.state().await?;
    check_if_in_state(request.if_in_state.as_deref(), old_state)?;
    let mut outcome = SetOutcome::default();
    for (creation_id, object) in request.create.unwrap_or_default() {
        match create(context, &object).await {
            Ok(created) => {
                if let Some(id) = created.get("id").and_then(Value::as_str) {
                    context.created.insert(creation_id.clone(), id.to_owned());
                }
                outcome.created.insert(creation_id, created);
            }
            Err(error) => {
                outcome.not_created.insert(creation_id, error);
            }
        }
    }
    for (id, patch) in request.update.unwrap_or_default() {
        let result = match context.resolve_id(&id) {
            Ok(resolved) => update(context, &resolved, &patch).await,
            Err(error) => Err(set_error("notFound", error.description)),
        };
        outcome.update_result(id, result);
    }
    for id in request.destroy.unwrap_or_default() {
        let result = destroy(context, &id).await;
        outcome.destroy_result(id, result);
    }
    let new_state = context.state().await?;
    Ok(outcome.into_response(context, &ids::state(old_state), &ids::state(new_state)))
}

/// The account's email with this id.
pub(crate) async fn email_of(context: &Context<'_>, id: &str) -> Result<EmailMeta, Value> {
    let not_found = || set_error("notFound", format!("no email {id}"));
    let email = ids::parse_email(id).ok_or_else(not_found)?;
    let found = context.inner.store.emails(context.account.id, &[email]).await.map_err(store_set_error)?;
    found.into_iter().next().ok_or_else(not_found)
}

/// The one mailbox of a `mailboxIds` object (RFC 8621 `maxMailboxesPerEmail` is 1 here), which must be ours.
async fn target_mailbox(context: &Context<'_>, mailbox_ids: Option<&Value>) -> Result<MailboxId, Value> {
    let chosen: Vec<&String> = mailbox_ids
        .and_then(Value::as_object)
        .map(|ids| ids.iter().filter(|(_, on)| on.as_bool() == Some(true)).map(|(id, _)| id).collect())
        .unwrap_or_default();
    let [only] = chosen.as_slice() else {
        return Err(match chosen.len() {
            0 => set_error("invalidProperties", "an email must be in exactly one mailbox"),
            _ => set_error("tooManyMailboxes", "an email is in one mailbox on this server"),
        });
    };
    let mailbox = context.owned_mailbox(only).await.map_err(store_set_error)?;
    mailbox.map(|mailbox| mailbox.id).ok_or_else(|| set_error("invalidProperties", format!("no mailbox {only}")))
}

fn flags_and_keywords(value: Option<&Value>) -> Result<(SystemFlags, facteur_store::Keywords), Value> {
    let names: Vec<&str> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(keywords)) => {
            keywords.iter().filter(|(_, on)| on.as_bool() == Some(true)).map(|(k, _)| k.as_str()).collect()
        }
        Some(_) => return Err(set_error("invalidProperties", "keywords must be an object")),
    };
    keywords::from_jmap(names, false).map_err(|why| set_error("invalidProperties", why))
}

async fn create(context: &Context<'_>, object: &Value) -> Result<Value, Value> {
    let object = object.as_object().ok_or_else(|| set_error("invalidProperties", "not an object"))?;
    let mailbox = target_mailbox(context, object.get("mailboxIds")).await?;
    let (flags, keywords) = flags_and_keywords(object.get("keywords"))?;
    let mut blobs = build::Blobs::new();
    let mut missing = Vec::new();
    for blob_id in build::blob_ids(object) {
        match crate::blobs::read(context.inner, context.account, &blob_id).await {
            Ok(Some(bytes)) => {
                blobs.insert(blob_id, bytes);
            }
            Ok(None) => missing.push(blob_id),
            Err(error) => return Err(set_error("serverFail", error.description)),
        }
    }
    if !missing.is_empty() {
        return Err(json!({ "type": "blobNotFound", "notFound": missing }));
    }
    let generated = generated_message_id(context);
    let raw = build::build(object, &blobs, &generated).map_err(|error| match error {
        BuildError::Invalid(why) => set_error("invalidProperties", why),
        BuildError::BlobNotFound(ids) => json!({ "type": "blobNotFound", "notFound": ids }),
    })?;
    let received = match object.get("receivedAt").and_then(Value::as_str) {
        Some(date) => parse_rfc3339(date).ok_or_else(|| set_error("invalidProperties", "receivedAt is not a date"))?,
        None => facteur_primitives::unix_now(),
    };
    store_message(context, raw, mailbox, flags, keywords, received).await
}

/// `<random@hostname>`: unique without coordination between nodes.
fn generated_message_id(context: &Context<'_>) -> String {
    let mut bytes = [0u8; 12];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let domain = context.account.address.rsplit_once('@').map_or("localhost", |(_, domain)| domain);
    format!("{token}@{domain}")
}

/// Stores a new message as an APPEND does, and answers with the server-set properties.
async fn store_message(
    context: &Context<'_>,
    raw: Vec<u8>,
    mailbox: MailboxId,
    flags: SystemFlags,
    keywords: facteur_store::Keywords,
    received: i64,
) -> Result<Value, Value> {
    let (raw, indexed) = tokio::task::spawn_blocking(move || {
        let indexed = facteur_message::index(&raw);
        (raw, indexed)
    })
    .await
    .map_err(|_| set_error("serverFail", "indexing failed"))?;
    let size = raw.len();
    let target = DeliveryTarget { account: context.account.id, mailbox: Some(mailbox), flags, keywords };
    let delivered = context
        .inner
        .store
        .deliver_content(Arc::from(raw), indexed.summary, received, vec![target], indexed.thread, Some(indexed.text))
        .await
        .map_err(store_set_error)?;
    let delivered = delivered.first().ok_or_else(|| set_error("serverFail", "nothing stored"))?;
    Ok(json!({
        "id": ids::email(delivered.email),
        "blobId": ids::blob(Blob::Message(delivered.email)),
        "threadId": ids::thread(delivered.thread),
        "size": size,
    }))
}

async fn update(context: &Context<'_>, id: &str, patch: &Value) -> Result<(), Value> {
    let email = email_of(context, id).await?;
    let patch = patch.as_object().ok_or_else(|| set_error("invalidPatch", "the patch is not an object"))?;
    let message = &email.message;
    let mut names: std::collections::BTreeMap<String, bool> = keywords::to_jmap(message.flags, &message.keywords);
    let mut mailboxes: std::collections::BTreeMap<String, bool> = [(ids::mailbox(email.mailbox), true)].into();
    let mut keywords_touched = false;
    for (path, value) in patch {
        if path == "keywords" {
            names = value
                .as_object()
                .map(|all| all.iter().map(|(k, _)| (k.to_lowercase(), true)).collect())
                .unwrap_or_default();
            keywords_touched = true;
        } else if let Some(keyword) = path.strip_prefix("keywords/") {
            match value {
                Value::Bool(true) => names.insert(keyword.to_lowercase(), true),
                Value::Null | Value::Bool(false) => names.remove(&keyword.to_lowercase()),
                _ => return Err(set_error("invalidPatch", format!("{path} must be true or null"))),
            };
            keywords_touched = true;
        } else if path == "mailboxIds" {
            mailboxes =
                value.as_object().map(|all| all.keys().map(|k| (k.clone(), true)).collect()).unwrap_or_default();
        } else if let Some(mailbox) = path.strip_prefix("mailboxIds/") {
            match value {
                Value::Bool(true) => mailboxes.insert(mailbox.to_owned(), true),
                Value::Null | Value::Bool(false) => mailboxes.remove(mailbox),
                _ => return Err(set_error("invalidPatch", format!("{path} must be true or null"))),
            };
        } else {
            return Err(set_error("invalidProperties", format!("{path} cannot be changed (emails are immutable)")));
        }
    }
    let store = &context.inner.store;
    if keywords_touched {
        let deleted = message.flags.contains(SystemFlags::DELETED);
        let (flags, keywords) = keywords::from_jmap(names.keys().map(String::as_str), deleted)
            .map_err(|why| set_error("invalidProperties", why))?;
        if flags != message.flags || keywords != message.keywords {
            let change = FlagChange { op: FlagOp::Set, flags, keywords };
            store.store_flags(email.mailbox, &[message.uid], change, None).await.map_err(store_set_error)?;
        }
    }
    let mailbox_value = Value::Object(mailboxes.into_iter().map(|(k, v)| (k, Value::Bool(v))).collect());
    let target = target_mailbox(context, Some(&mailbox_value)).await?;
    if target != email.mailbox {
        let moved = store.move_messages(email.mailbox, &[message.uid], target).await.map_err(store_set_error)?;
        learn_from_move(context, email.mailbox, target, &moved).await;
    }
    Ok(())
}

/// Into Junk is "this is spam", out of it "this is not": the user's classifier learns, as from an IMAP MOVE
/// (the webmail's "spam" and "not spam" are such moves).
async fn learn_from_move(context: &Context<'_>, from: MailboxId, to: MailboxId, moved: &[(Uid, Uid)]) {
    let store = context.inner.store.as_ref();
    let role = |mailbox| async move { store.mailbox(mailbox).await.ok().flatten() };
    let (Some(source), Some(target)) = (role(from).await, role(to).await) else { return };
    let placed: Vec<Uid> = moved.iter().map(|(_, placed)| *placed).collect();
    facteur_spam::training::learn_from_move(store, context.account.id, source.special_use, &target, &placed).await;
}

async fn destroy(context: &Context<'_>, id: &str) -> Result<(), Value> {
    let email = email_of(context, id).await?;
    context.inner.store.expunge(email.mailbox, &[email.message.uid]).await.map_err(store_set_error)?;
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportArguments {
    #[allow(dead_code)]
    account_id: String,
    #[serde(default)]
    if_in_state: Option<String>,
    emails: Map<String, Value>,
}

/// Email/import (RFC 8621 §4.8): an uploaded message/rfc822 blob stored as an email.
pub(crate) async fn import(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ImportArguments = arguments(arguments_in)?;
    check_set_size(context, request.emails.len())?;
    let old_state = context.state().await?;
    check_if_in_state(request.if_in_state.as_deref(), old_state)?;
    let mut created = Map::new();
    let mut not_created = Map::new();
    for (creation_id, object) in request.emails {
        match import_one(context, &object).await {
            Ok(email) => {
                if let Some(id) = email.get("id").and_then(Value::as_str) {
                    context.created.insert(creation_id.clone(), id.to_owned());
                }
                created.insert(creation_id, email);
            }
            Err(error) => {
                not_created.insert(creation_id, error);
            }
        }
    }
    let new_state = context.state().await?;
    let map_or_null = |map: Map<String, Value>| if map.is_empty() { Value::Null } else { Value::Object(map) };
    Ok(json!({
        "accountId": context.account_id(), "oldState": ids::state(old_state), "newState": ids::state(new_state),
        "created": map_or_null(created), "notCreated": map_or_null(not_created),
    }))
}

async fn import_one(context: &Context<'_>, object: &Value) -> Result<Value, Value> {
    let blob_id =
        object.get("blobId").and_then(Value::as_str).ok_or_else(|| set_error("invalidProperties", "blobId"))?;
    let blob_id = context.resolve_id(blob_id).map_err(|error| set_error("invalidProperties", error.description))?;
    let raw = match crate::blobs::read(context.inner, context.account, &blob_id).await {
        Ok(Some(raw)) => raw,
        Ok(None) => return Err(json!({ "type": "blobNotFound", "notFound": [blob_id] })),
        Err(error) => return Err(set_error("serverFail", error.description)),
    };
    if mail_parser::MessageParser::default().parse_headers(&raw).is_none() {
        return Err(set_error("invalidEmail", "the blob is not a message"));
    }
    let mailbox = target_mailbox(context, object.get("mailboxIds")).await?;
    let (flags, keywords) = flags_and_keywords(object.get("keywords"))?;
    let received = match object.get("receivedAt").and_then(Value::as_str) {
        Some(date) => parse_rfc3339(date).ok_or_else(|| set_error("invalidProperties", "receivedAt is not a date"))?,
        None => facteur_primitives::unix_now(),
    };
    store_message(context, raw, mailbox, flags, keywords, received).await
}

/// Email/parse's view of a blob: the header and body properties it asks for, or `None` if it is no message.
pub(crate) fn parse_blob(raw: &[u8], properties: &[String]) -> Option<Value> {
    super::properties::parsed_object(raw, properties)
}
