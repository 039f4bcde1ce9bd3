//! The JMAP request and response envelope (RFC 8620 §3): method calls, result references (§3.7), creation
//! ids, and the errors at request level (§3.6.1, problem details) and method level (§3.6.2).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The capabilities a request may name in `using`.
pub const CORE: &str = "urn:ietf:params:jmap:core";
pub const MAIL: &str = "urn:ietf:params:jmap:mail";
pub const SUBMISSION: &str = "urn:ietf:params:jmap:submission";
pub const VACATION: &str = "urn:ietf:params:jmap:vacationresponse";
pub const CAPABILITIES: [&str; 4] = [CORE, MAIL, SUBMISSION, VACATION];

/// A request body (RFC 8620 §3.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub using: Vec<String>,
    pub method_calls: Vec<Invocation>,
    #[serde(default)]
    pub created_ids: Option<HashMap<String, String>>,
}

/// `[name, arguments, call id]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invocation(pub String, pub Map<String, Value>, pub String);

/// A response body (RFC 8620 §3.4).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub method_responses: Vec<Invocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_ids: Option<HashMap<String, String>>,
    pub session_state: String,
}

/// A refusal of the whole request: answered with HTTP 400 and a problem-details body (RFC 7807).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request is not valid JSON of the right shape: {0}")]
    NotJson(String),
    #[error("the request is not a JMAP Request object: {0}")]
    NotRequest(String),
    #[error("capability {0} is not supported")]
    UnknownCapability(String),
    /// One of the advertised limits (`maxSizeRequest`, `maxCallsInRequest`, `maxConcurrentRequests`, …).
    #[error("the request goes past the server's {0}")]
    Limit(&'static str),
}

impl RequestError {
    /// The problem-details document (RFC 8620 §3.6.1).
    pub fn to_problem(&self) -> Value {
        let (kind, limit) = match self {
            RequestError::NotJson(_) => ("urn:ietf:params:jmap:error:notJSON", None),
            RequestError::NotRequest(_) => ("urn:ietf:params:jmap:error:notRequest", None),
            RequestError::UnknownCapability(_) => ("urn:ietf:params:jmap:error:unknownCapability", None),
            RequestError::Limit(limit) => ("urn:ietf:params:jmap:error:limit", Some(*limit)),
        };
        let mut problem = json!({ "type": kind, "status": 400, "detail": self.to_string() });
        if let Some(limit) = limit {
            problem["limit"] = json!(limit);
        }
        problem
    }
}

/// A method call's error (RFC 8620 §3.6.2 and the per-method errors of RFC 8620 §5 and RFC 8621).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {description}")]
pub struct MethodError {
    pub kind: &'static str,
    pub description: String,
}

impl MethodError {
    pub fn new(kind: &'static str, description: impl Into<String>) -> MethodError {
        MethodError { kind, description: description.into() }
    }

    pub fn invalid_arguments(description: impl Into<String>) -> MethodError {
        MethodError::new("invalidArguments", description)
    }

    pub fn server_fail(description: impl Into<String>) -> MethodError {
        MethodError::new("serverFail", description)
    }

    /// `["error", {...}, callId]`.
    pub fn into_invocation(self, call_id: String) -> Invocation {
        let mut arguments = Map::new();
        arguments.insert("type".into(), json!(self.kind));
        arguments.insert("description".into(), json!(self.description));
        Invocation("error".into(), arguments, call_id)
    }
}

impl From<facteur_store::StoreError> for MethodError {
    fn from(error: facteur_store::StoreError) -> MethodError {
        tracing::warn!(%error, "JMAP: store error");
        MethodError::server_fail("the store could not be read or written; try again")
    }
}

/// Replaces every `#name` argument by what its result reference points at (RFC 8620 §3.7), looking in the
/// responses already made in this request.
pub fn resolve_references(arguments: &mut Map<String, Value>, earlier: &[Invocation]) -> Result<(), MethodError> {
    let referenced: Vec<String> = arguments.keys().filter(|key| key.starts_with('#')).cloned().collect();
    for key in referenced {
        let plain = key[1..].to_owned();
        if arguments.contains_key(&plain) {
            return Err(MethodError::invalid_arguments(format!("both {plain} and #{plain} are given")));
        }
        let reference = arguments.remove(&key).unwrap_or(Value::Null);
        let value = resolve_one(&reference, earlier)?;
        arguments.insert(plain, value);
    }
    // Clients such as jmapc also reference results inside a filter (`{"#inMailbox": …}`), which Fastmail
    // and Cyrus accept; a `#` key means nothing else there, so we resolve those too.
    if let Some(filter) = arguments.get_mut("filter") {
        resolve_in_filter(filter, earlier)?;
    }
    Ok(())
}

