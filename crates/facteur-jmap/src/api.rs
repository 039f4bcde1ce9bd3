//! The API endpoint: one request, its method calls in order (RFC 8620 §3.3), each with its result references
//! resolved and its account checked, dispatched to the method's file under `methods/`.

use std::collections::HashMap;

use facteur_store::{Account, ModSeq};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::protocol::{CAPABILITIES, Invocation, MethodError, Request, RequestError, Response, resolve_references};
use crate::{Inner, ids, methods};

/// What one method call sees: the server, the account, and the ids created so far in this request.
pub(crate) struct Context<'a> {
    pub inner: &'a Inner,
    pub account: &'a Account,
    /// The client, for the `Received:` line of what it submits.
    pub peer: std::net::IpAddr,
    /// Creation id (without `#`) → the id the server gave (RFC 8620 §5.3 `createdIds`).
    pub created: HashMap<String, String>,
    /// Responses a method adds after its own (EmailSubmission/set's implicit Email/set, RFC 8621 §7.5).
    pub implicit: Vec<(String, Map<String, Value>)>,
}

impl Context<'_> {
    /// An id argument: `#creationId` names an object created earlier in the request.
    pub fn resolve_id(&self, id: &str) -> Result<String, MethodError> {
        match id.strip_prefix('#') {
            Some(creation) => self
                .created
                .get(creation)
                .cloned()
                .ok_or_else(|| MethodError::invalid_arguments(format!("no object was created as #{creation}"))),
            None => Ok(id.to_owned()),
        }
    }

    pub async fn state(&self) -> Result<ModSeq, MethodError> {
        Ok(self.inner.store.account_state(self.account.id).await?)
    }

    /// What changed in the account since a `/changes` request's `sinceState` (which must be one of ours).
    pub async fn changes_since(
        &self,
        since_state: &str,
    ) -> Result<(ModSeq, facteur_store::AccountChanges), MethodError> {
        let since = since_state_of(since_state, self.state().await?)?;
        Ok((since, self.inner.store.account_changes(self.account.id, since).await?))
    }

    pub fn account_id(&self) -> String {
        ids::account(self.account.id)
    }

    /// The mailbox a JMAP id (or `#creationId`) names, if it is this account's: THE check every method that
    /// takes a mailbox id makes, so no method can reach another account's mailbox.
    pub async fn owned_mailbox(&self, id: &str) -> Result<Option<facteur_store::Mailbox>, facteur_store::StoreError> {
        let Some(id) = self.resolve_id(id).ok().as_deref().and_then(ids::parse_mailbox) else { return Ok(None) };
        let store = &self.inner.store;
        let Some(mailbox) = store.mailbox(id).await? else { return Ok(None) };
        let same_name = store.mailbox_by_name(self.account.id, &mailbox.name).await?;
        Ok(same_name.filter(|mine| mine.id == id).map(|_| mailbox))
    }
}

/// Runs a whole request for `account`.
pub(crate) async fn run(
    inner: &Inner,
    account: &Account,
    peer: std::net::IpAddr,
    request: Request,
) -> Result<Response, RequestError> {
    if let Some(unknown) = request.using.iter().find(|capability| !CAPABILITIES.contains(&capability.as_str())) {
        return Err(RequestError::UnknownCapability(unknown.clone()));
    }
    if request.method_calls.len() > inner.limits.max_calls_in_request {
        return Err(RequestError::Limit("maxCallsInRequest"));
    }
    let mut context =
        Context { inner, account, peer, created: request.created_ids.unwrap_or_default(), implicit: Vec::new() };
    let mut responses: Vec<Invocation> = Vec::with_capacity(request.method_calls.len());
    for Invocation(name, mut arguments, call_id) in request.method_calls {
        let outcome = match resolve_references(&mut arguments, &responses) {
            Ok(()) => call(&mut context, &name, arguments).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(arguments) => responses.push(Invocation(name, arguments, call_id.clone())),
            Err(error) => responses.push(error.into_invocation(call_id.clone())),
        }
        for (implicit_name, implicit_arguments) in context.implicit.drain(..) {
            responses.push(Invocation(implicit_name, implicit_arguments, call_id.clone()));
        }
    }
    let session_state = crate::session::session_state(account);
    Ok(Response { method_responses: responses, created_ids: Some(context.created), session_state })
}

