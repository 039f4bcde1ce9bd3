//! Settings to Sieve (RFC 5228). The script begins with the settings it comes from, as one line of JSON in a
//! comment, and a checksum of what follows it, so that [`crate::read`] gets the settings back and notices a
//! hand edit. Every text a user typed goes into a quoted string (§2.4.2), never into a comment or an
//! identifier; no `variables` or `encoded-character` capability is required, so `${…}` in a text stays text.

use facteur_primitives::rfc3339_utc;
use mail_builder::mime::MimePart;
use ring::digest::{SHA256, digest};

use crate::settings::{Field, Filters, OutOfOffice, Rule};

/// The comment lines that carry the settings and the checksum.
pub(crate) const SETTINGS_MARK: &str = "# facteur-filters: ";
pub(crate) const CHECKSUM_MARK: &str = "# facteur-checksum: ";

/// The out-of-office period: one reply per sender per week, RFC 3834 §2's recommendation.
const REPLY_PERIOD_DAYS: u32 = 7;

/// The whole script for `filters`.
pub(crate) fn script(filters: &Filters) -> String {
    let body = body(filters);
    // Serialising these plain structures cannot fail; JSON escapes line breaks, so it stays one line.
    let settings = serde_json::to_string(filters).unwrap_or_default();
    format!(
        "# Written by Facteur from the webmail's Filters page and the out-of-office reply (JMAP VacationResponse).\r\n\
         # Change them there: an edit made here by hand is replaced when they are next saved.\r\n\
         {SETTINGS_MARK}{settings}\r\n{CHECKSUM_MARK}{}\r\n{body}",
        checksum(&settings, &body)
    )
}

/// The hex SHA-256 of the settings' JSON and the Sieve below the checksum line: a change to either shows.
pub(crate) fn checksum(settings: &str, body: &str) -> String {
    let mut covered = String::with_capacity(settings.len() + body.len() + 1);
    covered.push_str(settings);
    covered.push('\n');
    covered.push_str(body);
    digest(&SHA256, covered.as_bytes()).as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

fn body(filters: &Filters) -> String {
    let mut out = String::new();
    let requires = requirements(filters);
    if !requires.is_empty() {
        let list: Vec<String> = requires.iter().map(|name| quote(name)).collect();
        out.push_str(&format!("require [{}];\r\n", list.join(", ")));
    }
    let reply = &filters.out_of_office;
    // The reply first: a message a rule files away is answered all the same.
    if reply.enabled {
        out.push_str(&out_of_office(reply));
    }
    for rule in &filters.rules {
        out.push_str(&rule_text(rule));
    }
    out
}

fn requirements(filters: &Filters) -> Vec<&'static str> {
    let mut requires = Vec::new();
    if !filters.rules.is_empty() {
        // `mailbox` for `:create` (RFC 5490 §3.2): a rule's folder need not exist yet.
        requires.extend(["fileinto", "mailbox"]);
    }
    if filters.rules.iter().any(|rule| rule.mark_read) {
        requires.push("imap4flags");
    }
    let reply = &filters.out_of_office;
    if reply.enabled {
        requires.push("vacation");
        if reply.from_date.is_some() || reply.to_date.is_some() {
            requires.extend(["date", "relational"]);
        }
    }
    requires
}

/// `if <field> contains <text> { fileinto; stop; }`: the first matching rule decides.
fn rule_text(rule: &Rule) -> String {
    // RFC 5228 §5.7: `header` compares decoded values (RFC 2047 words), with `i;ascii-casemap` by default.
    let fields = match rule.field {
        Field::From => quote("from"),
        Field::To => format!("[{}, {}]", quote("to"), quote("cc")),
        Field::Subject => quote("subject"),
    };
    let flags = if rule.mark_read { format!(" :flags {}", quote("\\Seen")) } else { String::new() };
    format!(
        "if header :contains {fields} {} {{\r\n    fileinto :create{flags} {};\r\n    stop;\r\n}}\r\n",
        quote(&rule.contains),
        quote(&rule.folder)
    )
}

/// RFC 5230 `vacation`, inside the date window when there is one (RFC 5260 `currentdate`, compared in UTC as
/// ISO 8601 text, which orders like time).
fn out_of_office(reply: &OutOfOffice) -> String {
    let window: Vec<String> = [("ge", reply.from_date), ("lt", reply.to_date)]
        .into_iter()
        .filter_map(|(relation, date)| {
            date.map(|date| {
                format!(
                    "currentdate :zone \"+0000\" :value {} \"iso8601\" {}",
                    quote(relation),
                    quote(&rfc3339_utc(date))
                )
            })
        })
        .collect();
    let mut action = format!("vacation :days {REPLY_PERIOD_DAYS}");
    if let Some(subject) = reply.subject.as_deref().filter(|subject| !subject.trim().is_empty()) {
        action.push_str(&format!(" :subject {}", quote(subject)));
    }
    match reply.html_body.as_deref().filter(|html| !html.trim().is_empty()) {
        Some(html) => {
            action.push_str(&format!(" :mime {};\r\n", quote(&mime_reason(reply.text_body.as_deref(), html))))
        }
        None => action.push_str(&format!(" {};\r\n", quote(reply.text_body.as_deref().unwrap_or_default()))),
    }
    match window.len() {
        0 => action,
        1 => format!("if {} {{\r\n    {action}}}\r\n", window[0]),
        _ => format!("if allof ({}) {{\r\n    {action}}}\r\n", window.join(", ")),
    }
}

/// RFC 5230 §4.7 `:mime`: the reason is a MIME entity; with HTML, the text and HTML as alternatives.
fn mime_reason(text: Option<&str>, html: &str) -> String {
    let html_part = MimePart::new("text/html", html.to_owned());
    let entity = match text.filter(|text| !text.trim().is_empty()) {
        Some(text) => {
            MimePart::new("multipart/alternative", vec![MimePart::new("text/plain", text.to_owned()), html_part])
        }
        None => html_part,
    };
    let mut out = Vec::new();
    entity.write_part(&mut out);
    // mail-builder writes ASCII (its encodings are quoted-printable and base64).
    String::from_utf8_lossy(&out).into_owned()
}

/// A Sieve quoted string (RFC 5228 §2.4.2): `"` and `\` escaped, everything else as it is.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}
