use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole configuration file. Every section has defaults, but `init` always writes them all out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub acme: AcmeConfig,
    /// Named listeners, e.g. `[listener.smtp]`. The name appears in logs and metrics.
    #[serde(default, rename = "listener")]
    pub listeners: BTreeMap<String, ListenerConfig>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub smtp: SmtpConfig,
    #[serde(default)]
    pub queue: QueueConfig,
    #[serde(default)]
    pub pop3: Pop3Config,
    #[serde(default)]
    pub sieve: SieveConfig,
    #[serde(default)]
    pub outbound: OutboundConfig,
    #[serde(default)]
    pub dns: DnsConfig,
    #[serde(default)]
    pub relay: RelayConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub mail_auth: MailAuthConfig,
    #[serde(default)]
    pub spam: SpamConfig,
    #[serde(default)]
    pub log: LogConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The name this server gives itself: SMTP greeting and EHLO, TLS certificate, `Received:` headers.
    pub hostname: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub backend: StoreBackend,
    /// Directory of the store (database and message blobs), relative to the data directory. With PostgreSQL,
    /// the node's staging directory for content that arrives in pieces.
    pub path: PathBuf,
    /// PostgreSQL only: `postgres://USER@HOST:PORT/DATABASE`, without a password.
    pub url: String,
    /// PostgreSQL only: a file whose first line is the database password (relative to the data directory);
    /// empty when the server asks for none. Never in this file: the configuration is not a secret.
    pub password_file: String,
    /// PostgreSQL only: a PEM file of CA certificates to trust, besides the public CAs, for the database
    /// server's TLS certificate (relative to the data directory); empty for none.
    pub ca_file: String,
    /// SQLite: keep a full-text index of every message (trigrams of its decoded text, made in the background),
    /// so that IMAP SEARCH BODY/TEXT and JMAP's text filter read only the messages it names.
    /// PostgreSQL always keeps its own (pg_trgm).
    pub full_text_index: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: StoreBackend::Sqlite,
            path: PathBuf::from("store"),
            url: String::new(),
            password_file: String::new(),
            ca_file: String::new(),
            full_text_index: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// Embedded SQLite database plus content-addressed files for message blobs.
    Sqlite,
    /// A PostgreSQL database that several Facteur nodes may share, message content included.
    Postgres,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain, relative to the data directory.
    pub certificate: PathBuf,
    /// PEM private key, relative to the data directory.
    pub private_key: PathBuf,
    /// Further certificates, each served to clients asking (SNI) for a name it holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni: Vec<CertificatePair>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            certificate: PathBuf::from("tls/cert.pem"),
            private_key: PathBuf::from("tls/key.pem"),
            sni: Vec::new(),
        }
    }
}

/// A PEM certificate chain and its private key, relative to the data directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificatePair {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

/// Certificates obtained and renewed automatically from an ACME CA (RFC 8555).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    /// Off by default: a configuration written before ACME existed keeps its certificates as they are.
    pub enabled: bool,
    /// The CA's directory URL.
    pub directory: String,
    /// How the CA reaches us about the account (expiry, incidents): a `mailto:` URL.
    pub contact: String,
    /// How we prove control of each name.
    pub challenge: AcmeChallenge,
    /// The names of the certificate; empty: the host name plus `mta-sts.`, `autoconfig.` and `autodiscover.`
    /// for each domain in the store.
    pub names: Vec<String>,
    /// A PEM file of CA certificates to trust for the directory's own HTTPS, besides the public ones (private
    /// or test CAs); empty for none.
    pub directory_ca_file: String,
}

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory: untrusted certificates, generous rate limits, for trying things out.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

impl Default for AcmeConfig {
    fn default() -> AcmeConfig {
        AcmeConfig {
            enabled: false,
            directory: LETS_ENCRYPT.to_owned(),
            contact: String::new(),
            challenge: AcmeChallenge::TlsAlpn01,
            names: Vec::new(),
            directory_ca_file: String::new(),
        }
    }
}

