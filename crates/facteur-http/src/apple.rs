//! An Apple configuration profile (`.mobileconfig`) that sets up Mail on iOS, iPadOS and macOS: one
//! `com.apple.mail.managed` payload with the incoming (IMAP, else POP3) and outgoing (submission) servers.
//!
//! The profile is unsigned (the device shows it as "Not Verified"; signing needs the certificate's key in
//! this process) and carries no password: the device asks for it at installation.

use std::io;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::address::EmailAddress;
use crate::discovery::{Discovery, Endpoint, MailProtocol};
use crate::refusal::Refusal;
use crate::site::{Site, parse_address, query_param};
use crate::xml::XmlDocument;

const PLIST_DOCTYPE: &str =
    r#"plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd""#;

/// `GET /apple/mail.mobileconfig?emailaddress=…`.
pub(crate) async fn serve(
    State(site): State<Arc<Site>>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    let email = query_param(&query, "emailaddress").ok_or(Refusal::BadRequest("emailaddress is missing\n"))?;
    let address = parse_address(email)?;
    site.domain_of_address(&address).await?;
    let profile = profile_document(&site.discovery, &address)?.ok_or(Refusal::NotOurs)?;
    let headers = [
        (CONTENT_TYPE, "application/x-apple-aspen-config"),
        (CONTENT_DISPOSITION, r#"attachment; filename="mail.mobileconfig""#),
    ];
    Ok((headers, profile).into_response())
}

/// A plist value, as much of the format as a profile needs.
enum Value<'a> {
    String(&'a str),
    Integer(u16),
    Bool(bool),
}

fn entry(document: &mut XmlDocument, key: &str, value: Value<'_>) -> io::Result<()> {
    document.text("key", key)?;
    match value {
        Value::String(text) => document.text("string", text),
        Value::Integer(number) => document.text("integer", &number.to_string()),
        Value::Bool(true) => document.empty("true"),
        Value::Bool(false) => document.empty("false"),
    }
}

/// `None` when there is nothing to configure (no incoming or no outgoing server published).
fn profile_document(discovery: &Discovery, address: &EmailAddress) -> io::Result<Option<String>> {
    let incoming = discovery.preferred(MailProtocol::Imap).or_else(|| discovery.preferred(MailProtocol::Pop3));
    let (Some(incoming), Some(outgoing)) = (incoming, discovery.preferred(MailProtocol::Submission)) else {
        return Ok(None);
    };
    let ids = ProfileIds::new(&discovery.hostname, address);
    let address = address.to_string();
    let mut document = XmlDocument::new()?;
    document.doctype(PLIST_DOCTYPE)?;
    document.element("plist", &[("version", "1.0")], |plist| {
        plist.element("dict", &[], |profile| {
            profile.text("key", "PayloadContent")?;
            profile.element("array", &[], |payloads| {
                payloads.element("dict", &[], |mail| {
                    mail_payload(mail, &discovery.hostname, &address, incoming, outgoing, &ids)
                })
            })?;
            entry(profile, "PayloadDisplayName", Value::String(&format!("Mail: {address}")))?;
            entry(profile, "PayloadIdentifier", Value::String(&ids.profile_identifier))?;
            entry(profile, "PayloadRemovalDisallowed", Value::Bool(false))?;
            entry(profile, "PayloadType", Value::String("Configuration"))?;
            entry(profile, "PayloadUUID", Value::String(&ids.profile_uuid))?;
            entry(profile, "PayloadVersion", Value::Integer(1))
        })
    })?;
    document.finish().map(Some)
}

fn mail_payload(
    mail: &mut XmlDocument,
    hostname: &str,
    address: &str,
    incoming: Endpoint,
    outgoing: Endpoint,
    ids: &ProfileIds,
) -> io::Result<()> {
    let account_type = match incoming.protocol {
        MailProtocol::Pop3 => "EmailTypePOP",
        MailProtocol::Imap | MailProtocol::Submission => "EmailTypeIMAP",
    };
    entry(mail, "EmailAccountDescription", Value::String(address))?;
    entry(mail, "EmailAccountType", Value::String(account_type))?;
    entry(mail, "EmailAddress", Value::String(address))?;
    entry(mail, "IncomingMailServerAuthentication", Value::String("EmailAuthPassword"))?;
    entry(mail, "IncomingMailServerHostName", Value::String(hostname))?;
    entry(mail, "IncomingMailServerPortNumber", Value::Integer(incoming.port))?;
    // "UseSSL" means TLS either way: implicit on 993/995, STARTTLS on 143/110 (Mail decides by port).
    entry(mail, "IncomingMailServerUseSSL", Value::Bool(true))?;
    entry(mail, "IncomingMailServerUsername", Value::String(address))?;
    entry(mail, "OutgoingMailServerAuthentication", Value::String("EmailAuthPassword"))?;
    entry(mail, "OutgoingMailServerHostName", Value::String(hostname))?;
    entry(mail, "OutgoingMailServerPortNumber", Value::Integer(outgoing.port))?;
    entry(mail, "OutgoingMailServerUseSSL", Value::Bool(true))?;
    entry(mail, "OutgoingMailServerUsername", Value::String(address))?;
    entry(mail, "OutgoingPasswordSameAsIncomingPassword", Value::Bool(true))?;
    entry(mail, "PayloadDisplayName", Value::String(address))?;
    entry(mail, "PayloadIdentifier", Value::String(&ids.mail_identifier))?;
    entry(mail, "PayloadType", Value::String("com.apple.mail.managed"))?;
    entry(mail, "PayloadUUID", Value::String(&ids.mail_uuid))?;
    entry(mail, "PayloadVersion", Value::Integer(1))
}

/// The profile's identifiers. They are derived from the server and the address, never random: installing
/// the profile again (a new download) then replaces the account instead of adding a second one.
struct ProfileIds {
    profile_identifier: String,
    profile_uuid: String,
    mail_identifier: String,
    mail_uuid: String,
}

impl ProfileIds {
    fn new(hostname: &str, address: &EmailAddress) -> ProfileIds {
        let address = address.to_string().to_lowercase();
        let reversed_host: Vec<&str> = hostname.rsplit('.').collect();
        let profile_uuid = stable_uuid(&[hostname, &address, "profile"]);
        let profile_identifier = format!("{}.facteur.mail.{profile_uuid}", reversed_host.join("."));
        ProfileIds {
            mail_identifier: format!("{profile_identifier}.account"),
            mail_uuid: stable_uuid(&[hostname, &address, "account"]),
            profile_identifier,
            profile_uuid,
        }
    }
}

/// A UUID from a 128-bit FNV-1a hash of `parts`, marked as version 8 (RFC 9562 §5.8: custom, here
/// name-based). Not a secret and not collision-resistant against someone trying: it only has to be stable.
fn stable_uuid(parts: &[&str]) -> String {
    const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET_BASIS;
    for part in parts {
        // 0xff never occurs in UTF-8, so ("ab", "c") and ("a", "bc") hash differently.
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash = (hash ^ u128::from(byte)).wrapping_mul(PRIME);
        }
    }
    let mut bytes = hash.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    let hex: String = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_distinct_and_well_formed() {
        let first = stable_uuid(&["mail.example.com", "a@example.com", "profile"]);
        assert_eq!(first, stable_uuid(&["mail.example.com", "a@example.com", "profile"]));
        assert_ne!(first, stable_uuid(&["mail.example.com", "b@example.com", "profile"]));
        assert_ne!(stable_uuid(&["ab", "c"]), stable_uuid(&["a", "bc"]));
        assert_eq!(first.len(), 36);
        assert_eq!(&first[14..15], "8");
        assert!(matches!(&first[19..20], "8" | "9" | "A" | "B"), "{first}");
    }

    #[test]
    fn address_case_does_not_change_the_identifiers() {
        let lower = ProfileIds::new("mail.example.com", &EmailAddress::parse("a@example.com").unwrap());
        let upper = ProfileIds::new("mail.example.com", &EmailAddress::parse("A@EXAMPLE.COM").unwrap());
        assert_eq!(lower.profile_uuid, upper.profile_uuid);
        assert!(lower.profile_identifier.starts_with("com.example.mail.facteur.mail."));
    }
}
