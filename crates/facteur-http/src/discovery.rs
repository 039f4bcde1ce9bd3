//! What the discovery documents publish: the server's name, its client ports and its MTA-STS policy.

use std::time::Duration;

use facteur_primitives::DomainName;

/// RFC 8461 §3.2: `max_age` is at most 31557600 seconds (about one year).
pub const MTA_STS_MAX_AGE_LIMIT: Duration = Duration::from_secs(31_557_600);

/// The settings every discovery document is made from. Domains are not here: they are the store's, so a
/// domain added while the server runs is served at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The name clients connect to; it must match the certificate on the mail ports.
    pub hostname: String,
    pub ports: ClientPorts,
    /// The port this HTTPS listener is reached on from outside, for the URLs the documents point to
    /// (Autodiscover v2). `None` means 443.
    pub https_port: Option<u16>,
    pub mta_sts: MtaSts,
}

/// The client ports as published (after any NAT or port base), each omitted from every document when `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientPorts {
    pub imap_tls: Option<u16>,
    pub imap_starttls: Option<u16>,
    pub pop3_tls: Option<u16>,
    pub pop3_starttls: Option<u16>,
    pub submission_tls: Option<u16>,
    pub submission_starttls: Option<u16>,
}

impl ClientPorts {
    /// The IANA ports: 993, 143, 995, 110, 465, 587.
    pub fn standard() -> ClientPorts {
        ClientPorts {
            imap_tls: Some(993),
            imap_starttls: Some(143),
            pop3_tls: Some(995),
            pop3_starttls: Some(110),
            submission_tls: Some(465),
            submission_starttls: Some(587),
        }
    }
}

/// The MTA-STS policy (RFC 8461) published for every local domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtaSts {
    pub mode: MtaStsMode,
    /// MX patterns senders may deliver to (`mail.example.com`, `*.example.net`); empty means the hostname.
    pub mx: Vec<String>,
    pub max_age: Duration,
}

impl Default for MtaSts {
    fn default() -> Self {
        MtaSts { mode: MtaStsMode::None, mx: Vec::new(), max_age: Duration::from_secs(7 * 24 * 3600) }
    }
}

/// RFC 8461 §5: what a sending MTA does when it cannot deliver securely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtaStsMode {
    /// Refuse to deliver.
    Enforce,
    /// Deliver anyway, and report (TLSRPT).
    Testing,
    /// No policy is published: `/.well-known/mta-sts.txt` answers 404.
    None,
}

impl MtaStsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MtaStsMode::Enforce => "enforce",
            MtaStsMode::Testing => "testing",
            MtaStsMode::None => "none",
        }
    }
}

/// A setting that would make a document wrong; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("discovery: hostname {0:?} is not a valid host name")]
    Hostname(String),
    #[error("discovery: MTA-STS mx {0:?} is not a host name or a *.domain pattern")]
    MxPattern(String),
    #[error("discovery: MTA-STS max_age {0:?} is more than RFC 8461's limit of 31557600 seconds")]
    MaxAge(Duration),
}

impl Discovery {
    /// Checks the settings once at start-up, so a typo is an error there rather than a broken document.
    pub fn validate(&self) -> Result<(), DiscoveryError> {
        if DomainName::parse(&self.hostname).is_err() {
            return Err(DiscoveryError::Hostname(self.hostname.clone()));
        }
        if let Some(bad) = self.mta_sts.mx.iter().find(|pattern| !is_mx_pattern(pattern)) {
            return Err(DiscoveryError::MxPattern(bad.clone()));
        }
        if self.mta_sts.max_age > MTA_STS_MAX_AGE_LIMIT {
            return Err(DiscoveryError::MaxAge(self.mta_sts.max_age));
        }
        Ok(())
    }

