//! The envelope of one mail transaction (RFC 5321 §2.3.1): sender, recipients, and their ESMTP parameters.

pub use facteur_delivery::{Destination, xtext_encode};
use facteur_mailauth::SpfOutcome;
use facteur_store::{Notify, Ret};

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
    /// `REQUIRETLS` (RFC 8689 §4): given only on a TLS session, kept with the message as it travels on.
    pub require_tls: bool,
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
            require_tls: false,
            recipients: Vec::new(),
            spf: None,
        }
    }

    /// Whether 8-bit octets may appear in the content: declared with `BODY=8BITMIME`, or implied by
    /// `SMTPUTF8` (RFC 6531 §3.4 makes 8BITMIME a prerequisite of SMTPUTF8 and allows UTF-8 headers).
    pub fn allows_8bit(&self) -> bool {
        self.body_type == BodyType::EightBitMime || self.smtputf8
    }

    /// What delivery needs of this envelope: addresses as written, destinations as RCPT resolved them.
    pub fn for_delivery(&self) -> facteur_delivery::Envelope {
        facteur_delivery::Envelope {
            return_path: self.sender.address(),
            envid: self.envid.clone(),
            ret: self.ret,
            require_tls: self.require_tls,
            recipients: self
                .recipients
                .iter()
                .map(|recipient| facteur_delivery::Recipient {
                    address: recipient.mailbox.to_string(),
                    destination: recipient.destination.clone(),
                    notify: recipient.notify,
                    orcpt: recipient.orcpt.clone(),
                })
                .collect(),
        }
    }

    /// Whether `mailbox` is already a recipient (compared as the store compares, case-insensitively).
    pub fn has_recipient(&self, mailbox: &Mailbox) -> bool {
        let wanted = mailbox.normalized();
        self.recipients.iter().any(|recipient| recipient.mailbox.normalized() == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtputf8_implies_8bit_content() {
        let mut envelope = Envelope::new(ReversePath::Null);
        assert!(!envelope.allows_8bit());
        envelope.smtputf8 = true;
        assert!(envelope.allows_8bit());
    }
}
