//! Identity/get, changes and set (RFC 8621 §6): names and signatures for the addresses an account may send
//! as (its own, and aliases that reach it: the submission path's rule). An account that never set one has
//! one made for its own address the first time it asks.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use facteur_primitives::Address;
use facteur_store::Identity;
use serde_json::{Map, Value, json};

use super::{ChangesArguments, GetArguments, SetArguments, SetOutcome, get_response, select};
use crate::api::{Context, arguments, check_get_size, check_set_size, set_error};
use crate::ids;
use crate::protocol::MethodError;

fn to_object(identity: &Identity) -> Map<String, Value> {
    let json_or_null = |text: &Option<String>| {
        text.as_deref().and_then(|text| serde_json::from_str::<Value>(text).ok()).unwrap_or(Value::Null)
    };
    let object = json!({
        "id": ids::identity(identity.id),
        "name": identity.name,
        "email": identity.email,
        "replyTo": json_or_null(&identity.reply_to),
        "bcc": json_or_null(&identity.bcc),
        "textSignature": identity.text_signature,
        "htmlSignature": identity.html_signature,
        "mayDelete": true,
    });
    object.as_object().cloned().unwrap_or_default()
}

/// The account's identities, the default one made if there are none.
pub(crate) async fn identities(context: &Context<'_>) -> Result<Vec<Identity>, MethodError> {
    let store = &context.inner.store;
    let found = store.identities(context.account.id).await?;
    if !found.is_empty() {
        return Ok(found);
    }
    let own = Identity { email: context.account.address.clone(), ..Identity::default() };
    store.create_identity(context.account.id, own).await?;
    Ok(store.identities(context.account.id).await?)
}

/// Identities have a state of their own: a digest of what they say, so it changes exactly when they do.
fn state(identities: &[Identity]) -> String {
    let mut hasher = DefaultHasher::new();
    for identity in identities {
        (identity.id, &identity.name, &identity.email, &identity.reply_to, &identity.bcc).hash(&mut hasher);
        (&identity.text_signature, &identity.html_signature).hash(&mut hasher);
    }
    format!("J{:016x}", hasher.finish())
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    check_get_size(context, request.ids.as_ref())?;
    let all = identities(context).await?;
    let properties = request.properties.as_deref();
    let (list, not_found): (Vec<Value>, Vec<Value>) = match request.ids {
        None => (all.iter().map(|identity| select(to_object(identity), properties)).collect(), Vec::new()),
        Some(requested) => {
            let mut list = Vec::new();
            let mut missing = Vec::new();
            for id in requested {
                match ids::parse_identity(&id).and_then(|id| all.iter().find(|identity| identity.id == id)) {
                    Some(identity) => list.push(select(to_object(identity), properties)),
                    None => missing.push(Value::String(id)),
                }
            }
            (list, missing)
        }
    };
    Ok(get_response(context, state(&all), list, not_found))
}

pub(crate) async fn changes(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ChangesArguments = arguments(arguments_in)?;
    let all = identities(context).await?;
    let now = state(&all);
    if request.since_state != now {
        // No history is kept: the client fetches the (few) identities again.
        return Err(MethodError::new("cannotCalculateChanges", "identities changed; get them again"));
    }
    Ok(json!({
        "accountId": context.account_id(), "oldState": now, "newState": now, "hasMoreChanges": false,
        "created": [], "updated": [], "destroyed": [],
    }))
}

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SetArguments = arguments(arguments_in)?;
    check_set_size(context, request.count())?;
    let old_state = state(&identities(context).await?);
    if request.if_in_state.as_ref().is_some_and(|expected| *expected != old_state) {
        return Err(MethodError::new("stateMismatch", "the identities changed since that state"));
    }
    let mut outcome = SetOutcome::default();
    for (creation_id, object) in request.create.unwrap_or_default() {
        match create(context, &object).await {
            Ok(id) => {
                context.created.insert(creation_id.clone(), ids::identity(id));
                outcome.created.insert(creation_id, json!({ "id": ids::identity(id), "mayDelete": true }));
            }
            Err(error) => {
                outcome.not_created.insert(creation_id, error);
            }
        }
    }
    for (id, patch) in request.update.unwrap_or_default() {
        let result = update(context, &id, &patch).await;
        outcome.update_result(id, result);
    }
    for id in request.destroy.unwrap_or_default() {
        let deleted = match ids::parse_identity(&id) {
            Some(number) => context.inner.store.delete_identity(context.account.id, number).await?,
            None => false,
        };
        if deleted {
            outcome.destroyed.push(Value::String(id));
        } else {
            outcome.not_destroyed.insert(id, set_error("notFound", "no such identity"));
        }
    }
    let new_state = state(&identities(context).await?);
    let mut response = outcome.into_response(context, &old_state, &new_state);
    response["oldState"] = json!(old_state);
    Ok(response)
}

async fn create(context: &Context<'_>, object: &Value) -> Result<i64, Value> {
    let email = object.get("email").and_then(Value::as_str).ok_or_else(|| set_error("invalidProperties", "email"))?;
    let address =
        Address::parse(email).map_err(|_| set_error("invalidProperties", format!("{email} is not an address")))?;
    let owned = context
        .inner
        .submission
        .may_send_as(context.account, &address)
        .await
        .map_err(super::mailbox::store_set_error)?;
    if !owned {
        return Err(set_error("forbiddenFrom", format!("{email} is not an address of this account")));
    }
    let mut identity = Identity { email: email.to_owned(), ..Identity::default() };
    apply(&mut identity, object, true)?;
    context.inner.store.create_identity(context.account.id, identity).await.map_err(super::mailbox::store_set_error)
}

async fn update(context: &Context<'_>, id: &str, patch: &Value) -> Result<(), Value> {
    let not_found = || set_error("notFound", "no such identity");
    let number = ids::parse_identity(id).ok_or_else(not_found)?;
    let all = identities(context).await.map_err(|error| set_error("serverFail", error.description))?;
    let mut identity = all.into_iter().find(|identity| identity.id == number).ok_or_else(not_found)?;
    apply(&mut identity, patch, false)?;
    let updated = context
        .inner
        .store
        .update_identity(context.account.id, identity)
        .await
        .map_err(super::mailbox::store_set_error)?;
    if updated { Ok(()) } else { Err(not_found()) }
}

/// The settable properties; `email` only when creating (RFC 8621 §6: it is immutable).
fn apply(identity: &mut Identity, object: &Value, creating: bool) -> Result<(), Value> {
    let object = object.as_object().ok_or_else(|| set_error("invalidPatch", "not an object"))?;
    let invalid = |property: &str| set_error("invalidProperties", format!("{property} has the wrong type"));
    let text = |value: &Value, property: &str| value.as_str().map(str::to_owned).ok_or_else(|| invalid(property));
    for (property, value) in object {
        match property.as_str() {
            "name" => identity.name = text(value, property)?,
            "textSignature" => identity.text_signature = text(value, property)?,
            "htmlSignature" => identity.html_signature = text(value, property)?,
            "replyTo" | "bcc" => {
                let kept = match value {
                    Value::Null => None,
                    Value::Array(_) => Some(value.to_string()),
                    _ => return Err(invalid(property)),
                };
                if property == "replyTo" { identity.reply_to = kept } else { identity.bcc = kept }
            }
            "email" if creating => {}
            "id" | "mayDelete" => {}
            other => return Err(set_error("invalidProperties", format!("{other} cannot be set"))),
        }
    }
    Ok(())
}
