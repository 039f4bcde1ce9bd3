//! One delivery attempt for one queued message: expire what is too old, refuse a looping message, deliver
//! the due recipients one domain (one connection) at a time, tell the sender what they asked to hear
//! (RFC 3461), record each recipient's outcome, and dequeue the message once nobody is left to try.
//!
//! Reports are sent before outcomes are recorded: a crash in between sends a report twice rather than never.

use std::collections::BTreeMap;
use std::time::Duration;

use facteur_primitives::metrics as metric;
use facteur_store::{
    DeliveryAttempt, DeliveryEvent, Direction, Fate, Notify, QueueEntry, QueueRecipient, RecipientStatus, StoreError,
};
use tracing::{debug, info, warn};

use crate::client::{self, Outcome, Outgoing};
use crate::domain_label::domain_label;
use crate::dsn::Action;
use crate::engine::{DeliveryEngine, is_settled};
use crate::reply::Verdict;
use crate::report::{Notice, send_reports};
use crate::route::Hop;
use crate::smarthost::Smarthost;
use crate::sts_fetch::StsOutcome;
use crate::tls::TlsFailure;
use crate::tls_policy::{HopDecision, HopTls, ReportedPolicy, hop_tls, tls_required_no};
use crate::tls_report;

/// Works on `entry` at `now`; see the module documentation.
pub async fn work_on(engine: &DeliveryEngine, mut entry: QueueEntry, now: i64) -> Result<(), StoreError> {
    let content = engine.store.read_blob(entry.blob).await?;
    let mut settled: Vec<(usize, Outcome)> = Vec::new();
    // The server each recipient's attempt reached, for the delivery history.
    let mut vias: BTreeMap<usize, Via> = BTreeMap::new();
    for (index, recipient) in entry.recipients.iter().enumerate() {
        if recipient.status == RecipientStatus::Pending && entry.expires_at <= now {
            settled.push((index, expired(recipient, entry.expires_at - entry.created_at)));
        }
    }
    let due: Vec<usize> = (0..entry.recipients.len())
        .filter(|&i| {
            let r = &entry.recipients[i];
            r.status == RecipientStatus::Pending && r.next_attempt <= now && entry.expires_at > now
        })
        .collect();
    if !due.is_empty() {
        let received = count_received(&content);
        if received > engine.settings.max_received {
            let reply = format!("554 5.4.6 mail loop: {received} Received: header fields (RFC 5321 §6.3)");
            settled.extend(due.iter().map(|&i| (i, Outcome { verdict: Verdict::Permanent, reply: reply.clone() })));
        } else {
            for (domain, indexes) in by_domain(&entry, &due) {
                let mut via = Via::default();
                let outcomes = deliver_to_domain(engine, &entry, &domain, &indexes, &content, &mut via).await;
                vias.extend(indexes.iter().map(|&index| (index, via.clone())));
                settled.extend(indexes.into_iter().zip(outcomes));
            }
        }
    }
    let notices = notices(engine, &entry, &settled, now);
    if !notices.is_empty() && !entry.return_path.is_empty() {
        send_reports(engine, &entry, &content, notices, now).await?;
    }
    let events =
        settled.iter().map(|(index, outcome)| event(&entry, *index, outcome, vias.remove(index), now)).collect();
    facteur_store::history::record(&engine.store, events);
    count_outcomes(engine, &entry, &settled, now).await;
    for (index, outcome) in settled {
        let attempt = record(engine, &entry.recipients[index], &outcome, now);
        let recipient = &mut entry.recipients[index];
        debug!(queue_id = entry.id.0, recipient = %recipient.address, status = %attempt.status, "attempt recorded");
        recipient.status = attempt.status;
        engine.store.record_attempt(entry.id, &recipient.address, attempt).await?;
    }
    if is_settled(&entry) {
        info!(queue_id = entry.id.0, "outbound: message settled for every recipient, dequeued");
        engine.store.dequeue(entry.id).await?;
    }
    Ok(())
}