/// The ACME challenge types Facteur answers itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcmeChallenge {
    /// RFC 8737: a special certificate on the https listener (the CA connects to port 443).
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
    /// RFC 8555 §8.3: a file on the plain http listener (the CA connects to port 80).
    #[serde(rename = "http-01")]
    Http01,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    pub protocol: Protocol,
    /// Socket addresses to listen on. Port 0 picks a free port (tests use it; the log says which).
    #[serde(deserialize_with = "crate::socket_addrs::deserialize")]
    pub bind: Vec<SocketAddr>,
    pub tls: TlsMode,
}

/// What a listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// SMTP from other servers (MX): mail for our domains only, no relaying.
    Smtp,
    /// SMTP from our users' clients: authentication required, relaying allowed (RFC 6409).
    Submission,
    Imap,
    Pop3,
    /// ManageSieve (RFC 5804): users install and activate their Sieve filters.
    ManageSieve,
    /// Client auto-configuration (autoconfig, Autodiscover, Apple profile) and the MTA-STS policy.
    Http,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Submission => "submission",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::ManageSieve => "managesieve",
            Protocol::Http => "http",
        }
    }
}

/// When TLS starts on a listener's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text first; the client upgrades with STARTTLS (SMTP, IMAP) or STLS (POP3).
    Starttls,
    /// TLS from the first byte (RFC 8314 prefers it for submission, IMAP and POP3).
    Implicit,
    /// No TLS at all: only for `http` (port 80, where clients look for autoconfig documents first).
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Open connections over all listeners; new ones beyond it are refused with a protocol error.
    pub max_connections: u32,
    /// Open connections from one IP address. Generous, because one address is often many people (NAT), and
    /// because a client that sends one message per connection opens the next before the last one is counted out.
    pub max_connections_per_ip: u32,
    /// Seconds an IMAP client may take to send a command before it logs in, and any client to read what we
    /// send. Other reads have their own limits (SMTP's command and data timeouts, POP3's idle timeout, IMAP's
    /// autologout), each covering a whole command.
    pub idle_timeout_secs: u64,
    /// Seconds a client has to complete a TLS handshake.
    pub tls_handshake_timeout_secs: u64,
    /// Seconds running sessions get to finish their current command when the server stops.
    pub shutdown_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 2000,
            max_connections_per_ip: 100,
            idle_timeout_secs: 300,
            tls_handshake_timeout_secs: 10,
            shutdown_grace_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Accept passwords on connections that are not encrypted. Never on a server reachable from a network.
    pub allow_plaintext: bool,
    /// The fewest characters a password set with `facteur account` may have.
    pub min_password_length: usize,
    /// Failed logins from one client network (an IPv4 address, an IPv6 /64) within 15 minutes, with no
    /// success between them, after which its connections are refused for `ban_minutes`; 0 never bans.
    pub ban_after_failures: u32,
    pub ban_minutes: u64,
}

impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig { allow_plaintext: false, min_password_length: 8, ban_after_failures: 20, ban_minutes: 60 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Largest message accepted, in bytes; announced in EHLO (SIZE) and enforced on the data itself.
    pub max_message_size: u64,
    /// Recipients of one message (RFC 5321 §4.5.3.1.8 asks for at least 100).
    pub max_recipients: u32,
    /// Bad commands in one session before it is closed with 421.
    pub max_errors: u32,
    /// Seconds to wait for the next command (RFC 5321 §4.5.3.2.7 suggests 5 minutes).
    pub command_timeout_secs: u64,
    /// Seconds to wait for the next block of message data (RFC 5321 §4.5.3.2.6 suggests 3 minutes per block).
    pub data_timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            max_message_size: 50 * 1024 * 1024,
            max_recipients: 100,
            max_errors: 10,
            command_timeout_secs: 300,
            data_timeout_secs: 600,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// Seconds an outgoing message is retried before it bounces (RFC 5321 §4.5.4.1 suggests 4–5 days).
    pub lifetime_secs: u64,
    /// Seconds after which the sender is told that a message is delayed (and still being retried).
    pub delay_warning_secs: u64,
    /// Seconds before the first retry after a temporary failure; each next wait doubles.
    pub retry_first_secs: u64,
    /// The longest wait between two attempts, in seconds.
    pub retry_max_secs: u64,
    /// Messages being delivered at the same time.
    pub max_parallel: usize,
    /// Connections to one destination domain at the same time.
    pub max_per_domain: usize,
    /// Seconds a node holds a message it is delivering before another node of a shared store may take it:
    /// also how long a message waits when its node dies mid-attempt. Longer than one attempt can last.
    pub lease_secs: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            lifetime_secs: 5 * 24 * 3600,
            delay_warning_secs: 4 * 3600,
            retry_first_secs: 5 * 60,
            retry_max_secs: 4 * 3600,
            max_parallel: 32,
            max_per_domain: 8,
            lease_secs: 45 * 60,
        }
    }
}

