//! Trace information (RFC 5321 §4.4): the `Received:` line every message gets, the `Return-Path:` added at
//! final delivery, and the transaction id that ties them to our logs.

use std::fmt;
use std::net::IpAddr;

use facteur_primitives::rfc5322_date;
use ring::rand::{SecureRandom, SystemRandom};

/// Names one accepted transaction in `Received: … id`, in the `250` reply and in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionId(String);

impl TransactionId {
    /// 16 random hex digits: unique enough to find one message in the logs, and not guessable.
    pub fn generate() -> TransactionId {
        let mut bytes = [0u8; 8];
        // The system generator does not fail on the platforms we run on; if it did, a fixed id would still
        // be a valid trace field, only a less useful one.
        let _ = SystemRandom::new().fill(&mut bytes);
        TransactionId(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the `Received:` line records about how the message came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFacts<'a> {
    /// The HELO/EHLO argument, as the client gave it (sanitised here).
    pub helo: &'a str,
    pub peer: IpAddr,
    pub hostname: &'a str,
    pub extended: bool,
    pub tls: bool,
    pub authenticated: bool,
    pub smtputf8: bool,
    pub id: &'a TransactionId,
    /// Unix seconds.
    pub now: i64,
}

/// The `with` protocol (RFC 3848 for the S and A suffixes, RFC 6531 §3.7.3 for UTF8SMTP).
pub fn protocol(extended: bool, tls: bool, authenticated: bool, smtputf8: bool) -> &'static str {
    match (smtputf8, extended || tls || authenticated, tls, authenticated) {
        (true, _, false, false) => "UTF8SMTP",
        (true, _, true, false) => "UTF8SMTPS",
        (true, _, false, true) => "UTF8SMTPA",
        (true, _, true, true) => "UTF8SMTPSA",
        (false, false, _, _) => "SMTP",
        (false, true, false, false) => "ESMTP",
        (false, true, true, false) => "ESMTPS",
        (false, true, false, true) => "ESMTPA",
        (false, true, true, true) => "ESMTPSA",
    }
}

/// `Received: from helo ([ip]) by host with PROTO id ID; date`, folded, CRLF-terminated.
pub fn received_header(facts: &ReceivedFacts<'_>) -> String {
    format!(
        "Received: from {} ({})\r\n\tby {} with {} id {};\r\n\t{}\r\n",
        sanitize_helo(facts.helo),
        address_literal(facts.peer),
        facts.hostname,
        protocol(facts.extended, facts.tls, facts.authenticated, facts.smtputf8),
        facts.id,
        rfc5322_date(facts.now),
    )
}

/// RFC 5321 §4.1.3 address literal: `[192.0.2.1]`, `[IPv6:2001:db8::1]`.
fn address_literal(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("[{v4}]"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("[{v4}]"),
            None => format!("[IPv6:{v6}]"),
        },
    }
}

/// The HELO name is whatever the client typed; in a header it must not be able to close the comment, end
/// the clause with `;` or smuggle a line break, so anything but domain and literal characters becomes `_`.
fn sanitize_helo(helo: &str) -> String {
    let cleaned: String = helo
        .chars()
        .take(255)
        .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']') { c } else { '_' })
        .collect();
    if cleaned.is_empty() { "unknown".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_follow_rfc3848_and_rfc6531() {
        assert_eq!(protocol(false, false, false, false), "SMTP");
        assert_eq!(protocol(true, false, false, false), "ESMTP");
        assert_eq!(protocol(true, true, false, false), "ESMTPS");
        assert_eq!(protocol(true, false, true, false), "ESMTPA");
        assert_eq!(protocol(true, true, true, false), "ESMTPSA");
        assert_eq!(protocol(true, true, true, true), "UTF8SMTPSA");
    }

    #[test]
    fn received_header_records_helo_ip_protocol_id_and_date() {
        let id = TransactionId("0123456789abcdef".into());
        let facts = ReceivedFacts {
            helo: "client.example",
            peer: "192.0.2.7".parse().unwrap(),
            hostname: "mx.example.com",
            extended: true,
            tls: true,
            authenticated: false,
            smtputf8: false,
            id: &id,
            now: 0,
        };
        assert_eq!(
            received_header(&facts),
            "Received: from client.example ([192.0.2.7])\r\n\tby mx.example.com with ESMTPS id 0123456789abcdef;\r\n\tThu, 1 Jan 1970 00:00:00 +0000\r\n"
        );
    }

    #[test]
    fn hostile_helo_names_cannot_break_the_header() {
        assert_eq!(sanitize_helo("evil);\r\nX-Injected: yes"), "evil____X-Injected:_yes");
        assert_eq!(sanitize_helo(""), "unknown");
        assert_eq!(address_literal("2001:db8::1".parse().unwrap()), "[IPv6:2001:db8::1]");
    }

    #[test]
    fn transaction_ids_differ() {
        assert_ne!(TransactionId::generate(), TransactionId::generate());
    }
}
