//! EmailSubmission/get, changes, query and set (RFC 8621 §7). Sending goes through the one submission path
//! SMTP on 587 uses (`facteur_delivery::Submission`): sender ownership, DKIM signing, local delivery or the
//! outbound queue. Submissions are final once accepted (no delayed send, no undo), and not kept: the queue and
//! the delivery log say what became of them.

use std::collections::BTreeSet;

use facteur_delivery::{SubmitError, Submitted};
use serde_json::{Map, Value, json};

use super::email::set::email_of;
use super::{GetArguments, SetArguments, SetOutcome};
use crate::api::{Context, arguments, check_set_size, set_error};
use crate::ids;
use crate::protocol::MethodError;

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    let not_found: Vec<Value> = request.ids.unwrap_or_default().into_iter().map(Value::String).collect();
    Ok(json!({ "accountId": context.account_id(), "state": ids::state(state), "list": [], "notFound": not_found }))
}

pub(crate) async fn changes(context: &mut Context<'_>, _arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let _ = context;
    Err(MethodError::new("cannotCalculateChanges", "submissions are not kept once accepted"))
}

pub(crate) async fn query(context: &mut Context<'_>, _arguments: Map<String, Value>) -> Result<Value, MethodError> {
    let state = context.state().await?;
    Ok(json!({
        "accountId": context.account_id(), "queryState": ids::state(state), "canCalculateChanges": false,
        "position": 0, "ids": [], "total": 0,
    }))
}

pub(crate) async fn set(context: &mut Context<'_>, mut arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let on_success_update = arguments_in.remove("onSuccessUpdateEmail");
    let on_success_destroy = arguments_in.remove("onSuccessDestroyEmail");
    let request: SetArguments = arguments(arguments_in)?;
    check_set_size(context, request.count())?;
    let old_state = ids::state(context.state().await?);
    let mut outcome = SetOutcome::default();
    // Which email each successful creation sent, for the onSuccess* arguments (keyed `#creationId`).
    let mut sent: Vec<(String, String)> = Vec::new();
    for (creation_id, object) in request.create.unwrap_or_default() {
        match submit(context, &object).await {
            Ok((id, email_id)) => {
                context.created.insert(creation_id.clone(), id.clone());
                sent.push((creation_id.clone(), email_id));
                outcome.created.insert(creation_id, json!({ "id": id, "undoStatus": "final", "sendAt": now_utc() }));
            }
            Err(error) => {
                outcome.not_created.insert(creation_id, error);
            }
        }
    }
    for id in request.update.unwrap_or_default().keys() {
        outcome.not_updated.insert(id.clone(), set_error("cannotUnsend", "submissions are final once accepted"));
    }
    for id in request.destroy.unwrap_or_default() {
        outcome.not_destroyed.insert(id, set_error("notFound", "submissions are not kept"));
    }
    let new_state = ids::state(context.state().await?);
    let response = outcome.into_response(context, &old_state, &new_state);
    follow_up(context, &sent, on_success_update, on_success_destroy).await?;
    Ok(response)
}

/// RFC 8621 §7.5: after the submissions, an implicit Email/set applies `onSuccessUpdateEmail` and
/// `onSuccessDestroyEmail` to the emails of those that succeeded (typically: out of Drafts, into Sent).
async fn follow_up(
    context: &mut Context<'_>,
    sent: &[(String, String)],
    on_success_update: Option<Value>,
    on_success_destroy: Option<Value>,
) -> Result<(), MethodError> {
    let email_for = |key: &str| -> Option<String> {
        match key.strip_prefix('#') {
            Some(creation) => sent.iter().find(|(created, _)| created == creation).map(|(_, email)| email.clone()),
            None => Some(key.to_owned()),
        }
    };
    let mut update = Map::new();
    for (key, patch) in on_success_update.as_ref().and_then(Value::as_object).into_iter().flatten() {
        if let Some(email) = email_for(key) {
            update.insert(email, patch.clone());
        }
    }
    let destroy: Vec<Value> = on_success_destroy
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(email_for)
        .map(Value::String)
        .collect();
    if update.is_empty() && destroy.is_empty() {
        return Ok(());
    }
    let mut arguments = Map::new();
    arguments.insert("accountId".into(), json!(context.account_id()));
    if !update.is_empty() {
        arguments.insert("update".into(), Value::Object(update));
    }
    if !destroy.is_empty() {
        arguments.insert("destroy".into(), Value::Array(destroy));
    }
    let response = super::email::set(context, arguments).await?;
    if let Value::Object(members) = response {
        context.implicit.push(("Email/set".to_owned(), members));
    }
    Ok(())
}

