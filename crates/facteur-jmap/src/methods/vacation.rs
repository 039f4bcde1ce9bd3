//! VacationResponse/get and set (RFC 8621 §8): the account's one out-of-office reply. It lives in the
//! account's generated Sieve script (`facteur-filters`), beside the webmail's rules, so that JMAP, the webmail
//! and ManageSieve see the same reply; delivery sends it as RFC 5230 `vacation` (RFC 3834's rules).
//!
//! `isEnabled` says whether replies can go out: set on and the generated script active. A person who
//! activated a script of their own over ManageSieve reads `false`; setting it to `true` activates the
//! generated script again (one active script, RFC 5804 §1.1).

use facteur_filters::{FiltersError, OutOfOffice, Stored};
use facteur_primitives::{parse_rfc3339, rfc3339_utc};
use serde_json::{Map, Value, json};

use super::{GetArguments, SetArguments, SetOutcome, get_response, select};
use crate::api::{Context, arguments, set_error};
use crate::ids;
use crate::protocol::MethodError;

const SINGLETON: &str = "singleton";

fn to_object(stored: &Stored) -> Map<String, Value> {
    let vacation = &stored.filters.out_of_office;
    let object = json!({
        "id": SINGLETON,
        "isEnabled": stored.active && vacation.enabled,
        "fromDate": vacation.from_date.map(rfc3339_utc),
        "toDate": vacation.to_date.map(rfc3339_utc),
        "subject": vacation.subject,
        "textBody": vacation.text_body,
        "htmlBody": vacation.html_body,
    });
    object.as_object().cloned().unwrap_or_default()
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    let stored = load(context).await?;
    let wanted = request.ids.unwrap_or_else(|| vec![SINGLETON.to_owned()]);
    let (found, missing): (Vec<String>, Vec<String>) = wanted.into_iter().partition(|id| id == SINGLETON);
    let list: Vec<Value> = found.iter().map(|_| select(to_object(&stored), request.properties.as_deref())).collect();
    Ok(get_response(context, ids::state(state), list, missing.into_iter().map(Value::String).collect()))
}

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SetArguments = arguments(arguments_in)?;
    let old_state = ids::state(context.state().await?);
    let mut outcome = SetOutcome::default();
    for (id, patch) in request.update.unwrap_or_default() {
        if id != SINGLETON {
            outcome.not_updated.insert(id, set_error("notFound", "the only VacationResponse is \"singleton\""));
            continue;
        }
        let mut stored = load(context).await?;
        // What the client reads is what it patches: off unless the generated script runs.
        stored.filters.out_of_office.enabled &= stored.active;
        let vacation = match apply(stored.filters.out_of_office.clone(), &patch) {
            Ok(vacation) => vacation,
            Err(error) => {
                outcome.not_updated.insert(id, error);
                continue;
            }
        };
        stored.filters.out_of_office = vacation;
        let store = context.inner.store.as_ref();
        let limits = context.inner.settings.sieve_limits;
        match facteur_filters::save(store, context.account.id, &stored.filters, limits).await {
            Ok(_) => {
                outcome.updated.insert(id, Value::Null);
            }
            Err(FiltersError::Invalid(error)) => {
                outcome.not_updated.insert(id, set_error("invalidProperties", error.to_string()));
            }
            Err(FiltersError::Quota(error)) => {
                outcome.not_updated.insert(id, set_error("overQuota", error.to_string()));
            }
            Err(error) => return Err(MethodError::server_fail(error.to_string())),
        }
    }
    for creation_id in request.create.unwrap_or_default().keys() {
        outcome.not_created.insert(creation_id.clone(), set_error("singleton", "there is one VacationResponse"));
    }
    for id in request.destroy.unwrap_or_default() {
        outcome.not_destroyed.insert(id, set_error("singleton", "there is one VacationResponse"));
    }
    let new_state = ids::state(context.state().await?);
    Ok(outcome.into_response(context, &old_state, &new_state))
}

async fn load(context: &Context<'_>) -> Result<Stored, MethodError> {
    facteur_filters::load(context.inner.store.as_ref(), context.account.id)
        .await
        .map_err(|error| MethodError::server_fail(error.to_string()))
}

/// The settings with `patch` applied; every property may be set, `null` clears the optional ones.
fn apply(mut vacation: OutOfOffice, patch: &Value) -> Result<OutOfOffice, Value> {
    let patch = patch.as_object().ok_or_else(|| set_error("invalidPatch", "the patch is not an object"))?;
    let invalid = |property: &str| set_error("invalidProperties", format!("{property} has the wrong type"));
    let text = |value: &Value, property: &str| -> Result<Option<String>, Value> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone())),
            _ => Err(invalid(property)),
        }
    };
    let date = |value: &Value, property: &str| -> Result<Option<i64>, Value> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) => parse_rfc3339(text).map(Some).ok_or_else(|| invalid(property)),
            _ => Err(invalid(property)),
        }
    };
    for (property, value) in patch {
        match property.as_str() {
            "isEnabled" => vacation.enabled = value.as_bool().ok_or_else(|| invalid(property))?,
            "fromDate" => vacation.from_date = date(value, property)?,
            "toDate" => vacation.to_date = date(value, property)?,
            "subject" => vacation.subject = text(value, property)?,
            "textBody" => vacation.text_body = text(value, property)?,
            "htmlBody" => vacation.html_body = text(value, property)?,
            "id" => {}
            other => return Err(set_error("invalidProperties", format!("VacationResponse has no {other}"))),
        }
    }
    Ok(vacation)
}