/// Where DNS questions go (MX, A/AAAA for outbound delivery; SPF, DKIM and DMARC records for inbound checks).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// Nameservers to ask instead of the system's (`/etc/resolv.conf`), e.g. `["127.0.0.1:5353"]`.
    #[serde(deserialize_with = "crate::socket_addrs::deserialize")]
    pub nameservers: Vec<SocketAddr>,
}

/// What the `http` listeners publish besides client auto-configuration, and where metrics are served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// The MTA-STS policy mode (RFC 8461 §3.2): `"testing"` (report only), `"enforce"`, or `"none"` (no policy file).
    pub mta_sts_mode: String,
    /// How long senders may cache the MTA-STS policy, in days.
    pub mta_sts_max_age_days: u32,
    /// Addresses serving `/metrics` (Prometheus) and `/healthz`, apart from the public listeners. Empty: not served.
    #[serde(deserialize_with = "crate::socket_addrs::deserialize")]
    pub metrics_bind: Vec<SocketAddr>,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig { mta_sts_mode: "testing".to_owned(), mta_sts_max_age_days: 7, metrics_bind: Vec::new() }
    }
}

/// How outgoing mail leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelayConfig {
    /// The TCP port delivery connects to on MX hosts and A/AAAA fallbacks: 25, the SMTP port; another value only makes sense for tests and private networks.
    pub mx_port: u16,
    /// A static next hop per recipient domain, like a transport map: `"example.net" = "mx.example.net:25"`.
    /// Mail for other domains goes to their MX hosts.
    pub routes: BTreeMap<String, String>,
    /// `host:port` of a relay that takes all mail not routed above, instead of the MX hosts (for hosts whose
    /// port 25 is blocked); empty for none.
    pub smarthost: String,
    /// How TLS starts with the smarthost: `starttls` (port 587) or `implicit` (port 465). Its certificate is
    /// always verified.
    pub smarthost_tls: SmarthostTls,
    /// The user name for AUTH with the smarthost; empty for none.
    pub smarthost_user: String,
    /// A file holding the smarthost password (first line), so the configuration holds no secret.
    pub smarthost_password_file: String,
    /// A PEM file of CA certificates to trust for the smarthost besides the public ones; empty for none.
    pub smarthost_ca_file: String,
    /// A PEM file of CA certificates to trust besides the public ones where MX hosts' TLS is verified (an
    /// MTA-STS policy in `enforce` mode, RFC 8461) and for MTA-STS policy fetches; empty for none. For private
    /// networks and tests: on the Internet the public CAs are what MTA-STS means.
    pub tls_ca_file: String,
    /// The HTTPS port MTA-STS policies are fetched from (RFC 8461 §3.3: 443). Change it only for tests.
    pub mta_sts_port: u16,
    /// The sender of our TLS-RPT reports (RFC 8460); empty: `postmaster@` the server's hostname.
    pub tls_report_from: String,
}

impl Default for RelayConfig {
    fn default() -> RelayConfig {
        RelayConfig {
            mx_port: 25,
            routes: BTreeMap::new(),
            smarthost: String::new(),
            smarthost_tls: SmarthostTls::Starttls,
            smarthost_user: String::new(),
            smarthost_password_file: String::new(),
            smarthost_ca_file: String::new(),
            tls_ca_file: String::new(),
            mta_sts_port: 443,
            tls_report_from: String::new(),
        }
    }
}

