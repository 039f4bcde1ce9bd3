//! Identity/get, changes and set (RFC 8621 §6). Each account has one identity, its own address, which is the
//! address submission lets it send as; names and signatures are not stored yet, so Identity/set refuses.

use serde_json::{Map, Value, json};

use super::{ChangesArguments, GetArguments, SetArguments, SetOutcome, changes_response, select};
use crate::api::{Context, arguments, check_get_size, set_error, since_state};
use crate::ids;
use crate::protocol::MethodError;

/// The account's identity.
pub(crate) fn identity(context: &Context<'_>) -> Map<String, Value> {
    let object = json!({
        "id": ids::identity(context.account.id),
        "name": "",
        "email": context.account.address,
        "replyTo": null,
        "bcc": null,
        "textSignature": "",
        "htmlSignature": "",
        "mayDelete": false,
    });
    object.as_object().cloned().unwrap_or_default()
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    check_get_size(context, request.ids.as_ref())?;
    let state = context.state().await?;
    let own = ids::identity(context.account.id);
    let (list, not_found): (Vec<Value>, Vec<Value>) = match request.ids {
        None => (vec![select(identity(context), request.properties.as_deref())], Vec::new()),
        Some(requested) => {
            let (found, missing): (Vec<String>, Vec<String>) = requested.into_iter().partition(|id| *id == own);
            let list = found.iter().map(|_| select(identity(context), request.properties.as_deref())).collect();
            (list, missing.into_iter().map(Value::String).collect())
        }
    };
    Ok(json!({ "accountId": context.account_id(), "state": ids::state(state), "list": list, "notFound": not_found }))
}

pub(crate) async fn changes(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ChangesArguments = arguments(arguments_in)?;
    let now = context.state().await?;
    since_state(&request.since_state, now)?;
    Ok(changes_response(context, &request.since_state, now, Vec::new(), Vec::new(), Vec::new()))
}

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SetArguments = arguments(arguments_in)?;
    let state = ids::state(context.state().await?);
    let mut outcome = SetOutcome::default();
    let refusal = || set_error("forbidden", "identities are the account's address; editing them is not supported yet");
    for creation_id in request.create.unwrap_or_default().keys() {
        outcome.not_created.insert(creation_id.clone(), refusal());
    }
    for id in request.update.unwrap_or_default().keys() {
        outcome.not_updated.insert(id.clone(), refusal());
    }
    for id in request.destroy.unwrap_or_default() {
        outcome.not_destroyed.insert(id, refusal());
    }
    Ok(outcome.into_response(context, &state, &state))
}
