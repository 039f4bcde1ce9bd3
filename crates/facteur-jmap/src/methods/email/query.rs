//! Email/query (RFC 8621 §4.4): filter, sort, collapse threads, then the window the client asked for.
//!
//! The common query, one mailbox newest first, reads only store rows. Conditions on addresses, subject or
//! text read each candidate's stored summary (and for `body` and `text`, its content) once, lazily. A `body` or
//! `text` condition every match must meet first narrows the candidates to those the store's full-text index
//! names, as IMAP SEARCH does; text is compared as IMAP compares it (decoded, accents folded:
//! [`facteur_message::Searchable`]).

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};

use facteur_message::{MessageSummary, Searchable, fold};
use facteur_primitives::parse_rfc3339;
use facteur_store::{EmailId, EmailMeta, MailboxId, Store, ThreadId, Uid};
use mail_parser::{Message, MessageParser};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::keywords;
use crate::api::{Context, arguments};
use crate::ids;
use crate::protocol::MethodError;
use crate::session::EMAIL_SORT_OPTIONS;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryArguments {
    #[allow(dead_code)]
    account_id: String,
    #[serde(default)]
    filter: Option<Value>,
    #[serde(default)]
    sort: Option<Vec<Comparator>>,
    #[serde(default)]
    position: i64,
    #[serde(default)]
    anchor: Option<String>,
    #[serde(default)]
    anchor_offset: i64,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    calculate_total: bool,
    #[serde(default)]
    collapse_threads: bool,
}

/// RFC 8620 §5.5 Comparator.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Comparator {
    property: String,
    #[serde(default = "ascending")]
    is_ascending: bool,
    #[serde(default)]
    keyword: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    collation: Option<String>,
}

fn ascending() -> bool {
    true
}

/// One candidate, with what conditions and sorts read loaded once.
struct Candidate<'a> {
    email: &'a EmailMeta,
    summary: Option<MessageSummary>,
    content: Option<Vec<u8>>,
}