/// Reports the final outcomes of a submitted message's recipients to the sending policy, which may hold the
/// account. A failure to count is logged: the attempt's results are recorded all the same.
async fn count_outcomes(engine: &DeliveryEngine, entry: &QueueEntry, settled: &[(usize, Outcome)], now: i64) {
    let Some(account) = entry.account else {
        return;
    };
    let bounced: Vec<bool> = settled
        .iter()
        .filter(|(_, outcome)| outcome.verdict != Verdict::Temporary)
        .map(|(_, outcome)| outcome.verdict == Verdict::Permanent)
        .collect();
    if let Err(error) = engine.settings.sending.count_outcomes(engine.store.as_ref(), account, bounced, now).await {
        warn!(queue_id = entry.id.0, %error, "outbound: the account's delivery outcomes could not be counted");
    }
}

/// The server an attempt reached, as the delivery history tells it.
#[derive(Debug, Clone, Default)]
struct Via {
    host: String,
    ip: String,
    tls: &'static str,
    tls_verified: bool,
}

impl Via {
    fn note_tls(&mut self, session: &client::OpenSession) {
        (self.tls, self.tls_verified) = session.tls();
    }
}

/// One recipient's outcome as a history event.
fn event(entry: &QueueEntry, index: usize, outcome: &Outcome, via: Option<Via>, now: i64) -> DeliveryEvent {
    let via = via.unwrap_or_default();
    let fate = match outcome.verdict {
        Verdict::Accepted => Fate::Delivered,
        Verdict::Temporary => Fate::Deferred,
        Verdict::Permanent => Fate::Bounced,
    };
    DeliveryEvent {
        at: now,
        direction: Direction::Outbound,
        fate,
        queue_id: Some(entry.id),
        sender: entry.return_path.clone(),
        recipient: entry.recipients[index].address.clone(),
        // Submission holds an account to the sender addresses it owns: the sender names the account.
        account: String::new(),
        remote_host: via.host,
        remote_ip: via.ip,
        reply: outcome.reply.clone(),
        tls: via.tls.to_owned(),
        tls_verified: via.tls_verified,
        delay_secs: now.saturating_sub(entry.created_at).max(0),
    }
}

fn expired(recipient: &QueueRecipient, lifetime: i64) -> Outcome {
    let last = recipient.last_reply.as_deref().unwrap_or("no attempt succeeded");
    let days = Duration::from_secs(lifetime.max(0) as u64).as_secs_f64() / 86_400.0;
    let reply = format!("5.4.7 gave up after {days:.1} days in the queue; last reply: {last}");
    Outcome { verdict: Verdict::Permanent, reply }
}

/// The due recipients grouped by domain (lower-cased), each group sharing one connection.
fn by_domain(entry: &QueueEntry, due: &[usize]) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &index in due {
        let address = &entry.recipients[index].address;
        let domain = address.rsplit_once('@').map_or(String::new(), |(_, domain)| domain.to_ascii_lowercase());
        groups.entry(domain).or_default().push(index);
    }
    groups
}

