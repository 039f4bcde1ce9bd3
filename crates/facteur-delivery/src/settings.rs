//! What the delivery engine can be told, with defaults that suit a real server.

use std::collections::BTreeMap;
use std::time::Duration;

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
    /// Where mail not routed by `routes` goes instead of the recipients' MX hosts.
    pub smarthost: Option<Smarthost>,
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
            smarthost: None,
        }
    }
}
