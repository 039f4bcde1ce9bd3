//! Every metric Facteur exports, in one place: the protocol crates record through the `metrics` facade
//! with these constants (`metrics::counter!(metrics::COMMANDS_TOTAL, labels::PROTOCOL => "imap", …)`),
//! and `facteur-http` describes them all ([`ALL`]) for the Prometheus exporter.
//!
//! Label values must come from small fixed sets (a protocol name, a command name from the protocol's own
//! grammar, a reason from our code): never a client-chosen string, or an attacker could create series without
//! bound. An unknown command is counted as `"unknown"`.

/// Label names shared by the metrics below.
pub mod labels {
    /// `smtp` (port 25), `submission` (465 and 587), `imap`, `pop3`, `http`, `https`.
    pub const PROTOCOL: &str = "protocol";
    /// A command verb in upper case (`EHLO`, `FETCH`, `RETR`), or `unknown`.
    pub const COMMAND: &str = "command";
    /// Why a message was refused: `relay_denied`, `unknown_recipient`, `too_large`, `spf`, `dmarc`,
    /// `rate_limited`, `quota`, `syntax`, `other`.
    pub const REASON: &str = "reason";
    /// An outbound delivery attempt's outcome: `delivered`, `deferred`, `bounced`.
    pub const RESULT: &str = "result";
    /// An HTTP status code (`200`, `404`, `413`).
    pub const STATUS: &str = "status";
    /// What a spam verdict decided: `deliver`, `junk`, `reject`, `discard`.
    pub const ACTION: &str = "action";
    /// A destination domain, one of a bounded set (the first 50 delivered to), else `other`.
    pub const DOMAIN: &str = "domain";
}

/// The values of [`labels::PROTOCOL`], one per face a client reaches.
pub mod protocols {
    /// SMTP on port 25 (MX).
    pub const SMTP: &str = "smtp";
    /// SMTP submission on 587 and 465.
    pub const SUBMISSION: &str = "submission";
    pub const IMAP: &str = "imap";
    pub const POP3: &str = "pop3";
    /// ManageSieve (RFC 5804) on 4190.
    pub const MANAGESIEVE: &str = "managesieve";
    pub const HTTP: &str = "http";
    pub const HTTPS: &str = "https";
    /// JMAP clients (HTTP Basic on the https listeners).
    pub const JMAP: &str = "jmap";
    /// The webmail's login form.
    pub const WEBMAIL: &str = "webmail";
}

/// Connections accepted, by [`labels::PROTOCOL`]. Counted when admitted, before any greeting.
pub const CONNECTIONS_TOTAL: &str = "facteur_connections_total";
/// Messages accepted for delivery or relay (after the final `250` to DATA/BDAT), by [`labels::PROTOCOL`].
pub const MESSAGES_ACCEPTED_TOTAL: &str = "facteur_messages_accepted_total";
/// Messages (or recipients) refused, by [`labels::PROTOCOL`] and [`labels::REASON`].
pub const MESSAGES_REJECTED_TOTAL: &str = "facteur_messages_rejected_total";
/// Outbound delivery attempts per recipient, by [`labels::RESULT`].
pub const DELIVERIES_TOTAL: &str = "facteur_deliveries_total";
/// Outbound delivery attempts per recipient, by destination [`labels::DOMAIN`] and [`labels::RESULT`].
pub const DELIVERIES_BY_DOMAIN_TOTAL: &str = "facteur_deliveries_by_domain_total";
/// Recipients waiting in the outbound queue (a gauge: set, not incremented, after each queue change).
pub const QUEUE_SIZE: &str = "facteur_queue_recipients";
/// Failed authentications (wrong password, unknown user, throttled), by [`labels::PROTOCOL`].
pub const AUTH_FAILURES_TOTAL: &str = "facteur_auth_failures_total";
/// Commands handled, by [`labels::PROTOCOL`] and [`labels::COMMAND`].
pub const COMMANDS_TOTAL: &str = "facteur_commands_total";
/// Time from a command's last byte read to its response written out (queued for the socket), in seconds, by [`labels::PROTOCOL`] and
/// [`labels::COMMAND`]. A histogram with [`LATENCY_BUCKETS`].
pub const COMMAND_DURATION_SECONDS: &str = "facteur_command_duration_seconds";
/// Spam verdicts on mail from other servers, by [`labels::ACTION`]: one per recipient account delivered to, one
/// per message refused at the end of DATA.
pub const SPAM_VERDICTS_TOTAL: &str = "facteur_spam_verdicts_total";
/// HTTP requests answered by the discovery listener, by [`labels::STATUS`].
pub const HTTP_REQUESTS_TOTAL: &str = "facteur_http_requests_total";