/// How TLS starts with the smarthost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmarthostTls {
    /// STARTTLS after EHLO (submission, port 587).
    Starttls,
    /// TLS from the first byte (submissions, port 465).
    Implicit,
}

/// Sender authentication: SPF, DKIM and DMARC checks on mail from other servers, DKIM signatures on ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailAuthConfig {
    /// Check SPF, DKIM, DMARC and ARC on mail arriving at the MX listeners, add `Authentication-Results:` and
    /// apply the policy below. Mail from our own authenticated users is never checked.
    pub verify_inbound: bool,
    /// DKIM-sign mail our users submit, with the active key(s) of the sender's domain under `dkim/`.
    pub sign_outbound: bool,
    /// DMARC fails and the sender's domain publishes `p=reject`.
    pub dmarc_reject: AuthFailAction,
    /// DMARC fails and the sender's domain publishes `p=quarantine`.
    pub dmarc_quarantine: AuthFailAction,
    /// SPF says `fail` (`-all`) and the sender's domain publishes no DMARC record.
    pub spf_fail_without_dmarc: AuthFailAction,
    /// Give new domains an Ed25519 key as well (RFC 8463), signing with both: a second signature, never
    /// the only one, since not every receiver verifies Ed25519.
    pub ed25519_signature: bool,
    /// Seconds all DNS checks of one message may take together before it is deferred with `451`.
    pub check_timeout_secs: u64,
}

impl Default for MailAuthConfig {
    fn default() -> Self {
        MailAuthConfig {
            verify_inbound: true,
            sign_outbound: true,
            dmarc_reject: AuthFailAction::Reject,
            dmarc_quarantine: AuthFailAction::Junk,
            spf_fail_without_dmarc: AuthFailAction::Junk,
            ed25519_signature: false,
            check_timeout_secs: 20,
        }
    }
}

/// `[spam]`: whether mail arriving at the MX listeners is wanted (issue 18). The score is the sum of the
/// reasons found (content checks, DNS lists, the recipient's own classifier); mail from someone the
/// recipient writes to is never junked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpamConfig {
    /// Judge mail from other servers and add `X-Spam-Status:`; off, nothing is scored nor added.
    pub enabled: bool,
    /// Score from which mail goes to the recipient's Junk mailbox.
    pub junk_score: f64,
    /// Score from which mail is refused at the end of DATA (550); 0 never refuses.
    pub reject_score: f64,
    /// Score from which mail is accepted and dropped; 0 never drops (the default: the sender believes it
    /// delivered).
    pub discard_score: f64,
    /// Each account's own classifier, trained by moving mail into and out of Junk.
    pub bayes: bool,
    /// DNS blocklists of client addresses (e.g. `"zen.spamhaus.org"`); none by default, most need registration.
    pub dnsbl: Vec<DnsListConfig>,
    /// DNS allowlists of client addresses (e.g. `"list.dnswl.org"`): a listing lowers the score.
    pub dnswl: Vec<DnsListConfig>,
    /// DNS lists of domains, asked about the domains a message links to, its HELO name and MAIL FROM domain.
    pub uribl: Vec<DnsListConfig>,
    /// Greylisting (RFC 6647): the first attempt of a client network, sender and recipient is answered 451; a
    /// retry after `greylist_delay_secs` (and within a day) passes, and the three then pass for 36 days.
    pub greylisting: bool,
    pub greylist_delay_secs: u64,
    /// A running rspamd's address (`http://127.0.0.1:11333`); empty: not asked.
    pub rspamd: String,
    /// `"beside"`: rspamd's score adds to the built-in one; `"replace"`: rspamd's action decides instead of the
    /// built-in checks (each account's classifier and correspondents still count).
    pub rspamd_mode: RspamdMode,
    /// Seconds to wait for rspamd; past them the built-in score applies alone.
    pub rspamd_timeout_secs: u64,
    /// rspamd's `Password:` header, when its worker asks for one; empty: none sent.
    pub rspamd_password: String,
}

