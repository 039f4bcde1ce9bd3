//! Delivery status notifications (RFC 3464, requested per RFC 3461): a `multipart/report` with a part in
//! plain words for the person, a `message/delivery-status` part for software, and the original message's
//! header (or, with `RET=FULL`, the whole message) so the sender recognises what failed.
//!
//! A DSN is sent from the null reverse-path (RFC 5321 §4.5.5) so that it can never cause another one, and
//! never to the null reverse-path: the caller checks that (see the engine).

use std::borrow::Cow;

use facteur_store::Ret;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};

use crate::reply::enhanced_status;
use facteur_primitives::rfc5322_date;

/// RFC 3464 §2.3.3 `Action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Failed,
    Delayed,
    /// Handed to a server that was not asked to report further (RFC 3461 §4.1 on relaying).
    Relayed,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Relayed => "relayed",
        }
    }

    /// The status code to report when the reply carried none (RFC 3463 §3.1, "other or undefined").
    fn default_status(self) -> &'static str {
        match self {
            Action::Failed => "5.0.0",
            Action::Delayed => "4.0.0",
            Action::Relayed => "2.0.0",
        }
    }
}

/// One recipient the report is about.
#[derive(Debug, Clone)]
pub struct ReportedRecipient<'a> {
    pub address: &'a str,
    /// `ORCPT` as received (`rfc822;alice@example.com`).
    pub orcpt: Option<&'a str>,
    pub action: Action,
    /// The remote reply or our own explanation, e.g. `550 5.1.1 no such user`.
    pub diagnostic: Option<&'a str>,
}

/// Everything a report needs.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// Our host name: `Reporting-MTA` and the `From:` address's domain.
    pub reporting_mta: &'a str,
    /// The envelope sender of the original message, to whom the report goes.
    pub to: &'a str,
    pub envid: Option<&'a str>,
    /// Unix seconds the original was queued.
    pub arrival: i64,
    /// Unix seconds, for `Date:` and `Last-Attempt-Date`.
    pub now: i64,
    /// For delay reports: when we will give up (unix seconds).
    pub retry_until: Option<i64>,
    pub ret: Option<Ret>,
    pub original: &'a [u8],
    pub recipients: Vec<ReportedRecipient<'a>>,
}

/// The report as a complete RFC 5322 message.
pub fn build_report(report: &Report<'_>) -> Vec<u8> {
    let action = report.recipients.first().map_or(Action::Failed, |recipient| recipient.action);
    let parts = vec![
        seven_bit("text/plain; charset=utf-8", human_explanation(report, action).into_bytes()),
        seven_bit("message/delivery-status", delivery_status(report).into_bytes()),
        original_part(report),
    ];
    let content_type = ContentType::new("multipart/report").attribute("report-type", "delivery-status");
    let message = MessageBuilder::new()
        .from(Address::new_address(Some("Mail Delivery System"), format!("MAILER-DAEMON@{}", report.reporting_mta)))
        .to(Address::new_address(None::<&str>, report.to.to_owned()))
        .subject(subject(action))
        .header("Date", Raw::new(rfc5322_date(report.now)))
        // RFC 3834 §5: an automatic message, which auto-responders must not answer.
        .header("Auto-Submitted", Raw::new("auto-replied"))
        .body(MimePart::new(content_type, BodyPart::Multipart(parts)));
    message.write_to_vec().unwrap_or_default()
}

fn subject(action: Action) -> &'static str {
    match action {
        Action::Failed => "Undelivered mail returned to sender",
        Action::Delayed => "Delayed mail (still being retried)",
        Action::Relayed => "Successful mail delivery report",
    }
}

