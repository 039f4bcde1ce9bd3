//! One file per object type, each with its methods (RFC 8620 §5 standard methods, RFC 8621 types).

pub(crate) mod email;
pub(crate) mod identity;
pub(crate) mod mailbox;
pub(crate) mod snippet;
pub(crate) mod submission;
pub(crate) mod thread;
pub(crate) mod vacation;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::Context;
use crate::ids;

/// The arguments of every `/get` (RFC 8620 §5.1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetArguments {
    #[allow(dead_code)]
    pub account_id: String,
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    #[serde(default)]
    pub properties: Option<Vec<String>>,
}

/// The arguments of every `/changes` (RFC 8620 §5.2).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangesArguments {
    #[allow(dead_code)]
    pub account_id: String,
    pub since_state: String,
    #[serde(default)]
    pub max_changes: Option<u64>,
}

/// The arguments of every `/set` (RFC 8620 §5.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetArguments {
    #[allow(dead_code)]
    pub account_id: String,
    #[serde(default)]
    pub if_in_state: Option<String>,
    #[serde(default)]
    pub create: Option<Map<String, Value>>,
    #[serde(default)]
    pub update: Option<Map<String, Value>>,
    #[serde(default)]
    pub destroy: Option<Vec<String>>,
}

impl SetArguments {
    pub fn count(&self) -> usize {
        self.create.as_ref().map_or(0, Map::len)
            + self.update.as_ref().map_or(0, Map::len)
            + self.destroy.as_ref().map_or(0, Vec::len)
    }
}

/// A `/set` response being filled in (RFC 8620 §5.3): each map is written as `null` when empty.
#[derive(Debug, Default)]
pub(crate) struct SetOutcome {
    pub created: Map<String, Value>,
    pub updated: Map<String, Value>,
    pub destroyed: Vec<Value>,
    pub not_created: Map<String, Value>,
    pub not_updated: Map<String, Value>,
    pub not_destroyed: Map<String, Value>,
}

impl SetOutcome {
    /// Files an update's result under `updated` or `notUpdated`.
    pub fn update_result(&mut self, id: String, result: Result<(), Value>) {
        match result {
            Ok(()) => {
                self.updated.insert(id, Value::Null);
            }
            Err(error) => {
                self.not_updated.insert(id, error);
            }
        }
    }

    /// Files a destroy's result under `destroyed` or `notDestroyed`.
    pub fn destroy_result(&mut self, id: String, result: Result<(), Value>) {
        match result {
            Ok(()) => self.destroyed.push(Value::String(id)),
            Err(error) => {
                self.not_destroyed.insert(id, error);
            }
        }
    }

    pub fn into_response(self, context: &Context<'_>, old_state: &str, new_state: &str) -> Value {
        let map_or_null = |map: Map<String, Value>| if map.is_empty() { Value::Null } else { Value::Object(map) };
        json!({
            "accountId": context.account_id(),
            "oldState": old_state,
            "newState": new_state,
            "created": map_or_null(self.created),
            "updated": map_or_null(self.updated),
            "destroyed": if self.destroyed.is_empty() { Value::Null } else { Value::Array(self.destroyed) },
            "notCreated": map_or_null(self.not_created),
            "notUpdated": map_or_null(self.not_updated),
            "notDestroyed": map_or_null(self.not_destroyed),
        })
    }
}

/// A `/get` response (RFC 8620 §5.1).
pub(crate) fn get_response(context: &Context<'_>, state: String, list: Vec<Value>, not_found: Vec<Value>) -> Value {
    json!({ "accountId": context.account_id(), "state": state, "list": list, "notFound": not_found })
}

/// A `/changes` response (RFC 8620 §5.2).
pub(crate) fn changes_response(
    context: &Context<'_>,
    old_state: &str,
    new_state: facteur_store::ModSeq,
    created: Vec<String>,
    updated: Vec<String>,
    destroyed: Vec<String>,
) -> Value {
    json!({
        "accountId": context.account_id(),
        "oldState": old_state,
        "newState": ids::state(new_state),
        "hasMoreChanges": false,
        "created": created,
        "updated": updated,
        "destroyed": destroyed,
    })
}

/// Keeps only the requested properties of an object; `id` is always returned (RFC 8620 §5.1).
pub(crate) fn select(mut object: Map<String, Value>, properties: Option<&[String]>) -> Value {
    if let Some(wanted) = properties {
        object.retain(|key, _| key == "id" || wanted.iter().any(|property| property == key));
    }
    Value::Object(object)
}
