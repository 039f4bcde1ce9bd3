//! VacationResponse/get and set (RFC 8621 §8). The singleton is reported, always disabled, until out-of-office
//! replies are stored and sent at local delivery.

use serde_json::{Map, Value, json};

use super::{GetArguments, SetArguments, SetOutcome, select};
use crate::api::{Context, arguments, set_error};
use crate::ids;
use crate::protocol::MethodError;

fn singleton() -> Map<String, Value> {
    let object = json!({
        "id": "singleton", "isEnabled": false, "fromDate": null, "toDate": null,
        "subject": null, "textBody": null, "htmlBody": null,
    });
    object.as_object().cloned().unwrap_or_default()
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    let wanted = request.ids.unwrap_or_else(|| vec!["singleton".to_owned()]);
    let (found, missing): (Vec<String>, Vec<String>) = wanted.into_iter().partition(|id| id == "singleton");
    let list: Vec<Value> = found.iter().map(|_| select(singleton(), request.properties.as_deref())).collect();
    Ok(json!({ "accountId": context.account_id(), "state": ids::state(state), "list": list, "notFound": missing }))
}

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SetArguments = arguments(arguments_in)?;
    let state = ids::state(context.state().await?);
    let mut outcome = SetOutcome::default();
    for id in request.update.unwrap_or_default().keys() {
        outcome.not_updated.insert(id.clone(), set_error("forbidden", "out-of-office replies are not supported yet"));
    }
    for creation_id in request.create.unwrap_or_default().keys() {
        outcome.not_created.insert(creation_id.clone(), set_error("singleton", "there is one VacationResponse"));
    }
    for id in request.destroy.unwrap_or_default() {
        outcome.not_destroyed.insert(id, set_error("singleton", "there is one VacationResponse"));
    }
    Ok(outcome.into_response(context, &state, &state))
}