fn resolve_in_filter(filter: &mut Value, earlier: &[Invocation]) -> Result<(), MethodError> {
    match filter {
        Value::Object(members) => {
            resolve_references_shallow(members, earlier)?;
            for child in members.values_mut() {
                resolve_in_filter(child, earlier)?;
            }
        }
        Value::Array(items) => items.iter_mut().try_for_each(|item| resolve_in_filter(item, earlier))?,
        _ => {}
    }
    Ok(())
}

fn resolve_references_shallow(members: &mut Map<String, Value>, earlier: &[Invocation]) -> Result<(), MethodError> {
    let referenced: Vec<String> = members.keys().filter(|key| key.starts_with('#')).cloned().collect();
    for key in referenced {
        let reference = members.remove(&key).unwrap_or(Value::Null);
        members.insert(key[1..].to_owned(), resolve_one(&reference, earlier)?);
    }
    Ok(())
}

fn resolve_one(reference: &Value, earlier: &[Invocation]) -> Result<Value, MethodError> {
    let invalid = |why: &str| MethodError::new("invalidResultReference", why.to_owned());
    let result_of = reference.get("resultOf").and_then(Value::as_str).ok_or_else(|| invalid("no resultOf"))?;
    let name = reference.get("name").and_then(Value::as_str).ok_or_else(|| invalid("no name"))?;
    let path = reference.get("path").and_then(Value::as_str).ok_or_else(|| invalid("no path"))?;
    let response = earlier
        .iter()
        .find(|Invocation(_, _, call_id)| call_id == result_of)
        .ok_or_else(|| invalid("no earlier response has that call id"))?;
    if response.0 != name {
        return Err(invalid("the referenced response is not of the named method"));
    }
    let arguments = Value::Object(response.1.clone());
    evaluate_pointer(&arguments, path).ok_or_else(|| invalid("the path matches nothing"))
}

/// RFC 6901 JSON Pointer with RFC 8620 §3.7's `*`: applied to an array, the rest of the path is evaluated on
/// each item, and arrays that result are flattened into one.
pub fn evaluate_pointer(value: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(value.clone());
    }
    let rest = path.strip_prefix('/')?;
    let (token, remainder) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let token = token.replace("~1", "/").replace("~0", "~");
    match value {
        Value::Array(items) if token == "*" => {
            let mut flattened = Vec::new();
            for item in items {
                match evaluate_pointer(item, remainder)? {
                    Value::Array(inner) => flattened.extend(inner),
                    other => flattened.push(other),
                }
            }
            Some(Value::Array(flattened))
        }
        Value::Array(items) => evaluate_pointer(items.get(token.parse::<usize>().ok()?)?, remainder),
        Value::Object(members) => evaluate_pointer(members.get(&token)?, remainder),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_with_wildcard_flattens_as_rfc_8620_says() {
        // RFC 8620 §3.7's example: the threadIds of an Email/get, then the emailIds of a Thread/get.
        let get = json!({ "list": [ { "id": "a", "threadId": "t1" }, { "id": "b", "threadId": "t2" } ] });
        assert_eq!(evaluate_pointer(&get, "/list/*/threadId"), Some(json!(["t1", "t2"])));
        let threads = json!({ "list": [ { "emailIds": ["a", "c"] }, { "emailIds": ["b"] } ] });
        assert_eq!(evaluate_pointer(&threads, "/list/*/emailIds"), Some(json!(["a", "c", "b"])));
        assert_eq!(evaluate_pointer(&json!({ "ids": ["x"] }), "/ids"), Some(json!(["x"])));
        assert_eq!(evaluate_pointer(&json!({ "a/b": 1 }), "/a~1b"), Some(json!(1)));
        assert_eq!(evaluate_pointer(&json!({}), "/missing"), None);
    }

    #[test]
    fn references_resolve_against_the_named_earlier_response() {
        let earlier = vec![Invocation(
            "Email/query".into(),
            json!({ "ids": ["e1", "e2"] }).as_object().cloned().unwrap_or_default(),
            "0".into(),
        )];
        let mut arguments = json!({ "#ids": { "resultOf": "0", "name": "Email/query", "path": "/ids" } })
            .as_object()
            .cloned()
            .unwrap_or_default();
        resolve_references(&mut arguments, &earlier).unwrap();
        assert_eq!(arguments.get("ids"), Some(&json!(["e1", "e2"])));

        let mut wrong_name = json!({ "#ids": { "resultOf": "0", "name": "Email/get", "path": "/ids" } })
            .as_object()
            .cloned()
            .unwrap_or_default();
        let error = resolve_references(&mut wrong_name, &earlier).unwrap_err();
        assert_eq!(error.kind, "invalidResultReference");
    }
}
