//! `GET` and `PUT /webmail/filters`: the Filters page's rules and out-of-office reply. `facteur-filters` keeps
//! them as the account's generated Sieve script, the one JMAP's VacationResponse and ManageSieve see too, so
//! this is a form over that script and not a store of its own.
//!
//! The JSON is `facteur_filters::Filters` with one difference: the out-of-office dates are RFC 3339 strings in
//! UTC (`"2026-07-01T07:00:00Z"`), as JMAP's VacationResponse writes them, instead of unix seconds. The page
//! turns them into the browser's time zone and back; a date that is not RFC 3339 is refused with a 400 that
//! names it. `GET` answers
//!
//! ```json
//! {"filters": {"rules": [{"field": "from", "contains": "shop.example", "folder": "Shopping", "markRead": true}],
//!              "outOfOffice": {"enabled": true, "fromDate": null, "toDate": "2026-07-01T07:00:00Z",
//!                              "subject": "Away", "textBody": "Back in July.", "htmlBody": null}},
//!  "active": true, "editedByHand": false, "otherActive": null,
//!  "folders": [{"name": "INBOX", "role": "inbox"}, {"name": "Shopping", "role": null}]}
//! ```
//!
//! and `PUT` takes the `filters` object (both members required: a `PUT` replaces everything, and a misspelt
//! member must not silently turn the out-of-office reply off), saves it and answers as `GET` does. Folder names
//! are the store's (what Sieve's `fileinto` names), not JMAP's leaf names.
//!
//! The write is held to what the admin page's are: the session cookie (401 without), its CSRF token (403), a
//! JSON body (415). Refusals: 400 with `facteur_filters::InvalidFilters`' words; 422 over the account's
//! `[sieve]` limits (the request is well formed but the script it makes is too large, or the account keeps too
//! many scripts: 413 would say the request itself is too large, and axum's body limit already answers 413 for
//! that); 503 when the store is unreachable, 500 for any other fault, without its details (they are logged).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facteur_filters::{Filters, FiltersError, OutOfOffice, Rule, Stored};
use facteur_jmap::{Jmap, WebSession};
use facteur_primitives::{parse_rfc3339, rfc3339_utc};
use serde::{Deserialize, Serialize};
use tracing::{error, info, warn};

use crate::cookie;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

/// The largest body `PUT` reads. The largest valid settings are [`facteur_filters`]'s limits filled: 200 rules
/// of two 500-character texts (up to 4 octets a character) and two 64 KiB bodies, which JSON's escapes can
/// double: about 1.1 MB. The account's `[sieve] max_script_bytes` (64 KiB by default) refuses most of that
/// later, with a message; this bound only keeps a request from holding more memory than any valid one needs.
pub const MAX_FILTERS_BODY: usize = 2 * 1024 * 1024;

/// [`Filters`] as the page sends and reads them: dates as RFC 3339.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FiltersJson {
    rules: Vec<Rule>,
    out_of_office: OutOfOfficeJson,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OutOfOfficeJson {
    enabled: bool,
    #[serde(default)]
    from_date: Option<String>,
    #[serde(default)]
    to_date: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    text_body: Option<String>,
    #[serde(default)]
    html_body: Option<String>,
}

/// What `GET` and `PUT` answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredJson {
    filters: FiltersJson,
    active: bool,
    edited_by_hand: bool,
    other_active: Option<String>,
    folders: Vec<Folder>,
}

/// One of the account's folders, for the page's folder menu.
#[derive(Debug, Serialize)]
struct Folder {
    /// The store's name, as a rule's folder names it (`Archive/2024`).
    name: String,
    /// The JMAP role, so the page can show special folders under its own translated names.
    role: Option<&'static str>,
}

impl From<&Filters> for FiltersJson {
    fn from(filters: &Filters) -> Self {
        let reply = &filters.out_of_office;
        FiltersJson {
            rules: filters.rules.clone(),
            out_of_office: OutOfOfficeJson {
                enabled: reply.enabled,
                from_date: reply.from_date.map(rfc3339_utc),
                to_date: reply.to_date.map(rfc3339_utc),
                subject: reply.subject.clone(),
                text_body: reply.text_body.clone(),
                html_body: reply.html_body.clone(),
            },
        }
    }
}