/// Sends one submission; returns its id and the id of the email it sent.
async fn submit(context: &Context<'_>, object: &Value) -> Result<(String, String), Value> {
    let identity_id = object.get("identityId").and_then(Value::as_str).unwrap_or_default();
    let identity_id =
        context.resolve_id(identity_id).map_err(|error| set_error("invalidProperties", error.description))?;
    let identities =
        super::identity::identities(context).await.map_err(|error| set_error("serverFail", error.description))?;
    let identity = ids::parse_identity(&identity_id)
        .and_then(|id| identities.into_iter().find(|identity| identity.id == id))
        .ok_or_else(|| set_error("invalidProperties", "identityId is not one of this account's identities"))?;
    let email_id =
        object.get("emailId").and_then(Value::as_str).ok_or_else(|| set_error("invalidProperties", "emailId"))?;
    let email_id = context.resolve_id(email_id).map_err(|error| set_error("invalidProperties", error.description))?;
    let email =
        email_of(context, &email_id).await.map_err(|_| set_error("invalidProperties", "emailId names no email"))?;
    let store = &context.inner.store;
    let raw = store.read_blob(email.message.blob).await.map_err(super::mailbox::store_set_error)?;
    let (mail_from, recipients) = envelope_addresses(&identity.email, object, &raw)?;
    if recipients.is_empty() {
        return Err(set_error("noRecipients", "the email has no recipients"));
    }
    let submission = &context.inner.submission;
    let envelope = submission.envelope(&mail_from, &recipients).await.map_err(refusal)?;
    let now = facteur_primitives::unix_now();
    let lifetime = i64::try_from(context.inner.settings.queue_lifetime.as_secs()).unwrap_or(i64::MAX);
    let message = Submitted {
        envelope,
        trace: trace_header(context, now),
        content: without_bcc(&raw),
        now,
        expires_at: now.saturating_add(lifetime),
    };
    let persisted = submission.submit(context.account, message).await.map_err(refusal)?;
    tracing::info!(
        user = %context.account.address,
        recipients = recipients.len(),
        local = persisted.local_copies,
        queued = persisted.queued.is_some(),
        "JMAP submission accepted"
    );
    Ok((submission_id(), email_id))
}

/// The envelope: as the client gives it, else the identity's address and every To, Cc and Bcc address
/// (RFC 8621 §7.5).
fn envelope_addresses(sender: &str, object: &Value, raw: &[u8]) -> Result<(String, Vec<String>), Value> {
    if let Some(envelope) = object.get("envelope").filter(|value| !value.is_null()) {
        let mail_from = envelope
            .pointer("/mailFrom/email")
            .and_then(Value::as_str)
            .ok_or_else(|| set_error("invalidProperties", "envelope.mailFrom.email"))?;
        let recipients: Vec<String> = envelope
            .get("rcptTo")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|rcpt| rcpt.get("email").and_then(Value::as_str).map(str::to_owned))
            .collect();
        return Ok((mail_from.to_owned(), recipients));
    }
    let parsed = mail_parser::MessageParser::default()
        .parse_headers(raw)
        .ok_or_else(|| set_error("invalidEmail", "the email cannot be parsed"))?;
    let mut recipients = BTreeSet::new();
    for list in [parsed.to(), parsed.cc(), parsed.bcc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|address| address.address()).map(str::to_lowercase));
    }
    Ok((sender.to_owned(), recipients.into_iter().collect()))
}

fn refusal(error: SubmitError) -> Value {
    match error {
        SubmitError::NotOwned { address, from_header: true } => {
            set_error("forbiddenFrom", format!("{address} is not an address of this account"))
        }
        SubmitError::NotOwned { address, from_header: false } => {
            set_error("forbiddenMailFrom", format!("{address} is not an address of this account"))
        }
        SubmitError::UnknownRecipient { address } | SubmitError::InvalidRecipient { address } => {
            json!({ "type": "invalidRecipients", "invalidRecipients": [address], "description": "no such recipient" })
        }
        SubmitError::OverQuota { address } => set_error("forbiddenToSend", format!("{address}'s mailbox is full")),
        // RFC 8621 §7.5: forbiddenToSend, "the user does not have permission to send at all right now".
        SubmitError::RateLimited(limited) => set_error("forbiddenToSend", format!("{limited}; try again later")),
        SubmitError::Spam { rule } => set_error("forbiddenToSend", format!("the message was refused as spam ({rule})")),
        other => {
            tracing::warn!(error = %other, "JMAP submission failed");
            set_error("serverFail", "the message could not be stored; try again")
        }
    }
}

/// RFC 8621 §7.5: Bcc recipients must not be told to the others.
fn without_bcc(raw: &[u8]) -> Vec<u8> {
    let header_end = raw.windows(4).position(|w| w == b"\r\n\r\n").map_or(raw.len(), |at| at + 2);
    let (header, body) = raw.split_at(header_end);
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|&b| b == b' ' || b == b'\t');
        if !continuation {
            skipping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

/// `Received:` for a message handed over by JMAP (RFC 5321 §4.4; `with HTTPSA` is not registered, ESMTPSA
/// would be untrue: the registered keyword for HTTP is `HTTP`, over TLS, authenticated).
fn trace_header(context: &Context<'_>, now: i64) -> String {
    let host = &context.inner.settings.hostname;
    format!(
        "Received: from {peer} by {host} with HTTP (JMAP, TLS, authenticated);\r\n\t{date}\r\n",
        peer = context.peer,
        date = facteur_primitives::rfc5322_date(now)
    )
}

fn submission_id() -> String {
    let mut bytes = [0u8; 9];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    format!("X{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn now_utc() -> String {
    facteur_primitives::rfc3339_utc(facteur_primitives::unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcc_is_removed_with_its_continuation_lines() {
        let raw = b"From: a@x\r\nBcc: hidden@y,\r\n  other@z\r\nTo: b@y\r\n\r\nBcc: in the body stays\r\n";
        assert_eq!(without_bcc(raw), b"From: a@x\r\nTo: b@y\r\n\r\nBcc: in the body stays\r\n");
    }
}
