//! rspamd's answer to `/checkv2`: its JSON read into owned, bounded values.
//!
//! The reply is read tolerantly (fields we do not use, and fields rspamd adds in later versions, are ignored;
//! a field of an unexpected shape is dropped rather than failing the whole reply) but bounded: at most
//! [`MAX_SYMBOLS`] symbols are kept, the weightiest, and every text is cut to a length and made safe to put in
//! a header field, since it ends up in `X-Spam-Reasons:`-style fields and in the log.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::Reason;
use crate::rspamd::text::{header_safe, is_field_name, one_line};

/// Symbols kept from one reply. rspamd names a few dozen for an ordinary message; a reply with hundreds is
/// either a misconfiguration or hostile, and what we keep ends up in a header field.
pub const MAX_SYMBOLS: usize = 64;
/// A symbol's name; rspamd's own are under 30 characters.
const MAX_RULE_LEN: usize = 64;
/// A symbol's detail (its options or description).
const MAX_DETAIL_LEN: usize = 160;
/// rspamd's SMTP message (`messages.smtp_message`) or rewritten subject.
const MAX_MESSAGE_LEN: usize = 200;
/// Header fields the reply asks to add or remove (its `milter` part).
const MAX_MILTER_HEADERS: usize = 16;
/// A header field's value the reply asks to add: rspamd's `X-Spamd-Result` lists every symbol.
const MAX_MILTER_VALUE_LEN: usize = 2000;

/// What rspamd recommends doing with the message, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RspamdAction {
    NoAction,
    /// Answer 4xx this time; a legitimate sender retries.
    Greylist,
    /// Deliver, marked as spam (rspamd's milter part says how).
    AddHeader,
    /// Deliver, with the subject rspamd gives ([`RspamdReply::subject`]).
    RewriteSubject,
    /// Answer 4xx.
    SoftReject,
    /// Answer 5xx.
    Reject,
    /// Accept and drop: set by rspamd's `force_actions` rules only, never by a score.
    Discard,
    /// Accept and hold: set by `force_actions` rules only.
    Quarantine,
}

impl RspamdAction {
    /// rspamd's name for the action, as in its reply and its configuration (`add header` or `add_header`).
    pub fn parse(name: &str) -> Option<RspamdAction> {
        let action = match name.to_ascii_lowercase().replace('_', " ").as_str() {
            "no action" => RspamdAction::NoAction,
            "greylist" => RspamdAction::Greylist,
            "add header" => RspamdAction::AddHeader,
            "rewrite subject" => RspamdAction::RewriteSubject,
            "soft reject" => RspamdAction::SoftReject,
            "reject" => RspamdAction::Reject,
            "discard" => RspamdAction::Discard,
            "quarantine" => RspamdAction::Quarantine,
            _ => return None,
        };
        Some(action)
    }

    /// rspamd's own spelling, for logs and header fields.
    pub fn as_str(self) -> &'static str {
        match self {
            RspamdAction::NoAction => "no action",
            RspamdAction::Greylist => "greylist",
            RspamdAction::AddHeader => "add header",
            RspamdAction::RewriteSubject => "rewrite subject",
            RspamdAction::SoftReject => "soft reject",
            RspamdAction::Reject => "reject",
            RspamdAction::Discard => "discard",
            RspamdAction::Quarantine => "quarantine",
        }
    }
}

impl std::fmt::Display for RspamdAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// rspamd's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct RspamdReply {
    pub action: RspamdAction,
    pub score: f64,
    /// The score of rspamd's `reject` action: how far the message is from it.
    pub required_score: f64,
    /// The symbols that matched, weightiest (by absolute score) first, then by name; `detail` is the symbol's
    /// options (what it saw) or, without options, its description.
    pub symbols: Vec<Reason>,
    /// How many symbols were left out beyond [`MAX_SYMBOLS`] (the least weighty).
    pub symbols_left_out: usize,
    /// What rspamd would say to the SMTP client (`messages.smtp_message`), e.g. `Gtube pattern`.
    pub smtp_message: Option<String>,
    /// The subject to use, with the `rewrite subject` action: one line, bounded, but as rspamd wrote it (UTF-8
    /// included), for the caller to encode (RFC 2047) if it must.
    pub subject: Option<String>,
    /// Header fields rspamd asks to change (its `milter` part).
    pub milter: MilterChanges,
    /// rspamd stopped early and did not run every rule (GTUBE, a pre-filter's verdict).
    pub skipped: bool,
}