impl Candidate<'_> {
    async fn summary(&mut self, store: &dyn Store) -> Result<&MessageSummary, MethodError> {
        if self.summary.is_none() {
            let stored = store.message_summary(self.email.message.blob).await?;
            let summary = match stored.as_deref().map(MessageSummary::from_bytes) {
                Some(Ok(summary)) => summary,
                _ => facteur_message::ingest(&store.read_blob(self.email.message.blob).await?),
            };
            self.summary = Some(summary);
        }
        self.summary.as_ref().ok_or_else(|| MethodError::server_fail("summary"))
    }

    async fn content(&mut self, store: &dyn Store) -> Result<&[u8], MethodError> {
        if self.content.is_none() {
            self.content = Some(store.read_blob(self.email.message.blob).await?);
        }
        self.content.as_deref().ok_or_else(|| MethodError::server_fail("content"))
    }

    /// Whether the decoded text of the message's body contains `needle` (folded).
    async fn body_contains(&mut self, store: &dyn Store, needle: &str) -> Result<bool, MethodError> {
        self.summary(store).await?;
        self.content(store).await?;
        match (&self.summary, &self.content) {
            (Some(summary), Some(content)) => Ok(Searchable::of(content, &summary.body).body_contains(needle)),
            _ => Err(MethodError::server_fail("content")),
        }
    }

    /// The decoded header fields, from the stored header block.
    async fn header_text(&mut self, store: &dyn Store) -> Result<String, MethodError> {
        let summary = self.summary(store).await?;
        if let Some(header) = &summary.header {
            return Ok(header.clone());
        }
        let len = summary.header_len;
        let bytes = store.read_blob_prefix(self.email.message.blob, len).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

pub(crate) async fn query(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: QueryArguments = arguments(arguments_in)?;
    let state = context.state().await?;
    for comparator in request.sort.iter().flatten() {
        if !EMAIL_SORT_OPTIONS.contains(&comparator.property.as_str()) {
            return Err(MethodError::new("unsupportedSort", format!("cannot sort by {}", comparator.property)));
        }
    }
    let ordered = match newest_in_one_mailbox(&request) {
        Some(mailbox) => newest_first(context, mailbox).await?,
        None => filtered_and_sorted(context, &request).await?,
    };
    let mut ordered = ordered;
    if request.collapse_threads {
        let mut seen = HashSet::new();
        ordered.retain(|(_, thread)| seen.insert(*thread));
    }
    let total = ordered.len();
    let start = window_start(&request, &ordered)?;
    let ids: Vec<String> = ordered
        .iter()
        .skip(start)
        .take(request.limit.unwrap_or(usize::MAX))
        .map(|(email, _)| ids::email(*email))
        .collect();
    let mut response = json!({
        "accountId": context.account_id(),
        "queryState": ids::state(state),
        "canCalculateChanges": false,
        "position": start,
        "ids": ids,
    });
    if request.calculate_total {
        response["total"] = json!(total);
    }
    if let Some(limit) = request.limit {
        response["limit"] = json!(limit);
    }
    Ok(response)
}

/// The query a message list makes most: one mailbox, newest first, no other condition. Answered from one
/// index of the store, with no message row read.
fn newest_in_one_mailbox(request: &QueryArguments) -> Option<&str> {
    let filter = request.filter.as_ref()?.as_object()?;
    let mailbox = match (filter.len(), filter.get("inMailbox")) {
        (1, Some(Value::String(mailbox))) => mailbox.as_str(),
        _ => return None,
    };
    let newest_first = match request.sort.as_deref() {
        None | Some([]) => true,
        Some([only]) => only.property == "receivedAt" && !only.is_ascending,
        Some(_) => false,
    };
    newest_first.then_some(mailbox)
}

async fn newest_first(context: &Context<'_>, mailbox: &str) -> Result<Vec<(EmailId, ThreadId)>, MethodError> {
    match context.owned_mailbox(mailbox).await? {
        Some(mailbox) => Ok(context.inner.store.newest_first(mailbox.id).await?),
        None => Ok(Vec::new()),
    }
}

/// Any other query: candidates filtered condition by condition, then sorted by the comparators.
async fn filtered_and_sorted(
    context: &Context<'_>,
    request: &QueryArguments,
) -> Result<Vec<(EmailId, ThreadId)>, MethodError> {
    let store = context.inner.store.as_ref();
    let emails = candidates(context, request.filter.as_ref()).await?;
    let emails = narrowed_by_index(store, emails, request.filter.as_ref()).await?;
    let mut matching: Vec<Candidate<'_>> = Vec::new();
    for email in &emails {
        let mut candidate = Candidate { email, summary: None, content: None };
        let keep = match &request.filter {
            Some(filter) => matches(store, &mut candidate, filter).await?,
            None => true,
        };
        if keep {
            matching.push(candidate);
        }
    }
    let default_sort =
        [Comparator { property: "receivedAt".into(), is_ascending: false, keyword: None, collation: None }];
    let sort = request.sort.as_deref().filter(|sort| !sort.is_empty()).unwrap_or(&default_sort);
    let mut keyed = Vec::with_capacity(matching.len());
    for mut candidate in matching {
        let key = sort_key(store, &mut candidate, sort).await?;
        keyed.push((key, candidate.email));
    }
    // Ties go newest id first, as the store's newest-first list has them.
    keyed.sort_by(|(a, ea), (b, eb)| compare(a, b, sort).then_with(|| eb.message.email.cmp(&ea.message.email)));
    Ok(keyed.into_iter().map(|(_, email)| (email.message.email, email.message.thread)).collect())
}

/// Where the window starts: `anchor` + `anchorOffset`, else `position` (negative counts from the end).
fn window_start(request: &QueryArguments, ordered: &[(EmailId, ThreadId)]) -> Result<usize, MethodError> {
    let total = i64::try_from(ordered.len()).unwrap_or(i64::MAX);
    let start = match &request.anchor {
        Some(anchor) => {
            let at = ordered
                .iter()
                .position(|(email, _)| ids::email(*email) == *anchor)
                .ok_or_else(|| MethodError::new("anchorNotFound", "the anchor is not in the results"))?;
            (i64::try_from(at).unwrap_or(0) + request.anchor_offset).max(0)
        }
        None if request.position < 0 => (total + request.position).max(0),
        None => request.position,
    };
    Ok(usize::try_from(start.min(total)).unwrap_or(0))
}

/// The messages a query starts from: one mailbox's when the filter names one at its top, else the account's.
async fn candidates(context: &Context<'_>, filter: Option<&Value>) -> Result<Vec<EmailMeta>, MethodError> {
    let store = context.inner.store.as_ref();
    let in_mailbox = filter.and_then(|filter| {
        filter.get("inMailbox").or_else(|| {
            (filter.get("operator").and_then(Value::as_str) == Some("AND"))
                .then(|| filter.get("conditions")?.as_array()?.iter().find_map(|c| c.get("inMailbox")))
                .flatten()
        })
    });
    if let Some(mailbox) = in_mailbox.and_then(Value::as_str) {
        let Some(mailbox) = context.owned_mailbox(mailbox).await? else { return Ok(Vec::new()) };
        let messages = store.messages(mailbox.id).await?;
        return Ok(messages.into_iter().map(|message| EmailMeta { mailbox: mailbox.id, message }).collect());
    }
    Ok(store.account_emails(context.account.id).await?)
}

/// The candidates the full-text index names for a `body` or `text` condition every match must meet; all of them
/// when there is none, or when the index cannot narrow (a short needle, a store without an index).
async fn narrowed_by_index(
    store: &dyn Store,
    emails: Vec<EmailMeta>,
    filter: Option<&Value>,
) -> Result<Vec<EmailMeta>, MethodError> {
    let Some(needle) = filter.and_then(required_text) else { return Ok(emails) };
    let mailboxes: BTreeSet<MailboxId> = emails.iter().map(|email| email.mailbox).collect();
    let mut named: HashSet<(MailboxId, Uid)> = HashSet::new();
    for mailbox in mailboxes {
        match store.text_candidates(mailbox, &needle).await? {
            Some(found) => named.extend(found.iter().map(|meta| (mailbox, meta.uid))),
            None => return Ok(emails),
        }
    }
    Ok(emails.into_iter().filter(|email| named.contains(&(email.mailbox, email.message.uid))).collect())
}

/// A text every match must contain (a `body` or `text` condition, alone or under AND), folded: the longest.
fn required_text(filter: &Value) -> Option<String> {
    if let Some(operator) = filter.get("operator") {
        let conditions = filter.get("conditions").and_then(Value::as_array)?;
        return (operator == "AND").then(|| conditions.iter().filter_map(required_text).max_by_key(String::len))?;
    }
    let texts = ["body", "text"].into_iter().filter_map(|key| filter.get(key)?.as_str());
    texts.map(fold).max_by_key(String::len)
}

/// RFC 8620 §5.5 FilterOperator / RFC 8621 §4.4.1 FilterCondition.
async fn matches(store: &dyn Store, candidate: &mut Candidate<'_>, filter: &Value) -> Result<bool, MethodError> {
    if let Some(operator) = filter.get("operator").and_then(Value::as_str) {
        let conditions = filter.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut results = Vec::with_capacity(conditions.len());
        for condition in &conditions {
            results.push(Box::pin(matches(store, candidate, condition)).await?);
        }
        return match operator {
            "AND" => Ok(results.iter().all(|r| *r)),
            "OR" => Ok(results.iter().any(|r| *r)),
            "NOT" => Ok(!results.iter().any(|r| *r)),
            other => Err(MethodError::new("unsupportedFilter", format!("no operator {other}"))),
        };
    }
    let Some(condition) = filter.as_object() else {
        return Err(MethodError::invalid_arguments("a filter must be an object"));
    };
    for (key, value) in condition {
        if !condition_holds(store, candidate, key, value).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn condition_holds(
    store: &dyn Store,
    candidate: &mut Candidate<'_>,
    key: &str,
    value: &Value,
) -> Result<bool, MethodError> {
    let message = &candidate.email.message;
    let text = || value.as_str().map(str::to_lowercase).unwrap_or_default();
    let date = || {
        value
            .as_str()
            .and_then(parse_rfc3339)
            .ok_or_else(|| MethodError::invalid_arguments(format!("{key} is not a UTCDate")))
    };
    let number = || value.as_u64().ok_or_else(|| MethodError::invalid_arguments(format!("{key} is not a number")));
    Ok(match key {
        "inMailbox" => value.as_str().and_then(ids::parse_mailbox) == Some(candidate.email.mailbox),
        "inMailboxOtherThan" => {
            let others: Vec<&str> = value.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            !others.contains(&ids::mailbox(candidate.email.mailbox).as_str())
        }
        "before" => message.internal_date < date()?,
        "after" => message.internal_date >= date()?,
        "minSize" => message.size >= number()?,
        "maxSize" => message.size < number()?,
        "hasKeyword" => keywords::has(message.flags, &message.keywords, &text()),
        "notKeyword" => !keywords::has(message.flags, &message.keywords, &text()),
        // One message per thread is all a row knows; these look at the message itself.
        "allInThreadHaveKeyword" | "someInThreadHaveKeyword" => {
            keywords::has(message.flags, &message.keywords, &text())
        }
        "noneInThreadHaveKeyword" => !keywords::has(message.flags, &message.keywords, &text()),
        "hasAttachment" => {
            let summary = candidate.summary(store).await?;
            value.as_bool() == Some(super::properties::has_attachment(&summary.body))
        }
        "from" | "to" | "cc" | "bcc" | "subject" => {
            let header = candidate.header_text(store).await?;
            let parsed = MessageParser::default().parse_headers(header.as_bytes());
            parsed.as_ref().is_some_and(|parsed| field_text(parsed, key).contains(&text()))
        }
        "header" => {
            let wanted: Vec<String> =
                value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_lowercase).collect();
            let header = candidate.header_text(store).await?;
            let parsed = MessageParser::default().parse_headers(header.as_bytes());
            match (parsed, wanted.as_slice()) {
                (Some(parsed), [name]) => parsed.headers_raw().any(|(field, _)| field.eq_ignore_ascii_case(name)),
                (Some(parsed), [name, needle, ..]) => parsed
                    .headers_raw()
                    .any(|(field, raw)| field.eq_ignore_ascii_case(name) && raw.to_lowercase().contains(needle)),
                _ => false,
            }
        }
        // RFC 8621 §4.4.1: `text` also looks in From, To, Cc, Bcc and Subject.
        "body" | "text" => {
            let needle = fold(value.as_str().unwrap_or_default());
            let header_hit = if key == "text" {
                let header = candidate.header_text(store).await?;
                let parsed = MessageParser::default().parse_headers(header.as_bytes());
                parsed.as_ref().is_some_and(|parsed| {
                    ["from", "to", "cc", "bcc", "subject"]
                        .iter()
                        .any(|field| fold(&field_text(parsed, field)).contains(&needle))
                })
            } else {
                false
            };
            header_hit || candidate.body_contains(store, &needle).await?
        }
        other => return Err(MethodError::new("unsupportedFilter", format!("no email filter {other}"))),
    })
}

/// A header field's decoded text, lowercase, for substring search: names and addresses, or the subject.
fn field_text(parsed: &Message<'_>, field: &str) -> String {
    let address = match field {
        "from" => parsed.from(),
        "to" => parsed.to(),
        "cc" => parsed.cc(),
        "bcc" => parsed.bcc(),
        _ => return parsed.subject().unwrap_or_default().to_lowercase(),
    };
    address
        .map(|list| {
            list.iter()
                .map(|a| format!("{} <{}>", a.name().unwrap_or_default(), a.address().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
        .to_lowercase()
}

/// One value per comparator, compared in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Number(i64),
    Text(String),
}

async fn sort_key(
    store: &dyn Store,
    candidate: &mut Candidate<'_>,
    sort: &[Comparator],
) -> Result<Vec<Key>, MethodError> {
    let mut key = Vec::with_capacity(sort.len());
    for comparator in sort {
        let message = &candidate.email.message;
        key.push(match comparator.property.as_str() {
            "receivedAt" => Key::Number(message.internal_date),
            "size" => Key::Number(i64::try_from(message.size).unwrap_or(i64::MAX)),
            "hasKeyword" => {
                let keyword = comparator.keyword.clone().unwrap_or_default();
                Key::Number(i64::from(keywords::has(message.flags, &message.keywords, &keyword)))
            }
            "sentAt" => {
                let header = candidate.header_text(store).await?;
                let parsed = MessageParser::default().parse_headers(header.as_bytes());
                Key::Number(parsed.and_then(|p| p.date().map(|d| d.to_timestamp())).unwrap_or(0))
            }
            field => {
                let header = candidate.header_text(store).await?;
                let parsed = MessageParser::default().parse_headers(header.as_bytes());
                Key::Text(parsed.map(|p| field_text(&p, field)).unwrap_or_default())
            }
        });
    }
    Ok(key)
}

fn compare(a: &[Key], b: &[Key], sort: &[Comparator]) -> Ordering {
    for ((a, b), comparator) in a.iter().zip(b).zip(sort) {
        let order = if comparator.is_ascending { a.cmp(b) } else { b.cmp(a) };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}