/// How rspamd's verdict joins the built-in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RspamdMode {
    Beside,
    Replace,
}

impl RspamdMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RspamdMode::Beside => "beside",
            RspamdMode::Replace => "replace",
        }
    }
}

impl Default for SpamConfig {
    fn default() -> Self {
        SpamConfig {
            enabled: true,
            junk_score: 5.0,
            reject_score: 15.0,
            discard_score: 0.0,
            bayes: true,
            dnsbl: Vec::new(),
            dnswl: Vec::new(),
            uribl: Vec::new(),
            greylisting: false,
            greylist_delay_secs: 300,
            rspamd: String::new(),
            rspamd_mode: RspamdMode::Beside,
            rspamd_timeout_secs: 5,
            rspamd_password: String::new(),
        }
    }
}

/// One DNS list: its zone alone, or with the score a listing adds and the answers that count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DnsListConfig {
    Zone(String),
    Detailed(DnsListDetails),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsListDetails {
    pub zone: String,
    /// What a listing adds to the score (default: the junk score for a blocklist, its negative for an
    /// allowlist).
    pub score: Option<f64>,
    /// The answers that count, e.g. `["127.0.0.2", "127.0.0.3"]`; empty: any in 127.0.0.0/8 but the codes
    /// lists use for errors.
    #[serde(default)]
    pub codes: Vec<std::net::Ipv4Addr>,
}

impl DnsListConfig {
    pub fn zone(&self) -> &str {
        match self {
            DnsListConfig::Zone(zone) => zone,
            DnsListConfig::Detailed(details) => &details.zone,
        }
    }

    pub fn score(&self) -> Option<f64> {
        match self {
            DnsListConfig::Zone(_) => None,
            DnsListConfig::Detailed(details) => details.score,
        }
    }

    pub fn codes(&self) -> &[std::net::Ipv4Addr] {
        match self {
            DnsListConfig::Zone(_) => &[],
            DnsListConfig::Detailed(details) => &details.codes,
        }
    }
}

/// What to do with a message that failed a sender authentication check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthFailAction {
    /// Deliver to the inbox anyway (`Authentication-Results:` still tells the truth).
    Deliver,
    /// Deliver to the recipient's Junk mailbox.
    Junk,
    /// Refuse at the end of DATA with `550 5.7.1`; nothing is stored.
    Reject,
}

impl AuthFailAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailAction::Deliver => "deliver",
            AuthFailAction::Junk => "junk",
            AuthFailAction::Reject => "reject",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pop3Config {
    /// What happens at QUIT to the messages a client deleted.
    pub dele_action: DeleAction,
    /// Seconds a POP3 client may stay silent; RFC 1939 §3 requires at least 10 minutes.
    pub idle_timeout_secs: u64,
    /// Bad commands or failed logins in one session before it is closed.
    pub max_errors: u32,
}

impl Default for Pop3Config {
    fn default() -> Self {
        Pop3Config { dele_action: DeleAction::Expunge, idle_timeout_secs: 600, max_errors: 10 }
    }
}

/// `[sieve]`: what each account may keep of Sieve filters (ManageSieve uploads, delivery runs the active one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SieveConfig {
    /// Scripts one account may keep.
    pub max_scripts: u32,
    /// Octets of one script.
    pub max_script_bytes: u64,
    /// `redirect` actions one script may take per message (advertised as ManageSieve's MAXREDIRECTS).
    pub max_redirects: u32,
}

impl Default for SieveConfig {
    fn default() -> Self {
        SieveConfig { max_scripts: 16, max_script_bytes: 64 * 1024, max_redirects: 4 }
    }
}