/// The header fields rspamd's reply asks the MTA to add and remove (what its `milter_headers` module is set
/// up to write: `X-Spam-Status`, `X-Spamd-Result`, …). Names are checked; values are unfolded to one line and
/// bounded, UTF-8 kept as rspamd wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MilterChanges {
    pub add_headers: Vec<(String, String)>,
    pub remove_headers: Vec<String>,
}

/// A reply that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("rspamd's reply is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("rspamd answered with an error: {0}")]
    Rspamd(String),
    #[error("rspamd's reply has no {0}")]
    Missing(&'static str),
    #[error("rspamd's reply has an unknown action {0:?}")]
    UnknownAction(String),
}

/// The reply's fields we use; everything else is ignored.
#[derive(Deserialize)]
struct RawReply {
    action: Option<String>,
    score: Option<f64>,
    required_score: Option<f64>,
    #[serde(default)]
    symbols: BTreeMap<String, Value>,
    #[serde(default)]
    messages: Value,
    #[serde(default)]
    milter: Value,
    subject: Option<Value>,
    error: Option<Value>,
    #[serde(default)]
    is_skipped: bool,
}

/// Reads rspamd's JSON reply. An `{"error": …}` reply (rspamd's answer to a request it could not scan) is an
/// error, as is one without an action or a score.
pub fn parse_reply(body: &[u8]) -> Result<RspamdReply, ReplyError> {
    let raw: RawReply = serde_json::from_slice(body)?;
    if let Some(error) = raw.error {
        return Err(ReplyError::Rspamd(header_safe(&value_text(&error), MAX_MESSAGE_LEN)));
    }
    let action_name = raw.action.ok_or(ReplyError::Missing("action"))?;
    let action = RspamdAction::parse(&action_name)
        .ok_or_else(|| ReplyError::UnknownAction(header_safe(&action_name, MAX_RULE_LEN)))?;
    let (symbols, symbols_left_out) = symbols(raw.symbols);
    Ok(RspamdReply {
        action,
        score: raw.score.ok_or(ReplyError::Missing("score"))?,
        required_score: raw.required_score.ok_or(ReplyError::Missing("required_score"))?,
        symbols,
        symbols_left_out,
        smtp_message: raw.messages.get("smtp_message").map(|m| header_safe(&value_text(m), MAX_MESSAGE_LEN)),
        subject: raw.subject.as_ref().map(|s| one_line(&value_text(s), MAX_MESSAGE_LEN)),
        milter: milter(&raw.milter),
        skipped: raw.is_skipped,
    })
}

/// The symbols as [`Reason`]s, weightiest first, at most [`MAX_SYMBOLS`]; and how many were left out.
fn symbols(raw: BTreeMap<String, Value>) -> (Vec<Reason>, usize) {
    let mut reasons: Vec<Reason> = raw.iter().map(|(name, symbol)| symbol_reason(name, symbol)).collect();
    // Weightiest first, so that the cut keeps what decided the verdict; the name breaks ties for a stable order.
    reasons.sort_by(|a, b| b.score.abs().total_cmp(&a.score.abs()).then_with(|| a.rule.cmp(&b.rule)));
    let left_out = reasons.len().saturating_sub(MAX_SYMBOLS);
    reasons.truncate(MAX_SYMBOLS);
    (reasons, left_out)
}

fn symbol_reason(name: &str, symbol: &Value) -> Reason {
    let score = symbol.get("score").and_then(Value::as_f64).unwrap_or(0.0);
    let options: Vec<String> =
        symbol.get("options").and_then(Value::as_array).into_iter().flatten().map(value_text).collect();
    let detail = if options.is_empty() {
        symbol.get("description").map(value_text).unwrap_or_default()
    } else {
        options.join(", ")
    };
    Reason::new(&header_safe(name, MAX_RULE_LEN), score, header_safe(&detail, MAX_DETAIL_LEN))
}

/// The `milter` part: `add_headers` maps a name to `{"value", "order"}` (or, from older rspamd, a string, or a
/// list of either for several fields of one name); `remove_headers` maps a name to which instance to remove.
fn milter(raw: &Value) -> MilterChanges {
    let mut changes = MilterChanges::default();
    if let Some(add) = raw.get("add_headers").and_then(Value::as_object) {
        for (name, spec) in add.iter().filter(|(name, _)| is_field_name(name)) {
            let values = match spec {
                Value::Array(values) => values.iter().collect(),
                value => vec![value],
            };
            for value in values {
                let value = value.get("value").unwrap_or(value);
                changes.add_headers.push((name.clone(), one_line(&value_text(value), MAX_MILTER_VALUE_LEN)));
            }
        }
        changes.add_headers.truncate(MAX_MILTER_HEADERS);
    }
    if let Some(remove) = raw.get("remove_headers").and_then(Value::as_object) {
        changes.remove_headers =
            remove.keys().filter(|name| is_field_name(name)).take(MAX_MILTER_HEADERS).cloned().collect();
    }
    changes
}

