//! Thunderbird's autoconfig document ("config-v1.1.xml", the Mozilla ISPDB format), which Thunderbird and
//! several other clients (K-9/Thunderbird for Android, Evolution, KMail) fetch from
//! `autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=…` and `DOMAIN/.well-known/autoconfig/mail/…`.

use std::io;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::discovery::{Discovery, Endpoint, MailProtocol, Security};
use crate::refusal::Refusal;
use crate::site::{LocalDomain, Site, parse_address, query_param};
use crate::xml::XmlDocument;

/// Clients substitute the address the user typed: our accounts log in with their full address.
const USERNAME_PLACEHOLDER: &str = "%EMAILADDRESS%";

/// `GET /mail/config-v1.1.xml` and `/.well-known/autoconfig/mail/config-v1.1.xml`. The domain comes from
/// `emailaddress` when given (Thunderbird sends it), else from the Host header.
pub(crate) async fn serve(
    State(site): State<Arc<Site>>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let address = query_param(&query, "emailaddress").map(parse_address).transpose()?;
    let domain = site.domain_of_request(address.as_ref(), &headers).await?;
    let document = config_document(&site.discovery, &domain)?;
    Ok(([(CONTENT_TYPE, "application/xml; charset=utf-8")], document).into_response())
}

fn config_document(discovery: &Discovery, domain: &LocalDomain) -> io::Result<String> {
    let mut document = XmlDocument::new()?;
    document.element("clientConfig", &[("version", "1.1")], |config| {
        config.element("emailProvider", &[("id", domain.as_str())], |provider| {
            provider.text("domain", domain.as_str())?;
            provider.text("displayName", &format!("Mail for {}", domain.as_str()))?;
            provider.text("displayShortName", domain.as_str())?;
            for endpoint in discovery.endpoints() {
                server(provider, &discovery.hostname, endpoint)?;
            }
            Ok(())
        })
    })?;
    document.finish()
}

fn server(document: &mut XmlDocument, hostname: &str, endpoint: Endpoint) -> io::Result<()> {
    let (element, kind) = match endpoint.protocol {
        MailProtocol::Imap => ("incomingServer", "imap"),
        MailProtocol::Pop3 => ("incomingServer", "pop3"),
        MailProtocol::Submission => ("outgoingServer", "smtp"),
    };
    let socket_type = match endpoint.security {
        Security::ImplicitTls => "SSL",
        Security::StartTls => "STARTTLS",
    };
    document.element(element, &[("type", kind)], |server| {
        server.text("hostname", hostname)?;
        server.text("port", &endpoint.port.to_string())?;
        server.text("socketType", socket_type)?;
        // The password travels inside TLS, so plain is what we accept (RFC 8314 §3).
        server.text("authentication", "password-cleartext")?;
        server.text("username", USERNAME_PLACEHOLDER)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{ClientPorts, MtaSts};

    #[test]
    fn lists_each_server_in_preference_order() {
        let discovery = Discovery {
            hostname: "mail.example.com".to_owned(),
            ports: ClientPorts::standard(),
            https_port: None,
            mta_sts: MtaSts::default(),
        };
        let xml = config_document(&discovery, &LocalDomain::unchecked("example.com")).unwrap();
        let order: Vec<usize> = ["<port>993<", "<port>143<", "<port>995<", "<port>110<", "<port>465<", "<port>587<"]
            .iter()
            .map(|port| xml.find(port).unwrap())
            .collect();
        assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{xml}");
        assert!(xml.contains(r#"<emailProvider id="example.com">"#), "{xml}");
    }
}
