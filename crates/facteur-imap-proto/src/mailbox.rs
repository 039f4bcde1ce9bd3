//! Mailbox names and LIST patterns, decoded from the wire encoding the session uses.

use std::borrow::Cow;
use std::fmt;

use crate::mutf7::{self, Utf7Error};

/// How mailbox names travel on this connection.
///
/// IMAP4rev1 uses modified UTF-7 (RFC 3501 §5.1.3); once the client enables IMAP4rev2
/// (RFC 9051 §5.1) or UTF8=ACCEPT (RFC 6855 §3) names are plain UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameEncoding {
    #[default]
    ModifiedUtf7,
    Utf8,
}

impl NameEncoding {
    /// Decodes a name as received into UTF-8.
    pub fn decode(self, raw: &[u8]) -> Result<String, Utf7Error> {
        match self {
            NameEncoding::ModifiedUtf7 => mutf7::decode(raw),
            NameEncoding::Utf8 => std::str::from_utf8(raw).map(str::to_owned).map_err(|_| Utf7Error::NotUtf8),
        }
    }

    /// Encodes a UTF-8 name for the wire.
    pub fn encode(self, name: &str) -> Cow<'_, str> {
        match self {
            NameEncoding::ModifiedUtf7 if !name.is_ascii() || name.contains('&') => Cow::Owned(mutf7::encode(name)),
            _ => Cow::Borrowed(name),
        }
    }
}

/// A mailbox name in UTF-8. `INBOX` in any case is stored as `INBOX`
/// (RFC 9051 §5.1: "the case-insensitive mailbox name INBOX is a special name").
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxName(String);

impl MailboxName {
    /// Wraps a decoded name, normalising INBOX.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        if name.eq_ignore_ascii_case("INBOX") { MailboxName("INBOX".to_owned()) } else { MailboxName(name) }
    }

    /// The name in UTF-8.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the INBOX.
    pub fn is_inbox(&self) -> bool {
        self.0 == "INBOX"
    }
}

impl fmt::Debug for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A LIST/LSUB pattern or reference in UTF-8, wildcards `*` and `%` kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPattern(pub String);