/// Tries every next hop of `domain` in order until one settles the recipients; one outcome per index.
async fn deliver_to_domain(
    engine: &DeliveryEngine,
    entry: &QueueEntry,
    domain: &str,
    indexes: &[usize],
    content: &[u8],
    via: &mut Via,
) -> Vec<Outcome> {
    let everyone = |verdict, reply: String| vec![Outcome { verdict, reply }; indexes.len()];
    if domain.is_empty() {
        return everyone(Verdict::Permanent, "553 5.1.3 the address has no domain".into());
    }
    let _slot = engine.domains.acquire(domain).await;
    let routed = engine.settings.routes.keys().any(|routed| routed.eq_ignore_ascii_case(domain));
    let smarthost = engine.settings.smarthost.as_ref().filter(|_| !routed);
    let hops = match smarthost {
        Some(relay) => {
            let route = if relay.host.contains(':') {
                format!("[{}]:{}", relay.host, relay.port)
            } else {
                format!("{}:{}", relay.host, relay.port)
            };
            engine.router.static_hop(&route).await.map(|hop| vec![hop])
        }
        None => engine.router.next_hops(domain).await,
    };
    let hops = match hops {
        Ok(hops) => hops,
        Err(error) => return everyone(error.verdict(), error.to_string()),
    };
    // MTA-STS and DANE concern MX hosts found in DNS, not the operator's own routes or smarthost.
    let policy = domain_tls(engine, domain, smarthost.is_none() && !routed, content, entry.require_tls).await;
    let recipients: Vec<String> = indexes.iter().map(|&i| entry.recipients[i].address.clone()).collect();
    let message =
        Outgoing { return_path: &entry.return_path, recipients: &recipients, content, require_tls: entry.require_tls };
    let mut last_failure = format!("4.4.1 no server for {domain} answered");
    for hop in &hops {
        let way = match way_to(engine, entry, domain, hop, smarthost, &policy).await {
            Ok(way) => way,
            Err(Refusal { verdict: Verdict::Permanent, reason }) => return everyone(Verdict::Permanent, reason),
            Err(Refusal { reason, .. }) => {
                last_failure = reason;
                continue;
            }
        };
        for &address in &hop.addresses {
            *via = Via { host: hop.host.clone(), ip: address.ip().to_string(), ..Via::default() };
            // A session left open by an earlier message to this server, if it still answers RSET.
            if let Some(mut session) = engine.sessions.take(address, way.pool_key())
                && session.reset().await.is_ok()
            {
                via.note_tls(&session);
                match finish(engine, address, session, message).await {
                    Ok(outcomes) => return outcomes,
                    Err(error) if error.verdict() == Verdict::Temporary => {
                        last_failure = format!("{error} ({} [{address}])", hop.host);
                        continue;
                    }
                    Err(error) => return everyone(error.verdict(), format!("{error} ({} [{address}])", hop.host)),
                }
            }
            let connecting = tokio::net::TcpStream::connect(address);
            let tcp = match tokio::time::timeout(engine.settings.connect_timeout, connecting).await {
                Ok(Ok(tcp)) => tcp,
                Ok(Err(error)) => {
                    last_failure = format!("4.4.1 cannot connect to {} [{address}]: {error}", hop.host);
                    continue;
                }
                Err(_) => {
                    last_failure = format!("4.4.1 no answer from {} [{address}]", hop.host);
                    continue;
                }
            };
            let opened = match &way {
                Way::Smarthost(relay) => client::open_smarthost(tcp, relay, &engine.client).await,
                Way::Direct(tls) => {
                    let opened = client::open(tcp, &hop.host, &engine.client, tls).await;
                    if let Some((policy, result)) = session_tls_result(tls, &opened) {
                        tls_report::count(engine, domain, policy, &hop.host, result).await;
                    }
                    opened
                }
            };
            let delivered = match opened {
                Ok(session) => {
                    via.note_tls(&session);
                    finish(engine, address, session, message).await
                }
                Err(error) => Err(error),
            };
            let context = match &way {
                Way::Direct(tls) if tls.reported.is_some() => format!("{} [{address}]; {}", hop.host, tls.description),
                _ => format!("{} [{address}]", hop.host),
            };
            match delivered {
                Ok(outcomes) => return outcomes,
                // RFC 5321 §5.1: a temporary failure of one host sends us to the next one.
                Err(error) if error.verdict() == Verdict::Temporary => {
                    info!(queue_id = entry.id.0, %domain, %error, via = %context, "outbound: attempt deferred");
                    last_failure = format!("{error} ({context})");
                }
                Err(error) => return everyone(error.verdict(), format!("{error} ({context})")),
            }
        }
    }
    everyone(Verdict::Temporary, last_failure)
}

/// What the recipient domain asks of TLS, for all its hops.
struct DomainTls {
    /// The hops are MX hosts from DNS (not a static route or the smarthost), so policies apply.
    via_mx: bool,
    sts: StsOutcome,
    /// The message says `TLS-Required: No`.
    tls_optional: bool,
    /// The message was sent with `REQUIRETLS` (RFC 8689): verified TLS on every hop, or no delivery.
    tls_demanded: bool,
}

