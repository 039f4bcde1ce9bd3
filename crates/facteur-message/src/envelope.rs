//! The ENVELOPE of RFC 9051 §7.5.2 (RFC 3501 §7.4.2), computed from raw header fields.

use serde::{Deserialize, Serialize};

use crate::address::{Address, parse_address_list};
use crate::header::{first_value, header_fields};

/// ENVELOPE data of one message (top-level or encapsulated in message/rfc822).
///
/// Strings are the raw header values, unfolded but not decoded: IMAP sends
/// RFC 2047 encoded-words as they are and clients decode them. `None` is NIL: the
/// field is absent. Address lists use an empty `Vec` for NIL. When a field occurs
/// more than once, the first occurrence counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Envelope {
    pub date: Option<String>,
    pub subject: Option<String>,
    pub from: Vec<Address>,
    /// Defaults to `from` when absent or empty (RFC 9051 §7.5.2).
    pub sender: Vec<Address>,
    /// Defaults to `from` when absent or empty (RFC 9051 §7.5.2).
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
}

impl Envelope {
    /// Builds the envelope from a message's header block.
    pub fn from_header_block(header_block: &[u8]) -> Self {
        let from = addresses(header_block, "From");
        let sender = or_from(addresses(header_block, "Sender"), &from);
        let reply_to = or_from(addresses(header_block, "Reply-To"), &from);
        Envelope {
            date: first_value(header_block, "Date"),
            subject: first_value(header_block, "Subject"),
            sender,
            reply_to,
            to: addresses(header_block, "To"),
            cc: addresses(header_block, "Cc"),
            bcc: addresses(header_block, "Bcc"),
            in_reply_to: first_value(header_block, "In-Reply-To"),
            message_id: first_value(header_block, "Message-ID"),
            from,
        }
    }
}

fn addresses(header_block: &[u8], name: &str) -> Vec<Address> {
    header_fields(header_block)
        .find(|field| field.name_is(name))
        .map(|field| parse_address_list(field.value))
        .unwrap_or_default()
}

fn or_from(list: Vec<Address>, from: &[Address]) -> Vec<Address> {
    if list.is_empty() { from.to_vec() } else { list }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_are_none_and_sender_defaults_to_from() {
        let env = Envelope::from_header_block(b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\nFrom: user@domain\r\n\r\n");
        assert_eq!(env.date.as_deref(), Some("Thu, 15 Feb 2007 01:02:03 +0200"));
        assert_eq!(env.subject, None);
        assert_eq!(env.from.len(), 1);
        assert_eq!(env.sender, env.from);
        assert_eq!(env.reply_to, env.from);
        assert!(env.to.is_empty());
        assert_eq!(env.message_id, None);
    }

    #[test]
    fn folded_subject_is_unfolded_but_not_decoded() {
        let env = Envelope::from_header_block(b"Subject: =?utf-8?q?caf=C3=A9?=\r\n  and more\r\n\r\n");
        assert_eq!(env.subject.as_deref(), Some("=?utf-8?q?caf=C3=A9?=  and more"));
    }

    #[test]
    fn first_occurrence_wins() {
        let env = Envelope::from_header_block(b"Subject: one\nSubject: two\n\n");
        assert_eq!(env.subject.as_deref(), Some("one"));
    }
}