/// Certificate requests to the ACME CA that failed (unreachable, refused, a challenge not validated).
pub const ACME_FAILURES_TOTAL: &str = "facteur_acme_failures_total";
/// When the certificate obtained through ACME expires, in seconds since 1970 (a gauge).
pub const CERTIFICATE_EXPIRY_SECONDS: &str = "facteur_certificate_expiry_timestamp_seconds";

/// Histogram bucket bounds for [`COMMAND_DURATION_SECONDS`]: from a cached FETCH (sub-millisecond) to a
/// large APPEND or a slow remote lookup (tens of seconds).
pub const LATENCY_BUCKETS: &[f64] =
    &[0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Counts one command in [`COMMANDS_TOTAL`] and records its handling time in [`COMMAND_DURATION_SECONDS`]:
/// started when the command is parsed, stopped when its reply is written out. Both label values are the
/// protocol's and the command grammar's own fixed names, never the client's text.
#[derive(Debug)]
pub struct CommandTimer {
    protocol: &'static str,
    command: &'static str,
    started: std::time::Instant,
}

impl CommandTimer {
    pub fn start(protocol: &'static str, command: &'static str) -> CommandTimer {
        CommandTimer { protocol, command, started: std::time::Instant::now() }
    }

    /// Counts the command and records how long it took.
    pub fn stop(self) {
        self.count();
        let seconds = self.started.elapsed().as_secs_f64();
        metrics::histogram!(COMMAND_DURATION_SECONDS, labels::PROTOCOL => self.protocol, labels::COMMAND => self.command)
            .record(seconds);
    }

    /// Counts the command without a duration: for one that waits on the client (IMAP IDLE), whose length says
    /// nothing about the server.
    pub fn count(&self) {
        metrics::counter!(COMMANDS_TOTAL, labels::PROTOCOL => self.protocol, labels::COMMAND => self.command)
            .increment(1);
    }
}

/// What kind of series a metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

/// A metric's name, kind and the `# HELP` text Prometheus shows.
#[derive(Debug, Clone, Copy)]
pub struct MetricName {
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
}

/// Every metric above, for describing them to the exporter and for tests.
pub const ALL: &[MetricName] = &[
    MetricName { name: CONNECTIONS_TOTAL, kind: MetricKind::Counter, help: "Connections accepted, by protocol." },
    MetricName {
        name: MESSAGES_ACCEPTED_TOTAL,
        kind: MetricKind::Counter,
        help: "Messages accepted for delivery or relay, by protocol.",
    },
    MetricName {
        name: MESSAGES_REJECTED_TOTAL,
        kind: MetricKind::Counter,
        help: "Messages or recipients refused, by protocol and reason.",
    },
    MetricName {
        name: DELIVERIES_TOTAL,
        kind: MetricKind::Counter,
        help: "Outbound delivery attempts per recipient, by result.",
    },
    MetricName {
        name: DELIVERIES_BY_DOMAIN_TOTAL,
        kind: MetricKind::Counter,
        help: "Outbound delivery attempts per recipient, by destination domain (the first 50; then other) and result.",
    },
    MetricName { name: QUEUE_SIZE, kind: MetricKind::Gauge, help: "Recipients waiting in the outbound queue." },
    MetricName {
        name: AUTH_FAILURES_TOTAL,
        kind: MetricKind::Counter,
        help: "Failed authentication attempts, by protocol.",
    },
    MetricName { name: COMMANDS_TOTAL, kind: MetricKind::Counter, help: "Commands handled, by protocol and command." },
    MetricName {
        name: COMMAND_DURATION_SECONDS,
        kind: MetricKind::Histogram,
        help: "Command handling time in seconds, by protocol and command.",
    },
    MetricName {
        name: SPAM_VERDICTS_TOTAL,
        kind: MetricKind::Counter,
        help: "Spam verdicts on mail from other servers, by action: per recipient account, or per message refused.",
    },
    MetricName {
        name: HTTP_REQUESTS_TOTAL,
        kind: MetricKind::Counter,
        help: "HTTP requests answered by the discovery listener, by status.",
    },
    MetricName {
        name: ACME_FAILURES_TOTAL,
        kind: MetricKind::Counter,
        help: "Certificate requests to the ACME CA that failed; the current certificate stays in service.",
    },
    MetricName {
        name: CERTIFICATE_EXPIRY_SECONDS,
        kind: MetricKind::Gauge,
        help: "When the certificate obtained through ACME expires, in seconds since 1970.",
    },
];