/// The MTA-STS policy of `domain` (its fetch failure counted for TLS-RPT) when its hops are MX hosts.
async fn domain_tls(
    engine: &DeliveryEngine,
    domain: &str,
    via_mx: bool,
    content: &[u8],
    require_tls: bool,
) -> DomainTls {
    if !via_mx {
        return DomainTls { via_mx, sts: StsOutcome::default(), tls_optional: false, tls_demanded: require_tls };
    }
    let sts = engine.sts.policy_for(domain).await;
    if let Some(failure) = sts.fetch_failure {
        let reported = ReportedPolicy { policy_type: "sts", policy: String::new() };
        tls_report::count(engine, domain, &reported, "", Some(failure)).await;
    }
    // RFC 8689 §3: the sender prefers delivery to the recipient domain's TLS policy; §4.2.1: unless the
    // message also demands REQUIRETLS, which wins.
    let tls_optional = !require_tls && tls_required_no(content);
    DomainTls { via_mx, sts, tls_optional, tls_demanded: require_tls }
}

/// Why a hop is not tried: for now (a policy says wait), or for good (REQUIRETLS cannot be honoured).
struct Refusal {
    verdict: Verdict,
    reason: String,
}

impl Refusal {
    fn temporary(reason: String) -> Refusal {
        Refusal { verdict: Verdict::Temporary, reason }
    }

    /// RFC 8689 §5: a REQUIRETLS message that cannot go over verified TLS is returned, not kept.
    fn requiretls(domain: &str, why: &str) -> Refusal {
        let reason =
            format!("550 5.7.10 REQUIRETLS: {domain} {why}, so the message cannot be sent as its sender asked");
        Refusal { verdict: Verdict::Permanent, reason }
    }
}

/// How `hop` is reached, or why its domain's TLS policy rules it out for now (a 4.7.5 reason).
async fn way_to<'a>(
    engine: &DeliveryEngine,
    entry: &QueueEntry,
    domain: &str,
    hop: &Hop,
    smarthost: Option<&'a Smarthost>,
    policy: &DomainTls,
) -> Result<Way<'a>, Refusal> {
    // The smarthost's certificate is always verified; it must still offer REQUIRETLS (see `client`).
    if let Some(relay) = smarthost {
        return Ok(Way::Smarthost(relay));
    }
    if !policy.via_mx {
        if policy.tls_demanded {
            return Err(Refusal::requiretls(domain, "is reached by a static route, whose TLS is not verified"));
        }
        return Ok(Way::Direct(HopTls::opportunistic(engine)));
    }
    match hop_tls(engine, domain, &hop.host, &policy.sts).await {
        HopDecision::Connect(tls) if policy.tls_demanded && !tls.required => Err(Refusal::requiretls(
            domain,
            "publishes no policy that verifies its servers' TLS (MTA-STS in enforce mode, or DANE)",
        )),
        HopDecision::Connect(tls) if policy.tls_optional => Ok(Way::Direct(tls.relaxed(engine))),
        HopDecision::Connect(tls) => Ok(Way::Direct(tls)),
        HopDecision::Skip { reason, reported } => {
            if let Some((reported, failure)) = reported {
                tls_report::count(engine, domain, &reported, &hop.host, Some(failure)).await;
            }
            let (queue_id, mx) = (entry.id.0, &hop.host);
            if policy.tls_optional {
                info!(queue_id, %domain, %mx, %reason, "outbound: TLS-Required: No, so the policy failure is ignored");
                return Ok(Way::Direct(HopTls::opportunistic(engine)));
            }
            warn!(queue_id, %domain, %mx, %reason, "outbound: MX host skipped");
            Err(Refusal::temporary(reason))
        }
    }
}

/// How a hop is reached: the smarthost's verified TLS and AUTH, or directly with the TLS the policy decides.
enum Way<'a> {
    Smarthost(&'a Smarthost),
    Direct(HopTls),
}

impl Way<'_> {
    fn pool_key(&self) -> &str {
        match self {
            Way::Smarthost(_) => "smarthost",
            Way::Direct(tls) => tls.pool_key(),
        }
    }
}

/// A new session's TLS result for TLS-RPT when a policy applied (RFC 8460 §4.4): success (`None`), or the
/// failure the certificate check or the missing STARTTLS was. Trouble unrelated to TLS is not counted.
fn session_tls_result<'a>(
    tls: &'a HopTls,
    opened: &Result<client::OpenSession, client::SessionError>,
) -> Option<(&'a ReportedPolicy, Option<TlsFailure>)> {
    let policy = tls.reported.as_ref()?;
    let result = match opened {
        Ok(_) => tls.observed.take_failure(),
        Err(client::SessionError::NoStartTls(_)) => Some(TlsFailure::StarttlsNotSupported),
        Err(client::SessionError::Tls(_)) => Some(tls.observed.take_failure().unwrap_or(TlsFailure::ValidationFailure)),
        Err(_) => {
            tls.observed.take_failure();
            return None;
        }
    };
    Some((policy, result))
}