/// `[outbound]`: what one local account may send, and when its outgoing mail is held as abuse (issue 18).
/// Each 0 turns its rule off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundConfig {
    /// Messages one account may submit per hour (SMTP submission, JMAP, webmail).
    pub max_messages_per_hour: u32,
    /// Recipients one account's messages may name per hour.
    pub max_recipients_per_hour: u32,
    /// Hold the account's outgoing mail when more than this percentage of ...
    pub hold_bounce_percent: u32,
    /// ... its last this many remote delivery outcomes (delivered or bounced) were bounces.
    pub hold_bounce_window: u32,
    /// Hold it when its last hour's messages are more than this many times its hourly average of the past
    /// week ...
    pub hold_volume_factor: u32,
    /// ... and at least this many.
    pub hold_volume_min_messages: u32,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            max_messages_per_hour: 200,
            max_recipients_per_hour: 1000,
            hold_bounce_percent: 50,
            hold_bounce_window: 20,
            hold_volume_factor: 10,
            hold_volume_min_messages: 100,
        }
    }
}

/// What POP3 DELE does once the client says QUIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleAction {
    /// Removed for good (RFC 1939); IMAP sessions see them expunged.
    Expunge,
    /// Moved to the account's Trash mailbox, where IMAP can still recover them.
    Trash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `error`, `warn`, `info`, `debug`, `trace`, or a filter such as `info,facteur_store=debug`.
    /// The `RUST_LOG` environment variable overrides it.
    pub level: String,
    /// `text` (one line per event, `key=value` fields) or `json` (one JSON object per line).
    pub format: LogFormat,
    /// Days the delivery history (`facteur trace`, `facteur stats`) is kept.
    pub history_days: u32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".to_owned(), format: LogFormat::Text, history_days: 30 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The standard listeners, at `port_base` plus each protocol's well-known port (design brief §5).
pub fn standard_listeners(bind_ip: IpAddr, port_base: u16) -> BTreeMap<String, ListenerConfig> {
    const STANDARD: [(&str, Protocol, u16, TlsMode); 10] = [
        ("smtp", Protocol::Smtp, 25, TlsMode::Starttls),
        ("submission", Protocol::Submission, 587, TlsMode::Starttls),
        ("submissions", Protocol::Submission, 465, TlsMode::Implicit),
        ("imap", Protocol::Imap, 143, TlsMode::Starttls),
        ("imaps", Protocol::Imap, 993, TlsMode::Implicit),
        ("pop3", Protocol::Pop3, 110, TlsMode::Starttls),
        ("pop3s", Protocol::Pop3, 995, TlsMode::Implicit),
        // RFC 5804 §1.8: ManageSieve's port, 4190, with STARTTLS (it has no implicit-TLS port).
        ("managesieve", Protocol::ManageSieve, 4190, TlsMode::Starttls),
        ("http", Protocol::Http, 80, TlsMode::None),
        ("https", Protocol::Http, 443, TlsMode::Implicit),
    ];
    STANDARD
        .iter()
        .map(|&(name, protocol, port, tls)| {
            let bind = vec![SocketAddr::new(bind_ip, port_base.saturating_add(port))];
            (name.to_owned(), ListenerConfig { protocol, bind, tls })
        })
        .collect()
}

/// The highest well-known port a port base is added to; `port_base` must leave room for it.
pub const HIGHEST_STANDARD_PORT: u16 = 4190;

impl Config {
    /// The configuration `init` writes: standard listeners on `bind_ip`, everything else at its default.
    pub fn standard(hostname: &str, bind_ip: IpAddr, port_base: u16) -> Config {
        Config {
            server: ServerConfig { hostname: hostname.to_owned() },
            store: StoreConfig::default(),
            tls: TlsConfig::default(),
            acme: AcmeConfig::default(),
            listeners: standard_listeners(bind_ip, port_base),
            limits: Limits::default(),
            auth: AuthConfig::default(),
            smtp: SmtpConfig::default(),
            queue: QueueConfig::default(),
            pop3: Pop3Config::default(),
            sieve: SieveConfig::default(),
            outbound: OutboundConfig::default(),
            dns: DnsConfig::default(),
            relay: RelayConfig::default(),
            http: HttpConfig::default(),
            mail_auth: MailAuthConfig::default(),
            spam: SpamConfig::default(),
            log: LogConfig::default(),
        }
    }
}
