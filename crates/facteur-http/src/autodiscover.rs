//! Microsoft Autodiscover, "POX" flavour (MS-OXDSCLI): Outlook POSTs a small XML request naming the address
//! to `/autodiscover/autodiscover.xml` and reads back one `<Protocol>` block per server.

use std::io;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use crate::address::EmailAddress;
use crate::discovery::{Discovery, Endpoint, MailProtocol, Security};
use crate::refusal::Refusal;
use crate::site::{Site, parse_address};
use crate::xml::XmlDocument;

const RESPONSE_NAMESPACE: &str = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
const OUTLOOK_NAMESPACE: &str = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/// `POST /autodiscover/autodiscover.xml`. The body size is bounded by the router's limit (413 beyond it).
pub(crate) async fn serve(State(site): State<Arc<Site>>, body: Bytes) -> Result<Response, Refusal> {
    let requested = requested_address(&body).ok_or(Refusal::BadRequest("no EMailAddress in the request\n"))?;
    let address = parse_address(&requested)?;
    site.domain_of_address(&address).await?;
    let document = response_document(&site.discovery, &address)?;
    Ok(([(CONTENT_TYPE, "application/xml; charset=utf-8")], document).into_response())
}

/// The text of the request's first `EMailAddress` element (any namespace), read with a real XML parser so
/// that entities, CDATA and comments mean what they mean. `None` for anything malformed.
///
/// quick-xml expands no DTD entities (a `<!DOCTYPE>` is skipped, a reference to an entity it declares is an
/// error here), so a request cannot make us fetch files or expand billions of laughs.
pub fn requested_address(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    let mut address: Option<String> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) if is_address_element(start.local_name().as_ref()) => address = Some(String::new()),
            Event::End(end) if is_address_element(end.local_name().as_ref()) => return address,
            Event::Text(text) => append(&mut address, &text.xml10_content()),
            Event::CData(data) => append(&mut address, &data.xml10_content()),
            Event::GeneralRef(reference) => append(&mut address, &resolve(&reference)?.to_string()),
            Event::Eof => return None,
            _ => {}
        }
    }
}

fn is_address_element(local_name: &str) -> bool {
    local_name.eq_ignore_ascii_case("EMailAddress")
}

/// Adds to the address only while inside its element.
fn append(address: &mut Option<String>, text: &str) {
    if let Some(address) = address {
        address.push_str(text);
    }
}

/// XML 1.0 §4.6: the five predefined entities, and character references.
fn resolve(reference: &BytesRef<'_>) -> Option<char> {
    if reference.is_char_ref() {
        return reference.resolve_char_ref().ok().flatten();
    }
    match reference.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn response_document(discovery: &Discovery, address: &EmailAddress) -> io::Result<String> {
    let address = address.to_string();
    let mut document = XmlDocument::new()?;
    document.element("Autodiscover", &[("xmlns", RESPONSE_NAMESPACE)], |root| {
        root.element("Response", &[("xmlns", OUTLOOK_NAMESPACE)], |response| {
            response.element("User", &[], |user| {
                user.text("DisplayName", &address)?;
                user.text("AutoDiscoverSMTPAddress", &address)
            })?;
            response.element("Account", &[], |account| {
                account.text("AccountType", "email")?;
                account.text("Action", "settings")?;
                for endpoint in discovery.endpoints() {
                    protocol(account, &discovery.hostname, &address, endpoint)?;
                }
                Ok(())
            })
        })
    })?;
    document.finish()
}

fn protocol(document: &mut XmlDocument, hostname: &str, login: &str, endpoint: Endpoint) -> io::Result<()> {
    let kind = match endpoint.protocol {
        MailProtocol::Imap => "IMAP",
        MailProtocol::Pop3 => "POP3",
        MailProtocol::Submission => "SMTP",
    };
    // MS-OXDSCLI §2.2.4.1.1.2.13: when <Encryption> is present, <SSL> is ignored; "TLS" means STARTTLS.
    let encryption = match endpoint.security {
        Security::ImplicitTls => "SSL",
        Security::StartTls => "TLS",
    };
    document.element("Protocol", &[], |protocol| {
        protocol.text("Type", kind)?;
        protocol.text("Server", hostname)?;
        protocol.text("Port", &endpoint.port.to_string())?;
        protocol.text("LoginName", login)?;
        protocol.text("DomainRequired", "off")?;
        protocol.text("SPA", "off")?;
        protocol.text("SSL", "on")?;
        protocol.text("Encryption", encryption)?;
        protocol.text("AuthRequired", "on")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(address_xml: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{address_xml}</EMailAddress>
    <AcceptableResponseSchema>{OUTLOOK_NAMESPACE}</AcceptableResponseSchema>
  </Request>
</Autodiscover>"#
        )
        .into_bytes()
    }

    #[test]
    fn address_is_read_with_entities_resolved() {
        let body = request("&quot;a&lt;b&gt;&amp;c&#x22;@example.com");
        assert_eq!(requested_address(&body).as_deref(), Some(r#""a<b>&c"@example.com"#));
    }

    #[test]
    fn prefixed_namespace_and_cdata_are_understood() {
        let body = b"<a:Autodiscover xmlns:a='x'><a:Request><a:EMailAddress><![CDATA[u@example.com]]></a:EMailAddress></a:Request></a:Autodiscover>";
        assert_eq!(requested_address(body).as_deref(), Some("u@example.com"));
    }

    #[test]
    fn declared_entities_are_not_expanded() {
        let body = br#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Autodiscover><Request><EMailAddress>&e;@example.com</EMailAddress></Request></Autodiscover>"#;
        assert_eq!(requested_address(body), None);
    }

    #[test]
    fn malformed_or_missing_address_gives_none() {
        for body in [&b"<Autodiscover><Request></Request></Autodiscover>"[..], b"<EMailAddress>a@b.c", b"\xff\xfe", b""]
        {
            assert_eq!(requested_address(body), None, "{body:?}");
        }
    }
}