fn seven_bit(content_type: &'static str, body: Vec<u8>) -> MimePart<'static> {
    let mut part = MimePart::raw(BodyPart::Binary(Cow::Owned(body)));
    part.headers.push(("Content-Type".into(), Raw::new(content_type).into()));
    // A transfer encoding given makes mail-builder write the body as it is (our text is short 7-bit lines).
    part.headers.push(("Content-Transfer-Encoding".into(), Raw::new("7bit").into()));
    part
}

fn human_explanation(report: &Report<'_>, action: Action) -> String {
    let mut text = String::new();
    text.push_str(match action {
        Action::Failed => {
            "Your message could not be delivered to the recipients below. This is permanent:\r\n\
                           the mail server will not try again.\r\n"
        }
        Action::Delayed => {
            "Your message has not been delivered yet to the recipients below. The mail server\r\n\
                            keeps trying; you do not need to send it again.\r\n"
        }
        Action::Relayed => "Your message was handed over to the mail server of the recipients below.\r\n",
    });
    if let Some(until) = report.retry_until.filter(|_| action == Action::Delayed) {
        text.push_str(&format!("It will give up on {}.\r\n", rfc5322_date(until)));
    }
    text.push_str("\r\n");
    for recipient in &report.recipients {
        text.push_str(&format!("  <{}>\r\n", recipient.address));
        if let Some(diagnostic) = recipient.diagnostic {
            text.push_str(&format!("    The server said: {}\r\n", one_line(diagnostic)));
        }
    }
    text
}

/// The `message/delivery-status` body (RFC 3464 §2.2, §2.3).
fn delivery_status(report: &Report<'_>) -> String {
    let mut fields = format!("Reporting-MTA: dns; {}\r\n", report.reporting_mta);
    if let Some(envid) = report.envid {
        fields.push_str(&format!("Original-Envelope-Id: {}\r\n", one_line(envid)));
    }
    fields.push_str(&format!("Arrival-Date: {}\r\n", rfc5322_date(report.arrival)));
    for recipient in &report.recipients {
        fields.push_str("\r\n");
        if let Some(orcpt) = recipient.orcpt {
            fields.push_str(&format!("Original-Recipient: {}\r\n", one_line(orcpt)));
        }
        fields.push_str(&format!("Final-Recipient: rfc822; {}\r\n", recipient.address));
        fields.push_str(&format!("Action: {}\r\n", recipient.action.as_str()));
        fields.push_str(&format!("Status: {}\r\n", status_of(recipient)));
        if let Some(diagnostic) = recipient.diagnostic {
            fields.push_str(&format!("Diagnostic-Code: smtp; {}\r\n", one_line(diagnostic)));
        }
        fields.push_str(&format!("Last-Attempt-Date: {}\r\n", rfc5322_date(report.now)));
        if let (Action::Delayed, Some(until)) = (recipient.action, report.retry_until) {
            fields.push_str(&format!("Will-Retry-Until: {}\r\n", rfc5322_date(until)));
        }
    }
    fields
}

/// The enhanced status code of the diagnostic if it has one of the right class, else a generic one.
fn status_of(recipient: &ReportedRecipient<'_>) -> String {
    let wanted_class = match recipient.action {
        Action::Failed => 5,
        Action::Delayed => 4,
        Action::Relayed => 2,
    };
    match recipient.diagnostic.and_then(enhanced_status) {
        Some((class, subject, detail)) if class == wanted_class => format!("{class}.{subject}.{detail}"),
        _ => recipient.action.default_status().to_owned(),
    }
}

/// RFC 3462: `text/rfc822-headers` unless the sender asked for the full message (RFC 3461 §4.3).
fn original_part(report: &Report<'_>) -> MimePart<'static> {
    let (content_type, bytes) = match report.ret {
        Some(Ret::Full) => ("message/rfc822", report.original),
        _ => ("text/rfc822-headers", header_block(report.original)),
    };
    let mut part = MimePart::raw(BodyPart::Binary(Cow::Owned(bytes.to_vec())));
    part.headers.push(("Content-Type".into(), Raw::new(content_type).into()));
    let encoding = if bytes.is_ascii() { "7bit" } else { "8bit" };
    part.headers.push(("Content-Transfer-Encoding".into(), Raw::new(encoding).into()));
    part
}

/// The header section of a message, with its final line end but not the empty line.
fn header_block(message: &[u8]) -> &[u8] {
    let crlf = message.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 2);
    let lf = message.windows(2).position(|w| w == b"\n\n").map(|at| at + 1);
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => message.len(),
    };
    &message[..end]
}