impl TryFrom<FiltersJson> for Filters {
    type Error = WebError;

    fn try_from(json: FiltersJson) -> Result<Self, WebError> {
        let reply = json.out_of_office;
        Ok(Filters {
            rules: json.rules,
            out_of_office: OutOfOffice {
                enabled: reply.enabled,
                from_date: date(reply.from_date.as_deref(), "fromDate")?,
                to_date: date(reply.to_date.as_deref(), "toDate")?,
                subject: reply.subject,
                text_body: reply.text_body,
                html_body: reply.html_body,
            },
        })
    }
}

/// An RFC 3339 date-time as unix seconds; absent or empty is no date.
fn date(text: Option<&str>, name: &str) -> Result<Option<i64>, WebError> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => parse_rfc3339(text).map(Some).ok_or_else(|| {
            WebError::Invalid(format!("{name} is not an RFC 3339 date and time such as 2026-07-01T07:00:00Z"))
        }),
    }
}

/// `GET /webmail/filters`.
pub async fn get(State(jmap): State<Jmap>, headers: HeaderMap) -> Result<Response, WebError> {
    let (_, session) = cookie::session(&jmap, &headers).await?;
    let stored = facteur_filters::load(jmap.store().as_ref(), session.account)
        .await
        .map_err(|failure| refusal(&session, "read", failure))?;
    answer(&jmap, &session, &stored).await
}

/// `PUT /webmail/filters`: saves the settings (which rewrites the generated script and, when it does
/// something, makes it the active one).
pub async fn put(State(jmap): State<Jmap>, headers: HeaderMap, body: Bytes) -> Result<Response, WebError> {
    let (_, session) = cookie::session(&jmap, &headers).await?;
    cookie::require_csrf(&session, &headers)?;
    let form: FiltersJson = read_json(&headers, &body)?;
    let filters = Filters::try_from(form)?;
    let limits = jmap.settings().sieve_limits;
    let stored = facteur_filters::save(jmap.store().as_ref(), session.account, &filters, limits)
        .await
        .map_err(|failure| refusal(&session, "saved", failure))?;
    // Counts and switches only: the reply's text is the person's, not the log's.
    info!(user = %session.username, rules = filters.rules.len(), out_of_office = filters.out_of_office.enabled,
        active = stored.active, "filters saved from the webmail");
    answer(&jmap, &session, &stored).await
}

async fn answer(jmap: &Jmap, session: &WebSession, stored: &Stored) -> Result<Response, WebError> {
    let mailboxes = jmap.store().list_mailboxes(session.account).await.map_err(|failure| {
        warn!(user = %session.username, error = %failure, "the filters page's folders could not be read");
        if failure.is_transient() { WebError::Unavailable } else { WebError::Internal }
    })?;
    let folders = mailboxes
        .iter()
        .map(|mailbox| Folder { name: mailbox.name.clone(), role: facteur_jmap::mailbox_role(mailbox) })
        .collect();
    let body = StoredJson {
        filters: FiltersJson::from(&stored.filters),
        active: stored.active,
        edited_by_hand: stored.edited_by_hand,
        other_active: stored.other_active.clone(),
        folders,
    };
    Ok(json(StatusCode::OK, &body))
}

/// What the page is told when the filters could not be read or saved; faults are logged here, with who.
fn refusal(session: &WebSession, doing: &str, failure: FiltersError) -> WebError {
    match failure {
        FiltersError::Invalid(invalid) => WebError::Invalid(invalid.to_string()),
        FiltersError::Quota(quota) => {
            info!(user = %session.username, limits = %quota, "filters refused: over the account's [sieve] limits");
            WebError::Refused(format!("these filters are too large to keep: {quota}"))
        }
        FiltersError::Store(failure) if failure.is_transient() => {
            warn!(user = %session.username, error = %failure, "filters could not be {doing}: store unavailable");
            WebError::Unavailable
        }
        FiltersError::Store(failure) => {
            warn!(user = %session.username, error = %failure, "filters could not be {doing}");
            WebError::Internal
        }
        FiltersError::Generated(failure) => {
            error!(user = %session.username, error = %failure, "the filters' generated Sieve does not compile");
            WebError::Internal
        }
    }
}
