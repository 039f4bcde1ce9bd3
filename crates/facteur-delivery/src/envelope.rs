//! A message's envelope as delivery needs it, whatever took the message: an SMTP session, a report of our
//! own, and (next) a JMAP submission. Addresses are already checked and resolved by then.

use facteur_primitives::Address;
use facteur_store::{Notify, RecipientLookup, Resolution, Ret, Store, StoreError};

/// Sender and recipients of one message on its way to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Without brackets; empty for the null reverse-path `<>` (bounces and other reports, RFC 5321 §4.5.5).
    pub return_path: String,
    /// DSN `ENVID` (RFC 3461 §4.4), in xtext.
    pub envid: Option<String>,
    /// DSN `RET` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    /// `REQUIRETLS` (RFC 8689): onward only over verified TLS to servers that offer REQUIRETLS.
    pub require_tls: bool,
    pub recipients: Vec<Recipient>,
}

/// One recipient and where its copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// As the sender wrote it (`local@domain`).
    pub address: String,
    pub destination: Destination,
    /// DSN `NOTIFY` (RFC 3461 §4.1).
    pub notify: Notify,
    /// DSN `ORCPT` (RFC 3461 §4.2), `rfc822;` + xtext, as it would be sent on.
    pub orcpt: Option<String>,
}

/// Where one recipient's copy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// One of our addresses, as the store resolved it: local accounts, and remote addresses an alias
    /// forwards to.
    Local(Resolution),
    /// Another domain: the outbound queue.
    Remote,
}

/// Why a recipient address could not be resolved.
#[derive(Debug)]
pub enum Unresolved {
    /// Not an address.
    Invalid(String),
    /// One of our domains, but nobody has the address.
    Unknown(String),
    Store(StoreError),
}

/// Each address resolved as SMTP's RCPT resolves it (one of ours: who gets it; any other: the queue), with the
/// default DSN requests (failures and delays, RFC 3461 §4.1). For faces that name recipients without an SMTP
/// dialogue: JMAP's EmailSubmission, automatic replies.
pub async fn resolve_recipients(store: &dyn Store, addresses: &[String]) -> Result<Vec<Recipient>, Unresolved> {
    let mut resolved = Vec::with_capacity(addresses.len());
    for address in addresses {
        let parsed = Address::parse(address).map_err(|_| Unresolved::Invalid(address.clone()))?;
        let destination = match store.lookup_recipient(&parsed.to_string()).await.map_err(Unresolved::Store)? {
            RecipientLookup::ForeignDomain => Destination::Remote,
            RecipientLookup::Unknown => return Err(Unresolved::Unknown(address.clone())),
            RecipientLookup::Local { resolution, .. } => Destination::Local(resolution),
        };
        resolved.push(Recipient { address: address.clone(), destination, notify: Notify::default(), orcpt: None });
    }
    Ok(resolved)
}

/// `Return-Path: <…>`, which RFC 5321 §4.4 has the final delivery put at the very top of the message.
pub fn return_path_header(return_path: &str) -> String {
    format!("Return-Path: <{return_path}>\r\n")
}

/// RFC 3461 §4 xtext: printable ASCII except `+` and `=` as is, every other octet as `+XX`.
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
    fn return_path_of_the_null_sender_is_empty_brackets() {
        assert_eq!(return_path_header(""), "Return-Path: <>\r\n");
        assert_eq!(return_path_header("a@b.example"), "Return-Path: <a@b.example>\r\n");
    }
}
