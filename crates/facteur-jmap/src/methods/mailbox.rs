//! Mailbox/get, changes, query and set (RFC 8621 §2). A JMAP mailbox is an IMAP mailbox: its name is the
//! last level of the IMAP name, its parent the level above, its role the special-use attribute.

use std::collections::{HashMap, HashSet};

use facteur_store::mailbox::SEPARATOR;
use facteur_store::{INBOX, Mailbox, MailboxId, SpecialUse, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ChangesArguments, GetArguments, SetArguments, SetOutcome, changes_response, get_response, select};
use crate::api::{Context, arguments, check_get_size, check_if_in_state, check_set_size, set_error};
use crate::ids;
use crate::protocol::MethodError;

/// RFC 8621 §2: role names are the RFC 6154 attributes in lowercase, plus `inbox`.
pub fn role_name(mailbox: &Mailbox) -> Option<&'static str> {
    if mailbox.name == INBOX {
        return Some("inbox");
    }
    Some(match mailbox.special_use? {
        SpecialUse::All => "all",
        SpecialUse::Archive => "archive",
        SpecialUse::Drafts => "drafts",
        SpecialUse::Flagged => "flagged",
        SpecialUse::Junk => "junk",
        SpecialUse::Sent => "sent",
        SpecialUse::Trash => "trash",
    })
}

fn role_from_name(role: &str) -> Option<SpecialUse> {
    format!("\\{role}").parse().ok()
}

/// The order clients show mailboxes in when they sort by `sortOrder`: INBOX first, then the usual folders.
fn sort_order(mailbox: &Mailbox) -> u32 {
    match role_name(mailbox) {
        Some("inbox") => 1,
        Some("drafts") => 2,
        Some("sent") => 3,
        Some("archive") => 4,
        Some("junk") => 5,
        Some("trash") => 6,
        Some(_) => 7,
        None => 10,
    }
}

/// The IMAP name of a mailbox's parent, if it has one.
fn parent_name(name: &str) -> Option<&str> {
    name.rsplit_once(SEPARATOR).map(|(parent, _)| parent)
}

fn leaf_name(name: &str) -> &str {
    name.rsplit_once(SEPARATOR).map_or(name, |(_, leaf)| leaf)
}

/// Every property of a mailbox as RFC 8621 §2 defines them.
async fn to_object(
    context: &Context<'_>,
    mailbox: &Mailbox,
    by_name: &HashMap<&str, MailboxId>,
    want_threads: bool,
) -> Result<Map<String, Value>, MethodError> {
    let parent = parent_name(&mailbox.name).and_then(|parent| by_name.get(parent)).map(|id| ids::mailbox(*id));
    let is_inbox = mailbox.name == INBOX;
    let mut object = json!({
        "id": ids::mailbox(mailbox.id),
        "name": leaf_name(&mailbox.name),
        "parentId": parent,
        "role": role_name(mailbox),
        "sortOrder": sort_order(mailbox),
        "totalEmails": mailbox.exists,
        "unreadEmails": mailbox.unseen,
        "isSubscribed": mailbox.subscribed,
        "myRights": {
            "mayReadItems": true, "mayAddItems": true, "mayRemoveItems": true, "maySetSeen": true,
            "maySetKeywords": true, "mayCreateChild": true, "mayRename": !is_inbox, "mayDelete": !is_inbox,
            "maySubmit": true,
        },
    });
    if want_threads {
        let (total, unread) = thread_counts(context, mailbox.id).await?;
        object["totalThreads"] = json!(total);
        object["unreadThreads"] = json!(unread);
    }
    match object {
        Value::Object(members) => Ok(members),
        _ => Err(MethodError::server_fail("mailbox object")),
    }
}

