//! SearchSnippet/get (RFC 8621 §5): the subject and preview of each email with the searched words marked.
//! Text is HTML-escaped first, then `<mark>` wraps each match, as the RFC has it.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::email::properties::{BodyOptions, email_object};
use crate::api::{Context, arguments, check_get_size};
use crate::ids;
use crate::protocol::MethodError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnippetArguments {
    #[allow(dead_code)]
    account_id: String,
    #[serde(default)]
    filter: Option<Value>,
    email_ids: Vec<String>,
}

pub(crate) async fn get(context: &mut Context<'_>, arguments_in: Map<String, Value>) -> Result<Value, MethodError> {
    let request: SnippetArguments = arguments(arguments_in)?;
    check_get_size(context, Some(&request.email_ids))?;
    let mut terms = Vec::new();
    if let Some(filter) = &request.filter {
        collect_terms(filter, &mut terms);
    }
    let store = context.inner.store.as_ref();
    let wanted: Vec<_> = request.email_ids.iter().filter_map(|id| ids::parse_email(id)).collect();
    let found = store.emails(context.account.id, &wanted).await?;
    let properties = vec!["subject".to_owned(), "preview".to_owned()];
    let mut list = Vec::new();
    let mut not_found = Vec::new();
    for id in &request.email_ids {
        let Some(email) = ids::parse_email(id).and_then(|parsed| found.iter().find(|e| e.message.email == parsed))
        else {
            not_found.push(json!(id));
            continue;
        };
        let object = email_object(store, email, &properties, &BodyOptions::default()).await?;
        let mark = |key: &str| object.get(key).and_then(Value::as_str).map(|text| highlight(text, &terms));
        list.push(json!({ "emailId": id, "subject": mark("subject"), "preview": mark("preview") }));
    }
    Ok(json!({ "accountId": context.account_id(), "list": list, "notFound": not_found }))
}

/// The words of `text`, `subject`, `body` conditions, anywhere in the filter.
fn collect_terms(filter: &Value, terms: &mut Vec<String>) {
    if let Some(conditions) = filter.get("conditions").and_then(Value::as_array) {
        conditions.iter().for_each(|condition| collect_terms(condition, terms));
    }
    for key in ["text", "subject", "body"] {
        if let Some(text) = filter.get(key).and_then(Value::as_str) {
            terms.extend(text.split_whitespace().map(str::to_lowercase));
        }
    }
}

/// HTML-escaped `text` with every (case-insensitive) occurrence of a term inside `<mark>`.
fn highlight(text: &str, terms: &[String]) -> String {
    let lower = text.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; mark only when it did not, else escape alone.
    let mut marked = vec![false; text.len()];
    if lower.len() == text.len() {
        for term in terms.iter().filter(|term| !term.is_empty()) {
            for (at, _) in lower.match_indices(term.as_str()) {
                marked[at..at + term.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = false;
    for (at, character) in text.char_indices() {
        let inside = marked[at];
        if inside && !open {
            out.push_str("<mark>");
        } else if !inside && open {
            out.push_str("</mark>");
        }
        open = inside;
        match character {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_and_markup_escaped() {
        assert_eq!(
            highlight("Meet <Bob> at the Café", &["bob".into(), "the".into()]),
            "Meet &lt;<mark>Bob</mark>&gt; at <mark>the</mark> Café"
        );
        assert_eq!(highlight("a&b", &[]), "a&amp;b");
    }
}
