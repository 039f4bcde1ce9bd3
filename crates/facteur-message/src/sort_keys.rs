//! Decoded header values that SEARCH and SORT compare (RFC 5256, RFC 5957,
//! RFC 9051 §6.4.4), computed once so that neither has to open the blob.
//!
//! These are for comparing, not for sending: unlike ENVELOPE they are decoded
//! (RFC 2047 encoded-words, dates), which is what mail-parser does well.

use mail_parser::{Addr, DateTime, Message, MessageParser};
use serde::{Deserialize, Serialize};

/// Sort and search keys of one message; each is `None` when its header is absent
/// or unusable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SortKeys {
    /// The `Date` header as Unix time, UTC (SORT DATE, RFC 5256 §3; the server
    /// falls back to INTERNALDATE when this is `None`).
    pub date: Option<i64>,
    /// The calendar day of the `Date` header in its own time zone, as days since
    /// 1970-01-01: SENTBEFORE/SENTON/SENTSINCE disregard time and zone
    /// (RFC 9051 §6.4.4).
    pub sent_day: Option<i64>,
    /// The `Subject`, RFC 2047-decoded. Base-subject extraction (RFC 5256 §2.1)
    /// is left to SORT/THREAD.
    pub subject: Option<String>,
    /// First address of `From` (SORT FROM, DISPLAYFROM).
    pub from: Option<SortAddress>,
    /// First address of `To` (SORT TO, DISPLAYTO).
    pub to: Option<SortAddress>,
    /// First address of `Cc` (SORT CC).
    pub cc: Option<SortAddress>,
}

/// The two ways SORT looks at an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SortAddress {
    /// The local part (RFC 5256 §3 "addr-mailbox").
    pub mailbox: String,
    /// Decoded display name, or the address when there is none (RFC 5957 §2).
    pub display: String,
}

impl SortKeys {
    /// Keys of the message whose header block is `header_block`.
    pub fn from_header_block(header_block: &[u8]) -> Self {
        let Some(message) = MessageParser::new().parse_headers(header_block) else {
            return SortKeys::default();
        };
        let date = message.date().filter(|d| d.is_valid());
        SortKeys {
            date: date.map(DateTime::to_timestamp),
            sent_day: date.map(|d| d.to_timestamp_local().div_euclid(86_400)),
            subject: message.subject().map(str::to_owned),
            from: first_address(&message, Message::from),
            to: first_address(&message, Message::to),
            cc: first_address(&message, Message::cc),
        }
    }
}

fn first_address<'a>(
    message: &'a Message<'a>,
    field: fn(&'a Message<'a>) -> Option<&'a mail_parser::Address<'a>>,
) -> Option<SortAddress> {
    match field(message)? {
        mail_parser::Address::List(list) => list.first().and_then(sort_address),
        mail_parser::Address::Group(groups) => {
            let group = groups.first()?;
            match group.name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
                // RFC 5256 §3 takes the first address as ENVELOPE has it: for a group, its start marker, whose
                // mailbox is the group name (and so is its display, RFC 5957 §2).
                Some(name) => Some(SortAddress { mailbox: name.to_owned(), display: name.to_owned() }),
                None => group.addresses.first().and_then(sort_address),
            }
        }
    }
}

fn sort_address(addr: &Addr<'_>) -> Option<SortAddress> {
    let address = addr.address().unwrap_or_default();
    let name = addr.name().map(str::trim).unwrap_or_default();
    if address.is_empty() && name.is_empty() {
        return None;
    }
    let mailbox = address.rsplit_once('@').map_or(address, |(local, _)| local);
    Some(SortAddress { mailbox: mailbox.to_owned(), display: if name.is_empty() { address } else { name }.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_subject_and_names_and_parses_the_date() {
        let keys = SortKeys::from_header_block(
            b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\n\
              Subject: =?utf-8?q?caf=C3=A9?=\r\n\
              From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\n\
              To: bare@example.org\r\n\r\n",
        );
        assert_eq!(keys.date, Some(1_171_494_123));
        // Local day is 15 Feb 2007 although UTC is still the 14th.
        assert_eq!(keys.sent_day, Some(13_559));
        assert_eq!(keys.subject.as_deref(), Some("café"));
        let from = keys.from.unwrap_or_default();
        assert_eq!(from.mailbox, "joerg");
        assert_eq!(from.display, "Jörg");
        assert_eq!(keys.to.map(|a| a.display).as_deref(), Some("bare@example.org"));
        assert_eq!(keys.cc, None);
    }

    #[test]
    fn unparseable_date_gives_no_key() {
        let keys = SortKeys::from_header_block(b"Date: yesterday-ish\r\n\r\n");
        assert_eq!(keys.date, None);
        assert_eq!(keys.sent_day, None);
    }
}