/// A value safe inside a header field: no line breaks (a remote reply must not inject fields).
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use mail_parser::{MessageParser, MimeHeaders};

    use super::*;

    const ORIGINAL: &[u8] = b"From: alice@a.test\r\nTo: bob@b.test\r\nSubject: lunch?\r\n\r\nSecret body.\r\n";

    fn failure(ret: Option<Ret>) -> Vec<u8> {
        build_report(&Report {
            reporting_mta: "mx.a.test",
            to: "alice@a.test",
            envid: Some("QQ314159"),
            arrival: 1_700_000_000,
            now: 1_700_000_100,
            retry_until: None,
            ret,
            original: ORIGINAL,
            recipients: vec![ReportedRecipient {
                address: "bob@b.test",
                orcpt: Some("rfc822;bob@b.test"),
                action: Action::Failed,
                diagnostic: Some("550 5.1.1 no such user\r\nInjected: yes"),
            }],
        })
    }

    #[test]
    fn failure_report_is_a_three_part_multipart_report() {
        let bytes = failure(None);
        let message = MessageParser::default().parse(&bytes).unwrap();
        let content_type = message.content_type().unwrap();
        assert_eq!(content_type.ctype(), "multipart");
        assert_eq!(content_type.subtype(), Some("report"));
        assert_eq!(content_type.attribute("report-type"), Some("delivery-status"));
        assert_eq!(message.parts.len(), 4, "the container and three parts");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("From: \"Mail Delivery System\" <MAILER-DAEMON@mx.a.test>"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-replied"));
    }

    #[test]
    fn delivery_status_names_recipient_action_status_and_diagnostic() {
        let bytes = failure(None);
        let text = String::from_utf8_lossy(&bytes);
        for field in [
            "Content-Type: message/delivery-status",
            "Reporting-MTA: dns; mx.a.test",
            "Original-Envelope-Id: QQ314159",
            "Original-Recipient: rfc822;bob@b.test",
            "Final-Recipient: rfc822; bob@b.test",
            "Action: failed",
            "Status: 5.1.1",
            "Diagnostic-Code: smtp; 550 5.1.1 no such user  Injected: yes",
        ] {
            assert!(text.contains(field), "missing {field:?} in\n{text}");
        }
        assert!(!text.contains("\nInjected: yes"), "a reply must not add header fields");
    }

    #[test]
    fn headers_only_unless_ret_full() {
        let headers_only = String::from_utf8_lossy(&failure(None)).into_owned();
        assert!(headers_only.contains("Content-Type: text/rfc822-headers"));
        assert!(headers_only.contains("Subject: lunch?"));
        assert!(!headers_only.contains("Secret body."));
        let full = String::from_utf8_lossy(&failure(Some(Ret::Full))).into_owned();
        assert!(full.contains("Content-Type: message/rfc822"));
        assert!(full.contains("Secret body."));
    }

    #[test]
    fn status_falls_back_to_the_action_class_when_the_reply_has_none_or_another() {
        let recipient = |action, diagnostic| ReportedRecipient { address: "b@b.test", orcpt: None, action, diagnostic };
        assert_eq!(status_of(&recipient(Action::Failed, Some("550 no"))), "5.0.0");
        assert_eq!(status_of(&recipient(Action::Delayed, Some("451 4.3.0 later"))), "4.3.0");
        assert_eq!(status_of(&recipient(Action::Failed, Some("451 4.3.0 expired"))), "5.0.0");
        assert_eq!(status_of(&recipient(Action::Relayed, None)), "2.0.0");
    }
}
