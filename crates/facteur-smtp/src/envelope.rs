//! The envelope of one mail transaction (RFC 5321 §2.3.1): sender, recipients, and their ESMTP parameters.

use facteur_mailauth::SpfOutcome;
use facteur_store::{Notify, Resolution, Ret};

use crate::address::Mailbox;

/// `MAIL FROM`'s reverse-path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversePath {
    /// `<>`: bounces and other notifications (RFC 5321 §4.5.5).
    Null,
    Mailbox(Mailbox),
}

impl ReversePath {
    /// `<local@domain>` or `<>`, for `Return-Path:` and logs.
    pub fn bracketed(&self) -> String {
        match self {
            ReversePath::Null => "<>".to_owned(),
            ReversePath::Mailbox(mailbox) => format!("<{mailbox}>"),
        }
    }

    /// Without brackets; empty for the null path (the queue's convention).
    pub fn address(&self) -> String {
        match self {
            ReversePath::Null => String::new(),
            ReversePath::Mailbox(mailbox) => mailbox.to_string(),
        }
    }
}

/// Where one accepted recipient's copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// One of our addresses, as the store resolved it at RCPT time: local accounts, and remote addresses
    /// an alias forwards to.
    Local(Resolution),
    /// Another domain (authenticated submission only): the outbound queue.
    Remote,
}

/// One accepted `RCPT TO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub mailbox: Mailbox,
    pub destination: Destination,
    /// DSN `NOTIFY` (RFC 3461 §4.1).
    pub notify: Notify,
    /// DSN `ORCPT` (RFC 3461 §4.2), `rfc822;` + xtext, as it would be sent on.
    pub orcpt: Option<String>,
}

/// Body type declared with `BODY=` (RFC 6152); `BINARYMIME` is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyType {
    #[default]
    SevenBit,
    EightBitMime,
}

/// Sender, parameters and recipients of the current transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub sender: ReversePath,
    pub body_type: BodyType,
    /// The `SMTPUTF8` parameter (RFC 6531 §3.4): UTF-8 addresses and header fields are allowed.
    pub smtputf8: bool,
    /// `SIZE=` (RFC 1870), if given.
    pub declared_size: Option<u64>,
    /// DSN `ENVID` (RFC 3461 §4.4), in xtext.
    pub envid: Option<String>,
    /// DSN `RET` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    pub recipients: Vec<Recipient>,
    /// SPF as evaluated at MAIL FROM on the MX face (RFC 7208 §2.4), for DMARC at the end of DATA.
    pub spf: Option<SpfOutcome>,
}

impl Envelope {
    pub fn new(sender: ReversePath) -> Envelope {
        Envelope {
            sender,
            body_type: BodyType::SevenBit,
            smtputf8: false,
            declared_size: None,
            envid: None,
            ret: None,
            recipients: Vec::new(),
            spf: None,
        }
    }

    /// Whether 8-bit octets may appear in the content: declared with `BODY=8BITMIME`, or implied by
    /// `SMTPUTF8` (RFC 6531 §3.4 makes 8BITMIME a prerequisite of SMTPUTF8 and allows UTF-8 headers).
    pub fn allows_8bit(&self) -> bool {
        self.body_type == BodyType::EightBitMime || self.smtputf8
    }

    /// Whether `mailbox` is already a recipient (compared as the store compares, case-insensitively).
    pub fn has_recipient(&self, mailbox: &Mailbox) -> bool {
        let wanted = mailbox.normalized();
        self.recipients.iter().any(|recipient| recipient.mailbox.normalized() == wanted)
    }
}

/// xtext (RFC 3461 §4): `+XX` for `+`, `=`, and octets outside `!`..`~`.
pub fn xtext_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if (b'!'..=b'~').contains(&byte) && byte != b'+' && byte != b'=' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("+{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xtext_encodes_plus_equals_and_non_printables() {
        assert_eq!(xtext_encode("a+b=c d@x"), "a+2Bb+3Dc+20d@x");
        assert_eq!(xtext_encode("é"), "+C3+A9");
    }

    #[test]
    fn smtputf8_implies_8bit_content() {
        let mut envelope = Envelope::new(ReversePath::Null);
        assert!(!envelope.allows_8bit());
        envelope.smtputf8 = true;
        assert!(envelope.allows_8bit());
    }
}