/// RFC 8621 §2: threads with a message here, and those with an unread one here.
async fn thread_counts(context: &Context<'_>, mailbox: MailboxId) -> Result<(usize, usize), MethodError> {
    let messages = context.inner.store.messages(mailbox).await?;
    let all: HashSet<_> = messages.iter().map(|message| message.thread).collect();
    let unread: HashSet<_> = messages
        .iter()
        .filter(|message| !message.flags.contains(facteur_store::SystemFlags::SEEN))
        .map(|message| message.thread)
        .collect();
    Ok((all.len(), unread.len()))
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: GetArguments = arguments(arguments_in)?;
    check_get_size(context, request.ids.as_ref())?;
    let state = context.state().await?;
    let mailboxes = context.inner.store.list_mailboxes(context.account.id).await?;
    let by_name: HashMap<&str, MailboxId> = mailboxes.iter().map(|m| (m.name.as_str(), m.id)).collect();
    let properties = request.properties.as_deref();
    let want_threads = properties
        .is_none_or(|wanted| wanted.iter().any(|property| property == "totalThreads" || property == "unreadThreads"));
    let mut list = Vec::new();
    let mut not_found = Vec::new();
    let wanted: Option<Vec<(String, Option<MailboxId>)>> =
        request.ids.map(|requested| requested.into_iter().map(|id| (id.clone(), ids::parse_mailbox(&id))).collect());
    for mailbox in &mailboxes {
        if wanted.as_ref().is_some_and(|wanted| !wanted.iter().any(|(_, id)| *id == Some(mailbox.id))) {
            continue;
        }
        list.push(select(to_object(context, mailbox, &by_name, want_threads).await?, properties));
    }
    if let Some(wanted) = wanted {
        for (id, parsed) in wanted {
            if !parsed.is_some_and(|parsed| mailboxes.iter().any(|mailbox| mailbox.id == parsed)) {
                not_found.push(json!(id));
            }
        }
    }
    Ok(get_response(context, ids::state(state), list, not_found))
}

