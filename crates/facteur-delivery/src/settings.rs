//! What the delivery engine can be told, with defaults that suit a real server.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;

use crate::filter::SieveFiltering;
use crate::sending_policy::SendingPolicy;

use crate::schedule::RetrySchedule;
use crate::smarthost::Smarthost;

#[derive(Debug, Clone)]
pub struct OutboundSettings {
    /// Our name in EHLO, `Reporting-MTA` and the loop check (never deliver to ourselves).
    pub hostname: String,
    /// Static next hops, domain → `host:port` (`[relay.routes]`), tried before DNS.
    pub routes: BTreeMap<String, String>,
    /// The port of MX hosts: 25, except in tests that point DNS at loopback servers.
    pub mx_port: u16,
    pub schedule: RetrySchedule,
    /// How long a message may stay queued; also the lifetime of the reports we queue.
    pub lifetime: Duration,
    /// After this long undelivered, the sender is told once (if `NOTIFY` allows).
    pub delay_warning: Duration,
    /// How often the queue is looked at for due recipients.
    pub poll_interval: Duration,
    pub connect_timeout: Duration,
    /// RFC 5321 §4.5.3.2 suggests 5 minutes per command.
    pub command_timeout: Duration,
    /// RFC 5321 §4.5.3.2.6: 10 minutes for the end of DATA.
    pub data_timeout: Duration,
    /// RFC 5321 §6.3: a message with more `Received:` fields than this is looping.
    pub max_received: usize,
    /// Messages delivered at the same time.
    pub max_parallel: usize,
    /// Connections to one destination domain at the same time.
    pub max_per_domain: usize,
    /// How long one node holds a message it is attempting (`Store::claim_queue_entry`). Longer than any one
    /// attempt (RFC 5321 §4.5.3.2's timeouts for one transaction add up to about half an hour), so two nodes
    /// never attempt it at once; short enough that a message whose node died mid-attempt is not stuck long.
    pub queue_lease: Duration,
    /// Where mail not routed by `routes` goes instead of the recipients' MX hosts.
    pub smarthost: Option<Smarthost>,
    /// The CAs verified TLS trusts (MTA-STS): the public ones, and the operator's `[relay] tls_ca_file`.
    pub trusted_roots: RootCertStore,
    /// The HTTPS port MTA-STS policies are fetched from: 443 (RFC 8461 §3.3), except in tests.
    pub mta_sts_port: u16,
    /// The resolvers asked for DNSSEC-authenticated TLSA records (`[dns] nameservers`; empty: the system's).
    pub nameservers: Vec<SocketAddr>,
    pub dns_timeout: Duration,
    /// The sender of TLS-RPT reports; empty: `postmaster@` the hostname.
    pub tls_report_from: String,
    /// Days the delivery history is kept (`[log] history_days`).
    pub history_days: u32,
    /// The Sieve limits our reports meet when their recipient is local (`[sieve]`).
    pub filtering: Arc<SieveFiltering>,
    /// When an account's outgoing mail is held (`[outbound]`): the engine reports each account's outcomes.
    pub sending: Arc<SendingPolicy>,
}

impl OutboundSettings {
    pub fn new(hostname: &str) -> OutboundSettings {
        OutboundSettings {
            hostname: hostname.to_owned(),
            routes: BTreeMap::new(),
            mx_port: 25,
            schedule: RetrySchedule::default(),
            lifetime: Duration::from_secs(5 * 24 * 3600),
            delay_warning: Duration::from_secs(4 * 3600),
            poll_interval: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(600),
            max_received: 50,
            max_parallel: 32,
            max_per_domain: 8,
            queue_lease: Duration::from_secs(45 * 60),
            smarthost: None,
            trusted_roots: facteur_net::public_roots(),
            mta_sts_port: 443,
            nameservers: Vec::new(),
            dns_timeout: Duration::from_secs(5),
            tls_report_from: String::new(),
            history_days: 30,
            filtering: Arc::default(),
            sending: Arc::default(),
        }
    }
}
