//! VacationResponse/get and set (RFC 8621 §8): the account's one out-of-office reply, which
//! `facteur-delivery` sends at local delivery following RFC 3834.

use facteur_primitives::{parse_rfc3339, rfc3339_utc};
use facteur_store::Vacation;
use serde_json::{Map, Value, json};

use super::{GetArguments, SetArguments, SetOutcome, get_response, select};
use crate::api::{Context, arguments, set_error};
use crate::ids;
use crate::protocol::MethodError;

const SINGLETON: &str = "singleton";

fn to_object(vacation: &Vacation) -> Map<String, Value> {
    let object = json!({
        "id": SINGLETON,
        "isEnabled": vacation.enabled,
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
    let vacation = context.inner.store.vacation(context.account.id).await?;
    let wanted = request.ids.unwrap_or_else(|| vec![SINGLETON.to_owned()]);
    let (found, missing): (Vec<String>, Vec<String>) = wanted.into_iter().partition(|id| id == SINGLETON);
    let list: Vec<Value> = found.iter().map(|_| select(to_object(&vacation), request.properties.as_deref())).collect();
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
        let current = context.inner.store.vacation(context.account.id).await?;
        match apply(current, &patch) {
            Ok(vacation) => {
                context.inner.store.set_vacation(context.account.id, vacation).await?;
                outcome.updated.insert(id, Value::Null);
            }
            Err(error) => {
                outcome.not_updated.insert(id, error);
            }
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

/// The settings with `patch` applied; every property may be set, `null` clears the optional ones.
fn apply(mut vacation: Vacation, patch: &Value) -> Result<Vacation, Value> {
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
