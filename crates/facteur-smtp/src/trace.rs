//! Trace information (RFC 5321 §4.4): the `Received:` line every message gets, the `Return-Path:` added at
//! final delivery, and the transaction id that ties them to our logs.

use std::fmt;
use std::net::IpAddr;

use ring::rand::{SecureRandom, SystemRandom};

use crate::envelope::ReversePath;

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

/// `Return-Path: <sender>` (RFC 5321 §4.4), added only at final delivery.
pub fn return_path_header(sender: &ReversePath) -> String {
    format!("Return-Path: {}\r\n", sender.bracketed())
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

/// RFC 5322 §3.3 date-time in UTC: `Tue, 1 Jul 2025 12:34:56 +0000`.
pub fn rfc5322_date(unix_seconds: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1) as usize];
    format!(
        "{weekday}, {day} {month_name} {year} {:02}:{:02}:{:02} +0000",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Days since 1970-01-01 to (year, month 1–12, day 1–31) in the proleptic Gregorian calendar, counting
/// in 400-year eras that start on 1 March so the leap day falls at the end of each year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_formatted_as_rfc5322_utc() {
        assert_eq!(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc5322_date(1_751_373_296), "Tue, 1 Jul 2025 12:34:56 +0000");
        assert_eq!(rfc5322_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 +0000");
    }

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
    fn return_path_shows_the_null_sender_as_empty_brackets() {
        assert_eq!(return_path_header(&ReversePath::Null), "Return-Path: <>\r\n");
    }

    #[test]
    fn transaction_ids_differ() {
        assert_ne!(TransactionId::generate(), TransactionId::generate());
    }
}