pub(crate) async fn changes(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: ChangesArguments = arguments(arguments_in)?;
    let (_, changes) = context.changes_since(&request.since_state).await?;
    let (created, updated): (Vec<_>, Vec<_>) = changes.mailboxes.iter().copied().partition(|(_, created)| *created);
    let mut response = changes_response(
        context,
        &request.since_state,
        changes.state,
        created.into_iter().map(|(id, _)| ids::mailbox(id)).collect(),
        updated.into_iter().map(|(id, _)| ids::mailbox(id)).collect(),
        changes.destroyed_mailboxes.iter().map(|id| ids::mailbox(*id)).collect(),
    );
    // RFC 8621 §2.2: null means any property may have changed; we do not track which.
    response["updatedProperties"] = Value::Null;
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryArguments {
    #[serde(default)]
    filter: Option<Map<String, Value>>,
    #[serde(default)]
    sort: Option<Vec<Map<String, Value>>>,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    limit: Option<usize>,
}

pub(crate) async fn query(
    context: &mut Context<'_>,
    mut arguments_in: Map<String, Value>,
) -> Result<Value, MethodError> {
    arguments_in.remove("accountId");
    arguments_in.remove("sortAsTree");
    arguments_in.remove("filterAsTree");
    arguments_in.remove("calculateTotal");
    let request: QueryArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    let mailboxes = context.inner.store.list_mailboxes(context.account.id).await?;
    let by_name: HashMap<&str, MailboxId> = mailboxes.iter().map(|m| (m.name.as_str(), m.id)).collect();
    let mut matching: Vec<&Mailbox> = Vec::new();
    for mailbox in &mailboxes {
        if matches_filter(mailbox, request.filter.as_ref(), &by_name)? {
            matching.push(mailbox);
        }
    }
    let by_sort_order =
        request.sort.iter().flatten().any(|c| c.get("property").and_then(Value::as_str) == Some("sortOrder"));
    if by_sort_order {
        matching.sort_by(|a, b| sort_order(a).cmp(&sort_order(b)).then_with(|| a.name.cmp(&b.name)));
    } else {
        matching.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let total = matching.len();
    let position = usize::try_from(request.position.unwrap_or(0).max(0)).unwrap_or(0).min(total);
    let ids: Vec<String> = matching
        .iter()
        .skip(position)
        .take(request.limit.unwrap_or(usize::MAX))
        .map(|mailbox| ids::mailbox(mailbox.id))
        .collect();
    Ok(json!({
        "accountId": context.account_id(), "queryState": ids::state(state), "canCalculateChanges": false,
        "position": position, "ids": ids, "total": total,
    }))
}

/// RFC 8621 §2.3's FilterCondition: parentId, name, role, hasAnyRole, isSubscribed.
fn matches_filter(
    mailbox: &Mailbox,
    filter: Option<&Map<String, Value>>,
    by_name: &HashMap<&str, MailboxId>,
) -> Result<bool, MethodError> {
    let Some(filter) = filter else { return Ok(true) };
    for (key, value) in filter {
        let matched = match key.as_str() {
            "parentId" => {
                let parent =
                    parent_name(&mailbox.name).and_then(|parent| by_name.get(parent)).map(|id| ids::mailbox(*id));
                value.as_str().map(str::to_owned) == parent
            }
            "name" => value
                .as_str()
                .is_some_and(|wanted| leaf_name(&mailbox.name).to_lowercase().contains(&wanted.to_lowercase())),
            "role" => value.as_str() == role_name(mailbox),
            "hasAnyRole" => value.as_bool() == Some(role_name(mailbox).is_some()),
            "isSubscribed" => value.as_bool() == Some(mailbox.subscribed),
            other => return Err(MethodError::new("unsupportedFilter", format!("no mailbox filter {other}"))),
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(crate) async fn set(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let remove_emails = arguments_in.get("onDestroyRemoveEmails").and_then(Value::as_bool).unwrap_or(false);
    let mut arguments_in = arguments_in;
    arguments_in.remove("onDestroyRemoveEmails");
    let request: SetArguments = arguments(arguments_in)?;
    check_set_size(context, request.count())?;
    let old_state = context.state().await?;
    check_if_in_state(request.if_in_state.as_deref(), old_state)?;
    let mut outcome = SetOutcome::default();
    for (creation_id, object) in request.create.unwrap_or_default() {
        match create(context, &object).await {
            Ok(id) => {
                let id = ids::mailbox(id);
                context.created.insert(creation_id.clone(), id.clone());
                outcome.created.insert(creation_id, json!({ "id": id, "totalEmails": 0, "unreadEmails": 0, "totalThreads": 0, "unreadThreads": 0, "sortOrder": 10, "myRights": {"mayReadItems": true, "mayAddItems": true, "mayRemoveItems": true, "maySetSeen": true, "maySetKeywords": true, "mayCreateChild": true, "mayRename": true, "mayDelete": true, "maySubmit": true} }));
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
        let result = destroy(context, &id, remove_emails).await;
        outcome.destroy_result(id, result);
    }
    let new_state = context.state().await?;
    Ok(outcome.into_response(context, &ids::state(old_state), &ids::state(new_state)))
}

/// The IMAP name a mailbox gets from its JMAP `name` and `parentId`.
async fn full_name(context: &Context<'_>, name: &str, parent: Option<&str>) -> Result<String, Value> {
    if name.is_empty() || name.contains(SEPARATOR) {
        return Err(set_error("invalidProperties", format!("a mailbox name cannot be empty or contain {SEPARATOR}")));
    }
    let Some(parent) = parent else { return Ok(name.to_owned()) };
    let parent = context.resolve_id(parent).map_err(|error| set_error("invalidProperties", error.description))?;
    let parent = mailbox_of(context, &parent).await?;
    Ok(format!("{}{SEPARATOR}{name}", parent.name))
}

/// The account's mailbox with this JMAP id.
async fn mailbox_of(context: &Context<'_>, id: &str) -> Result<Mailbox, Value> {
    let owned = context.owned_mailbox(id).await.map_err(store_set_error)?;
    owned.ok_or_else(|| set_error("notFound", format!("no mailbox {id}")))
}

async fn create(context: &Context<'_>, object: &Value) -> Result<MailboxId, Value> {
    let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
    let parent = object.get("parentId").and_then(Value::as_str);
    let role = match object.get("role").and_then(Value::as_str) {
        Some(role) => {
            Some(role_from_name(role).ok_or_else(|| set_error("invalidProperties", format!("unknown role {role}")))?)
        }
        None => None,
    };
    let full = full_name(context, name, parent).await?;
    let store = &context.inner.store;
    let id = store.create_mailbox(context.account.id, &full, role).await.map_err(store_set_error)?;
    if object.get("isSubscribed").and_then(Value::as_bool).unwrap_or(false) {
        store.set_subscribed(context.account.id, &full, true).await.map_err(store_set_error)?;
    }
    Ok(id)
}

async fn update(context: &Context<'_>, id: &str, patch: &Value) -> Result<(), Value> {
    let mailbox = mailbox_of(context, id).await?;
    let patch = patch.as_object().ok_or_else(|| set_error("invalidPatch", "the patch is not an object"))?;
    let store = &context.inner.store;
    let mut name = mailbox.name.clone();
    if patch.contains_key("name") || patch.contains_key("parentId") {
        let leaf = match patch.get("name") {
            Some(value) => {
                value.as_str().ok_or_else(|| set_error("invalidProperties", "name must be a string"))?.to_owned()
            }
            None => leaf_name(&mailbox.name).to_owned(),
        };
        let parent = match patch.get("parentId") {
            Some(Value::Null) => None,
            Some(value) => Some(value.as_str().ok_or_else(|| set_error("invalidProperties", "parentId"))?.to_owned()),
            None => {
                let mailboxes = store.list_mailboxes(context.account.id).await.map_err(store_set_error)?;
                parent_name(&mailbox.name)
                    .and_then(|parent| mailboxes.iter().find(|m| m.name == parent))
                    .map(|parent| ids::mailbox(parent.id))
            }
        };
        name = full_name(context, &leaf, parent.as_deref()).await?;
        if name != mailbox.name {
            store.rename_mailbox(context.account.id, &mailbox.name, &name).await.map_err(store_set_error)?;
        }
    }
    if let Some(subscribed) = patch.get("isSubscribed") {
        let subscribed = subscribed.as_bool().ok_or_else(|| set_error("invalidProperties", "isSubscribed"))?;
        store.set_subscribed(context.account.id, &name, subscribed).await.map_err(store_set_error)?;
    }
    for key in patch.keys() {
        if !matches!(key.as_str(), "name" | "parentId" | "isSubscribed" | "sortOrder") {
            return Err(set_error("invalidProperties", format!("{key} cannot be changed")));
        }
    }
    Ok(())
}

async fn destroy(context: &Context<'_>, id: &str, remove_emails: bool) -> Result<(), Value> {
    let mailbox = mailbox_of(context, id).await?;
    if mailbox.name == INBOX {
        return Err(set_error("forbidden", "INBOX cannot be destroyed"));
    }
    let store = &context.inner.store;
    let mailboxes = store.list_mailboxes(context.account.id).await.map_err(store_set_error)?;
    if mailboxes.iter().any(|other| parent_name(&other.name) == Some(mailbox.name.as_str())) {
        return Err(set_error("mailboxHasChild", "the mailbox has child mailboxes"));
    }
    if mailbox.exists > 0 && !remove_emails {
        return Err(set_error("mailboxHasEmail", "the mailbox has messages (see onDestroyRemoveEmails)"));
    }
    store.delete_mailbox(context.account.id, &mailbox.name).await.map_err(store_set_error)
}

/// A store refusal as a SetError.
pub(crate) fn store_set_error(error: StoreError) -> Value {
    match error {
        StoreError::AlreadyExists(..) => set_error("alreadyExists", error.to_string()),
        StoreError::SpecialUseTaken { .. } | StoreError::InvalidMailboxName(..) => {
            set_error("invalidProperties", error.to_string())
        }
        StoreError::QuotaExceeded { .. } => set_error("overQuota", error.to_string()),
        StoreError::NoSuchMailbox(_) => set_error("notFound", error.to_string()),
        other => {
            tracing::warn!(error = %other, "JMAP: store error");
            set_error("serverFail", "the store could not be written; try again")
        }
    }
}
