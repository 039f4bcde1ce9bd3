//! The CAPABILITY list (RFC 9051 §6.1.1): only what works, and what the session's state allows.

use facteur_auth::Mechanism;

/// Extensions advertised in every state once the connection may authenticate.
const EXTENSIONS: &[&str] = &[
    "IMAP4rev2",
    "IMAP4rev1",
    "LITERAL+",
    "SASL-IR",
    "ENABLE",
    "ID",
    "IDLE",
    "NAMESPACE",
    "UIDPLUS",
    "MOVE",
    "UNSELECT",
    "SPECIAL-USE",
    "CREATE-SPECIAL-USE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "BINARY",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "STATUS=SIZE",
    "QUOTA",
    "QUOTA=RES-STORAGE",
    "COMPRESS=DEFLATE",
    "SORT",
    "SORT=DISPLAY",
    "ESORT",
    "THREAD=ORDEREDSUBJECT",
    "THREAD=REFERENCES",
    "UTF8=ACCEPT",
];

/// What the client may see of the connection when it asks.
#[derive(Debug, Clone, Copy)]
pub struct Situation {
    pub authenticated: bool,
    /// STARTTLS can still be done (plain connection with TLS configured).
    pub starttls_available: bool,
    /// Passwords may be sent now (TLS, or the operator allowed plaintext).
    pub may_send_password: bool,
    /// The connection has a `tls-exporter` channel binding: SCRAM-SHA-256-PLUS is offered.
    pub channel_binding: bool,
    pub append_limit: u64,
}

/// The capability list for `situation`.
pub fn capabilities(situation: Situation) -> Vec<String> {
    let mut list: Vec<String> = EXTENSIONS.iter().map(|s| (*s).to_owned()).collect();
    list.push(format!("APPENDLIMIT={}", situation.append_limit));
    if !situation.authenticated {
        if situation.starttls_available {
            list.push("STARTTLS".into());
        }
        if situation.may_send_password {
            list.extend(
                Mechanism::offered(situation.channel_binding).map(|mechanism| format!("AUTH={}", mechanism.name())),
            );
        } else {
            // RFC 9051 §6.2.3: LOGIN is refused, and said so, until TLS is on.
            list.push("LOGINDISABLED".into());
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_connections_advertise_starttls_and_logindisabled() {
        let caps = capabilities(Situation {
            authenticated: false,
            starttls_available: true,
            may_send_password: false,
            channel_binding: false,
            append_limit: 10,
        });
        assert!(caps.contains(&"STARTTLS".to_owned()) && caps.contains(&"LOGINDISABLED".to_owned()));
        assert!(!caps.iter().any(|c| c.starts_with("AUTH=")));
    }

    #[test]
    fn authenticated_sessions_no_longer_advertise_login_matters() {
        let caps = capabilities(Situation {
            authenticated: true,
            starttls_available: false,
            may_send_password: true,
            channel_binding: true,
            append_limit: 10,
        });
        assert!(!caps.iter().any(|c| c.starts_with("AUTH=") || c == "STARTTLS" || c == "LOGINDISABLED"));
        assert!(caps.contains(&"APPENDLIMIT=10".to_owned()));
    }

    #[test]
    fn scram_is_offered_with_plain_and_its_plus_variant_only_with_a_channel_binding() {
        let situation = |channel_binding| Situation {
            authenticated: false,
            starttls_available: false,
            may_send_password: true,
            channel_binding,
            append_limit: 10,
        };
        let auth = |caps: Vec<String>| caps.into_iter().filter(|c| c.starts_with("AUTH=")).collect::<Vec<_>>();
        assert_eq!(auth(capabilities(situation(false))), ["AUTH=SCRAM-SHA-256", "AUTH=PLAIN", "AUTH=LOGIN"]);
        let with_binding = auth(capabilities(situation(true)));
        assert_eq!(with_binding, ["AUTH=SCRAM-SHA-256-PLUS", "AUTH=SCRAM-SHA-256", "AUTH=PLAIN", "AUTH=LOGIN"]);
    }
}
