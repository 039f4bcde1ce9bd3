//! EHLO and HELO (RFC 5321 §4.1.1.1), and the capabilities we announce.

use std::borrow::Cow;

use facteur_auth::Mechanism;

use crate::reply::Reply;
use crate::session::Session;
use crate::settings::{Face, Settings};
use crate::state::Greeting;

impl Session<'_> {
    /// A new greeting resets the transaction (RFC 5321 §4.1.4); authentication stays.
    pub(crate) fn hello(&mut self, client_name: &str, extended: bool) -> Reply {
        self.state.greet(Greeting { name: client_name.to_owned(), extended });
        let hostname = self.hostname().to_owned();
        if !extended {
            return Reply::bare(250, vec![hostname.into()]);
        }
        let starttls = self.connection.starttls_available();
        let mut lines: Vec<Cow<'static, str>> = vec![hostname.into()];
        let channel_binding = self.connection.tls_exporter().is_some();
        lines.extend(capabilities(&self.server.settings, starttls, self.state.tls, channel_binding));
        Reply::bare(250, lines)
    }
}

/// The EHLO keywords. STARTTLS only while it can still happen; AUTH only on submission, and only under TLS
/// unless the operator allowed plaintext (PLAIN and LOGIN would show the password to anyone listening);
/// SCRAM-SHA-256-PLUS where the connection has a channel binding.
pub(crate) fn capabilities(
    settings: &Settings,
    starttls_available: bool,
    tls: bool,
    channel_binding: bool,
) -> Vec<Cow<'static, str>> {
    let mut keywords: Vec<Cow<'static, str>> = vec![
        "PIPELINING".into(),
        format!("SIZE {}", settings.max_message_size).into(),
        "8BITMIME".into(),
        "SMTPUTF8".into(),
        "ENHANCEDSTATUSCODES".into(),
        "CHUNKING".into(),
        "DSN".into(),
    ];
    if starttls_available && !tls {
        keywords.push("STARTTLS".into());
    }
    // RFC 8689 §4: offered only on a TLS session, where the MAIL parameter may be given.
    if tls {
        keywords.push("REQUIRETLS".into());
    }
    if settings.face == Face::Submission && (tls || settings.allow_plaintext_auth) {
        let mechanisms: Vec<&str> = Mechanism::offered(channel_binding).map(Mechanism::name).collect();
        keywords.push(format!("AUTH {}", mechanisms.join(" ")).into());
    }
    keywords
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(keywords: &[Cow<'static, str>], wanted: &str) -> bool {
        keywords.iter().any(|keyword| keyword == wanted)
    }

    #[test]
    fn requiretls_is_offered_under_tls_only() {
        let settings = Settings::new("mx.example", Face::Mx);
        assert!(!has(&capabilities(&settings, true, false, false), "REQUIRETLS"));
        assert!(has(&capabilities(&settings, false, true, false), "REQUIRETLS"));
    }

    #[test]
    fn mx_never_offers_auth() {
        let settings = Settings::new("mx.example", Face::Mx);
        assert!(!capabilities(&settings, false, true, true).iter().any(|keyword| keyword.starts_with("AUTH")));
        assert!(has(&capabilities(&settings, true, false, false), "STARTTLS"));
        assert!(has(&capabilities(&settings, true, false, false), &format!("SIZE {}", 50 * 1024 * 1024)));
    }

    #[test]
    fn submission_offers_auth_only_under_tls_by_default() {
        let mut settings = Settings::new("mx.example", Face::Submission);
        let before_tls = capabilities(&settings, true, false, false);
        assert!(has(&before_tls, "STARTTLS") && !has(&before_tls, "AUTH SCRAM-SHA-256 PLAIN LOGIN"));
        let after_tls = capabilities(&settings, false, true, false);
        assert!(!has(&after_tls, "STARTTLS") && has(&after_tls, "AUTH SCRAM-SHA-256 PLAIN LOGIN"));
        settings.allow_plaintext_auth = true;
        assert!(has(&capabilities(&settings, true, false, false), "AUTH SCRAM-SHA-256 PLAIN LOGIN"));
    }

    #[test]
    fn scram_plus_is_offered_only_with_a_channel_binding() {
        let settings = Settings::new("mx.example", Face::Submission);
        let tls_1_3 = capabilities(&settings, false, true, true);
        assert!(has(&tls_1_3, "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN LOGIN"), "{tls_1_3:?}");
    }
}