    /// Every published client endpoint, in the order clients should prefer them: implicit TLS before
    /// STARTTLS (RFC 8314 §3), IMAP before POP3.
    pub(crate) fn endpoints(&self) -> Vec<Endpoint> {
        use {MailProtocol::*, Security::*};
        let ports = &self.ports;
        [
            (Imap, ImplicitTls, ports.imap_tls),
            (Imap, StartTls, ports.imap_starttls),
            (Pop3, ImplicitTls, ports.pop3_tls),
            (Pop3, StartTls, ports.pop3_starttls),
            (Submission, ImplicitTls, ports.submission_tls),
            (Submission, StartTls, ports.submission_starttls),
        ]
        .into_iter()
        .filter_map(|(protocol, security, port)| Some(Endpoint { protocol, security, port: port? }))
        .collect()
    }

    /// The first (preferred) endpoint of `protocol`.
    pub(crate) fn preferred(&self, protocol: MailProtocol) -> Option<Endpoint> {
        self.endpoints().into_iter().find(|endpoint| endpoint.protocol == protocol)
    }

    /// `https://hostname[:port]` followed by `path`.
    pub(crate) fn https_url(&self, path: &str) -> String {
        match self.https_port {
            None | Some(443) => format!("https://{}{path}", self.hostname),
            Some(port) => format!("https://{}:{port}{path}", self.hostname),
        }
    }
}

/// RFC 8461 §3.2: an mx pattern is a host name, optionally with a leading `*.` wildcard label.
pub(crate) fn is_mx_pattern(pattern: &str) -> bool {
    let name = pattern.strip_prefix("*.").unwrap_or(pattern);
    name.is_ascii() && DomainName::parse(name).is_ok_and(|domain| domain.as_str() == name.to_ascii_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailProtocol {
    Imap,
    Pop3,
    Submission,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// RFC 8314 §3.3: TLS from the first byte.
    ImplicitTls,
    /// RFC 3207, RFC 2595: plain text upgraded with STARTTLS/STLS before authentication.
    StartTls,
}

/// One published way to reach one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub protocol: MailProtocol,
    pub security: Security,
    pub port: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovery() -> Discovery {
        Discovery {
            hostname: "mail.example.com".to_owned(),
            ports: ClientPorts::standard(),
            https_port: None,
            mta_sts: MtaSts::default(),
        }
    }

    #[test]
    fn implicit_tls_comes_before_starttls_for_each_protocol() {
        let ports: Vec<u16> = discovery().endpoints().iter().map(|endpoint| endpoint.port).collect();
        assert_eq!(ports, [993, 143, 995, 110, 465, 587]);
    }

    #[test]
    fn unpublished_ports_are_left_out() {
        let mut settings = discovery();
        settings.ports = ClientPorts { imap_starttls: Some(10143), ..ClientPorts::default() };
        let imap = settings.preferred(MailProtocol::Imap).unwrap();
        assert_eq!((imap.security, imap.port), (Security::StartTls, 10143));
        assert_eq!(settings.preferred(MailProtocol::Submission), None);
    }

    #[test]
    fn https_url_names_the_port_only_when_not_443() {
        let mut settings = discovery();
        assert_eq!(settings.https_url("/x"), "https://mail.example.com/x");
        settings.https_port = Some(10443);
        assert_eq!(settings.https_url("/x"), "https://mail.example.com:10443/x");
    }

    #[test]
    fn validation_names_the_bad_setting() {
        let mut settings = discovery();
        assert_eq!(settings.validate(), Ok(()));
        settings.mta_sts.mx = vec!["*.example.net".to_owned(), "mx\nmode: none".to_owned()];
        assert_eq!(settings.validate(), Err(DiscoveryError::MxPattern("mx\nmode: none".to_owned())));
        settings.mta_sts.mx.clear();
        settings.mta_sts.max_age = MTA_STS_MAX_AGE_LIMIT + Duration::from_secs(1);
        assert!(matches!(settings.validate(), Err(DiscoveryError::MaxAge(_))));
        settings.hostname = "mail example".to_owned();
        assert!(matches!(settings.validate(), Err(DiscoveryError::Hostname(_))));
    }
}