/// A JSON value as text: a string as it is, anything else as JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Replies captured from Debian bookworm's rspamd 3.4 (the harness's configuration: no network, no Redis,
    // `milter_headers` writing X-Spam-Status, X-Spamd-Result and X-Rspamd-Queue-Id).
    const GTUBE: &str = include_str!("testdata/gtube.json");
    const HAM: &str = include_str!("testdata/ham.json");
    const SPAM: &str = include_str!("testdata/spam.json");
    const REWRITE_SUBJECT: &str = include_str!("testdata/rewrite_subject.json");
    const GREYLIST: &str = include_str!("testdata/greylist.json");
    const ERROR: &str = include_str!("testdata/error_decompression.json");

    fn rule<'a>(reply: &'a RspamdReply, name: &str) -> Option<&'a Reason> {
        reply.symbols.iter().find(|reason| reason.rule == name)
    }

    #[test]
    fn gtube_is_rejected_with_its_symbol_and_smtp_message() {
        let reply = parse_reply(GTUBE.as_bytes()).unwrap();
        assert_eq!(reply.action, RspamdAction::Reject);
        assert!(rule(&reply, "GTUBE").is_some());
        assert_eq!(reply.smtp_message.as_deref(), Some("Gtube pattern"));
        assert!(reply.skipped);
        assert_eq!(reply.milter, MilterChanges::default());
    }

    #[test]
    fn an_ordinary_message_has_no_action_and_its_symbols_details() {
        let reply = parse_reply(HAM.as_bytes()).unwrap();
        assert_eq!(reply.action, RspamdAction::NoAction);
        assert!((reply.score - -0.1).abs() < 1e-9);
        assert!((reply.required_score - 15.0).abs() < 1e-9);
        // Options are what the symbol saw; without options, its description.
        assert_eq!(rule(&reply, "MIME_GOOD").unwrap().detail, "text/plain");
        assert_eq!(rule(&reply, "FROM_HAS_DN").unwrap().detail, "From header has a display name");
        // The one symbol with a score comes first.
        assert_eq!(reply.symbols[0].rule, "MIME_GOOD");
        assert_eq!(reply.symbols_left_out, 0);
        assert_eq!(reply.smtp_message, None);
    }

    #[test]
    fn symbols_come_weightiest_first() {
        let reply = parse_reply(SPAM.as_bytes()).unwrap();
        assert_eq!(reply.action, RspamdAction::AddHeader);
        let scores: Vec<f64> = reply.symbols.iter().map(|reason| reason.score.abs()).collect();
        assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "{scores:?}");
        assert_eq!(reply.symbols[0].rule, "R_UNDISC_RCPT"); // 3.00, and before SUBJ_ALL_CAPS by name
        assert_eq!(rule(&reply, "FORGED_RECIPIENTS").unwrap().detail, "m:, s:bob@example.test, s:carol@example.test");
    }

    #[test]
    fn the_milter_part_is_read_unfolded() {
        let reply = parse_reply(SPAM.as_bytes()).unwrap();
        let added: BTreeMap<_, _> = reply.milter.add_headers.iter().cloned().collect();
        assert_eq!(added.get("X-Spam-Status").map(String::as_str), Some("Yes, score=14.50"));
        assert_eq!(added.get("X-Rspamd-Queue-Id").map(String::as_str), Some("7F3A1C"));
        let result = added.get("X-Spamd-Result").unwrap();
        assert!(result.starts_with("default: False [14.50 / 15.00]; SUBJ_ALL_CAPS(3.00)[40];"), "{result}");
        assert!(!result.contains('\r') && !result.contains('\n'));
        assert!(reply.milter.remove_headers.contains(&"X-Spam".to_owned()));
    }

    #[test]
    fn rewrite_subject_gives_the_subject() {
        let reply = parse_reply(REWRITE_SUBJECT.as_bytes()).unwrap();
        assert_eq!(reply.action, RspamdAction::RewriteSubject);
        assert_eq!(reply.subject.as_deref(), Some("*** SPAM *** YOU HAVE WON $1,000,000 !!! CLAIM NOW!!!"));
    }

    #[test]
    fn greylist_is_read() {
        assert_eq!(parse_reply(GREYLIST.as_bytes()).unwrap().action, RspamdAction::Greylist);
    }

    #[test]
    fn an_error_reply_is_an_error() {
        let error = parse_reply(ERROR.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), "rspamd answered with an error: Decompression error: Unknown frame descriptor");
    }

    #[test]
    fn every_action_name_is_known_in_both_spellings() {
        for action in [
            RspamdAction::NoAction,
            RspamdAction::Greylist,
            RspamdAction::AddHeader,
            RspamdAction::RewriteSubject,
            RspamdAction::SoftReject,
            RspamdAction::Reject,
            RspamdAction::Discard,
            RspamdAction::Quarantine,
        ] {
            assert_eq!(RspamdAction::parse(action.as_str()), Some(action));
            assert_eq!(RspamdAction::parse(&action.as_str().replace(' ', "_")), Some(action));
        }
        assert!(RspamdAction::Reject > RspamdAction::SoftReject && RspamdAction::Greylist > RspamdAction::NoAction);
    }

    #[test]
    fn unknown_fields_are_ignored_and_odd_shapes_dropped() {
        let body = br#"{"action":"no action","score":1.5,"required_score":15,"new_field":{"x":[1]},
            "symbols":{"ODD":{"score":"high","options":[1,"two"]},"PLAIN":true},
            "messages":"not an object","milter":[1,2]}"#;
        let reply = parse_reply(body).unwrap();
        assert_eq!(rule(&reply, "ODD").unwrap().score, 0.0);
        assert_eq!(rule(&reply, "ODD").unwrap().detail, "1, two");
        assert_eq!(rule(&reply, "PLAIN").unwrap().detail, "");
        assert_eq!(reply.smtp_message, None);
        assert_eq!(reply.milter, MilterChanges::default());
    }

    #[test]
    fn a_reply_without_action_or_score_or_with_an_unknown_action_is_refused() {
        assert!(matches!(parse_reply(br#"{"score":1}"#), Err(ReplyError::Missing("action"))));
        assert!(matches!(parse_reply(br#"{"action":"reject"}"#), Err(ReplyError::Missing("score"))));
        assert!(matches!(parse_reply(br#"{"action":"reject","score":1}"#), Err(ReplyError::Missing("required_score"))));
        let unknown = parse_reply(br#"{"action":"explode","score":1}"#).unwrap_err();
        assert_eq!(unknown.to_string(), "rspamd's reply has an unknown action \"explode\"");
        assert!(matches!(parse_reply(b"<html>"), Err(ReplyError::NotJson(_))));
    }

    #[test]
    fn symbols_and_texts_are_bounded_and_header_safe() {
        let symbols: Vec<String> = (0..500)
            .map(|i| format!(r#""S{i}":{{"score":{i},"options":["{}","line\r\nX-Injected: yes"]}}"#, "é".repeat(300)))
            .collect();
        let body =
            format!(r#"{{"action":"reject","score":99,"required_score":15,"symbols":{{{}}}}}"#, symbols.join(","));
        let reply = parse_reply(body.as_bytes()).unwrap();
        assert_eq!(reply.symbols.len(), MAX_SYMBOLS);
        assert_eq!(reply.symbols_left_out, 500 - MAX_SYMBOLS);
        assert_eq!(reply.symbols[0].rule, "S499");
        for reason in &reply.symbols {
            assert!(reason.detail.len() <= MAX_DETAIL_LEN, "{}", reason.detail.len());
            assert!(reason.detail.bytes().all(|b| (0x20..0x7f).contains(&b)), "{}", reason.detail);
        }
    }

    #[test]
    fn milter_headers_with_bad_names_are_dropped() {
        let body = br#"{"action":"add header","score":7,"required_score":15,"milter":{"add_headers":{
            "X-Good":"plain string","Bad Name":{"value":"x"},"X-Many":[{"value":"one"},{"value":"two"}]},
            "remove_headers":{"X-Old":1,"Bad:Name":0}}}"#;
        let reply = parse_reply(body).unwrap();
        let mut added = reply.milter.add_headers.clone();
        added.sort();
        let expected = [("X-Good", "plain string"), ("X-Many", "one"), ("X-Many", "two")];
        assert_eq!(added, expected.map(|(n, v)| (n.to_owned(), v.to_owned())));
        assert_eq!(reply.milter.remove_headers, vec!["X-Old".to_owned()]);
    }
}