/// Sends `message` over `session`; a session that carried it to the end is kept for the next message.
async fn finish(
    engine: &DeliveryEngine,
    address: std::net::SocketAddr,
    mut session: client::OpenSession,
    message: Outgoing<'_>,
) -> Result<Vec<Outcome>, client::SessionError> {
    let outcomes = session.send(&engine.client, message).await?;
    engine.sessions.give_back(address, session);
    Ok(outcomes)
}

/// What the attempt becomes in the store.
fn record(engine: &DeliveryEngine, recipient: &QueueRecipient, outcome: &Outcome, now: i64) -> DeliveryAttempt {
    let (status, next_attempt, result) = match outcome.verdict {
        Verdict::Accepted => (RecipientStatus::Delivered, now, "delivered"),
        Verdict::Permanent => (RecipientStatus::Failed, now, "bounced"),
        Verdict::Temporary => {
            let delay = engine.settings.schedule.delay_after(recipient.attempts.saturating_add(1));
            (RecipientStatus::Pending, now.saturating_add(delay.as_secs() as i64), "deferred")
        }
    };
    metrics::counter!(metric::DELIVERIES_TOTAL, metric::labels::RESULT => result).increment(1);
    let domain = domain_label(recipient.address.rsplit_once('@').map_or("", |(_, domain)| domain));
    metrics::counter!(metric::DELIVERIES_BY_DOMAIN_TOTAL, metric::labels::DOMAIN => domain, metric::labels::RESULT => result)
        .increment(1);
    DeliveryAttempt { status, next_attempt, reply: Some(outcome.reply.clone()) }
}

/// The reports the recipients' outcomes call for, given their `NOTIFY` (RFC 3461 §4.1).
fn notices<'a>(
    engine: &DeliveryEngine,
    entry: &'a QueueEntry,
    settled: &'a [(usize, Outcome)],
    now: i64,
) -> Vec<Notice<'a>> {
    let mut notices = Vec::new();
    for (index, outcome) in settled {
        let recipient = &entry.recipients[*index];
        let action = match outcome.verdict {
            Verdict::Permanent if recipient.notify.contains(Notify::FAILURE) => Action::Failed,
            Verdict::Accepted if recipient.notify.contains(Notify::SUCCESS) => Action::Relayed,
            Verdict::Temporary
                if recipient.notify.contains(Notify::DELAY)
                    && crosses_delay_threshold(engine, entry, recipient, now) =>
            {
                Action::Delayed
            }
            _ => continue,
        };
        notices.push(Notice { recipient, action, diagnostic: &outcome.reply });
    }
    notices
}

/// Whether this attempt is the first one at or after the delay-warning time, so the warning goes once.
/// The previous attempt's time is not stored; it is the scheduled time of this one minus the delay that
/// followed it (an operator's `queue retry` can make that estimate early, at worst warning twice).
fn crosses_delay_threshold(engine: &DeliveryEngine, entry: &QueueEntry, recipient: &QueueRecipient, now: i64) -> bool {
    let threshold = entry.created_at.saturating_add(engine.settings.delay_warning.as_secs() as i64);
    if now < threshold || threshold >= entry.expires_at {
        return false;
    }
    if recipient.attempts == 0 {
        return true;
    }
    let previous = recipient.next_attempt - engine.settings.schedule.delay_after(recipient.attempts).as_secs() as i64;
    previous < threshold
}

/// `Received:` fields in the header section (RFC 5321 §6.3 loop detection).
fn count_received(content: &[u8]) -> usize {
    let mut count = 0;
    for line in content.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.len() >= 9 && line[..9].eq_ignore_ascii_case(b"received:") {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_fields_are_counted_in_the_header_only() {
        let message = b"Received: a\r\nRECEIVED: b\r\n  folded\r\nSubject: x\r\n\r\nReceived: in body\r\n";
        assert_eq!(count_received(message), 2);
        assert_eq!(count_received(b""), 0);
    }
}
