//! Thread/get and Thread/changes (RFC 8621 §3). Threads are assigned by the store when a message arrives.

use std::collections::{BTreeMap, BTreeSet};

use facteur_store::ThreadId;
use serde_json::{Map, Value, json};

use super::{ChangesArguments, GetArguments, changes_response, get_response};
use crate::api::{Context, arguments, check_get_size};
use crate::ids;
use crate::protocol::MethodError;

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    let requested = request.ids.ok_or_else(|| MethodError::new("requestTooLarge", "Thread/get needs ids"))?;
    check_get_size(context, Some(&requested))?;
    let state = context.state().await?;
    let wanted: Vec<ThreadId> = requested.iter().filter_map(|id| ids::parse_thread(id)).collect();
    let emails = context.inner.store.thread_emails(context.account.id, &wanted).await?;
    let mut members: BTreeMap<ThreadId, Vec<String>> = BTreeMap::new();
    for email in &emails {
        members.entry(email.message.thread).or_default().push(ids::email(email.message.email));
    }
    let mut list = Vec::new();
    let mut not_found = Vec::new();
    for id in requested {
        match ids::parse_thread(&id).and_then(|thread| members.get(&thread)) {
            Some(email_ids) => list.push(json!({ "id": id, "emailIds": email_ids })),
            None => not_found.push(json!(id)),
        }
    }
    Ok(get_response(context, ids::state(state), list, not_found))
}

pub(crate) async fn changes(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ChangesArguments = arguments(arguments_in)?;
    let (since, changes) = context.changes_since(&request.since_state).await?;
    let store = context.inner.store.as_ref();
    let touched: BTreeSet<ThreadId> = changes
        .emails
        .iter()
        .map(|email| email.message.thread)
        .chain(changes.destroyed_emails.iter().map(|gone| gone.thread))
        .collect();
    let touched: Vec<ThreadId> = touched.into_iter().collect();
    let alive: BTreeSet<ThreadId> =
        store.thread_emails(context.account.id, &touched).await?.iter().map(|email| email.message.thread).collect();
    let (mut created, mut updated, mut destroyed) = (Vec::new(), Vec::new(), Vec::new());
    for thread in touched {
        // A thread's id is its first email's, which is the counter's value when that email arrived.
        let is_new = u64::try_from(thread.0).unwrap_or(0) > since.0;
        match (alive.contains(&thread), is_new) {
            (true, true) => created.push(ids::thread(thread)),
            (true, false) => updated.push(ids::thread(thread)),
            (false, false) => destroyed.push(ids::thread(thread)),
            (false, true) => {}
        }
    }
    Ok(changes_response(context, &request.since_state, changes.state, created, updated, destroyed))
}