async fn call(
    context: &mut Context<'_>,
    name: &str,
    arguments: Map<String, Value>,
) -> Result<Map<String, Value>, MethodError> {
    if !METHODS.contains(&name) {
        return Err(MethodError::new("unknownMethod", format!("{name} is not a method of this server")));
    }
    if name != "Core/echo" {
        check_account(context, &arguments)?;
    }
    let response = match name {
        "Core/echo" => return Ok(arguments),
        "Mailbox/get" => methods::mailbox::get(context, arguments).await?,
        "Mailbox/changes" => methods::mailbox::changes(context, arguments).await?,
        "Mailbox/query" => methods::mailbox::query(context, arguments).await?,
        "Mailbox/queryChanges" => return Err(cannot_calculate()),
        "Mailbox/set" => methods::mailbox::set(context, arguments).await?,
        "Thread/get" => methods::thread::get(context, arguments).await?,
        "Thread/changes" => methods::thread::changes(context, arguments).await?,
        "Email/get" => methods::email::get(context, arguments).await?,
        "Email/changes" => methods::email::changes(context, arguments).await?,
        "Email/query" => methods::email::query(context, arguments).await?,
        "Email/queryChanges" => return Err(cannot_calculate()),
        "Email/set" => methods::email::set(context, arguments).await?,
        "Email/import" => methods::email::import(context, arguments).await?,
        "Email/parse" => methods::email::parse(context, arguments).await?,
        "SearchSnippet/get" => methods::snippet::get(context, arguments).await?,
        "Identity/get" => methods::identity::get(context, arguments).await?,
        "Identity/changes" => methods::identity::changes(context, arguments).await?,
        "Identity/set" => methods::identity::set(context, arguments).await?,
        "EmailSubmission/get" => methods::submission::get(context, arguments).await?,
        "EmailSubmission/changes" => methods::submission::changes(context, arguments).await?,
        "EmailSubmission/query" => methods::submission::query(context, arguments).await?,
        "EmailSubmission/set" => methods::submission::set(context, arguments).await?,
        "VacationResponse/get" => methods::vacation::get(context, arguments).await?,
        "VacationResponse/set" => methods::vacation::set(context, arguments).await?,
        _ => return Err(MethodError::new("unknownMethod", format!("{name} is not a method of this server"))),
    };
    match response {
        Value::Object(members) => Ok(members),
        _ => Err(MethodError::server_fail("a method answered with something other than an object")),
    }
}

/// Every method this server answers.
const METHODS: [&str; 27] = [
    "Core/echo",
    "Mailbox/get",
    "Mailbox/changes",
    "Mailbox/query",
    "Mailbox/queryChanges",
    "Mailbox/set",
    "Thread/get",
    "Thread/changes",
    "Email/get",
    "Email/changes",
    "Email/query",
    "Email/queryChanges",
    "Email/set",
    "Email/import",
    "Email/parse",
    "SearchSnippet/get",
    "Identity/get",
    "Identity/changes",
    "Identity/set",
    "EmailSubmission/get",
    "EmailSubmission/changes",
    "EmailSubmission/query",
    "EmailSubmission/set",
    "VacationResponse/get",
    "VacationResponse/set",
    "Mailbox/queryChanges",
    "Email/queryChanges",
];

/// RFC 8620 §5.6: a server that keeps no query state answers every `/queryChanges` this way, and clients run
/// the query again.
fn cannot_calculate() -> MethodError {
    MethodError::new("cannotCalculateChanges", "query results are not kept; run the query again")
}

fn check_account(context: &Context<'_>, arguments: &Map<String, Value>) -> Result<(), MethodError> {
    match arguments.get("accountId").and_then(Value::as_str) {
        Some(id) if id == context.account_id() => Ok(()),
        Some(_) => Err(MethodError::new("accountNotFound", "no such account for this user")),
        None => Err(MethodError::invalid_arguments("accountId is missing")),
    }
}

/// Reads a method's arguments into its typed form; unknown or malformed arguments are `invalidArguments`.
pub(crate) fn arguments<T: DeserializeOwned>(arguments: Map<String, Value>) -> Result<T, MethodError> {
    serde_json::from_value(Value::Object(arguments)).map_err(|error| MethodError::invalid_arguments(error.to_string()))
}

/// The `ids` of a `/get`, bounded by `maxObjectsInGet` (RFC 8620 §5.1 `requestTooLarge`).
pub(crate) fn check_get_size(context: &Context<'_>, ids: Option<&Vec<String>>) -> Result<(), MethodError> {
    match ids {
        Some(ids) if ids.len() > context.inner.limits.max_objects_in_get => Err(MethodError::new(
            "requestTooLarge",
            format!("at most {} ids per /get", context.inner.limits.max_objects_in_get),
        )),
        _ => Ok(()),
    }
}

/// The objects of a `/set`, bounded by `maxObjectsInSet` (RFC 8620 §5.3 `requestTooLarge`).
pub(crate) fn check_set_size(context: &Context<'_>, count: usize) -> Result<(), MethodError> {
    if count > context.inner.limits.max_objects_in_set {
        return Err(MethodError::new(
            "requestTooLarge",
            format!("at most {} objects per /set", context.inner.limits.max_objects_in_set),
        ));
    }
    Ok(())
}

/// A `/changes` request's `sinceState`, which must be one of ours and not from the future.
pub(crate) fn since_state_of(since: &str, now: ModSeq) -> Result<ModSeq, MethodError> {
    match ids::parse_state(since) {
        Some(since) if since <= now => Ok(since),
        _ => Err(MethodError::new("cannotCalculateChanges", "sinceState is not a state of this account")),
    }
}

/// A SetError (RFC 8620 §5.3).
pub(crate) fn set_error(kind: &str, description: impl Into<String>) -> Value {
    json!({ "type": kind, "description": description.into() })
}

/// `ifInState` (RFC 8620 §5.3): the write happens only if the state is still the one the client saw.
pub(crate) fn check_if_in_state(if_in_state: Option<&str>, state: ModSeq) -> Result<(), MethodError> {
    match if_in_state {
        Some(expected) if expected != ids::state(state) => {
            Err(MethodError::new("stateMismatch", "the account changed since that state"))
        }
        _ => Ok(()),
    }
}
