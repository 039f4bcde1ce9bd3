//! The spam verdict at the end of DATA on the MX face (issue 18): what every recipient shares (the content
//! checks, the DNS lists) is found here, once per message; each account's own part (correspondents, its
//! classifier) is added at delivery by `facteur-spam`. A score at the reject threshold is refused here, unless
//! a recipient writes to the sender.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use facteur_delivery::Destination;
use facteur_primitives::metrics as metric;
use facteur_primitives::unix_now;
use facteur_spam::dns_lists::{self, ListKind, Zone};
use facteur_spam::rspamd::{Bytes, RspamdAction, RspamdClient, RspamdReply, RspamdRequest};
use facteur_spam::{Action, Judgement, Reason, Thresholds, Verdict, content};
use futures_util::future::join_all;
use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::{RData, RecordType};
use tracing::{info, warn};

use crate::envelope::Envelope;
use crate::reply::Reply;
use crate::session::Session;

/// `[spam]` as the SMTP engine applies it.
#[derive(Clone)]
pub struct SpamChecks {
    /// The process's shared resolver (its cache is shared with sender authentication and delivery).
    pub resolver: TokioResolver,
    pub zones: Vec<Zone>,
    pub thresholds: Thresholds,
    /// Whether accounts' classifiers are asked at delivery.
    pub bayes: bool,
    /// How long the DNS list lookups of one message may take together. Past it they are skipped, with a log
    /// line: a slow list must neither defer mail nor let it wait.
    pub timeout: Duration,
    /// A running rspamd, asked about each message.
    pub rspamd: Option<Rspamd>,
    /// Greylisting at RCPT, when on.
    pub greylisting: Option<facteur_store::Greylisting>,
}

/// rspamd, and how its verdict joins ours (`[spam] rspamd_mode`).
#[derive(Debug, Clone)]
pub struct Rspamd {
    pub client: RspamdClient,
    /// Its action decides in place of the built-in checks; otherwise its score adds to theirs.
    pub replaces_builtin: bool,
}

impl std::fmt::Debug for SpamChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpamChecks")
            .field("zones", &self.zones)
            .field("thresholds", &self.thresholds)
            .field("bayes", &self.bayes)
            .finish_non_exhaustive()
    }
}

/// What the lists are asked about.
struct Queried<'a> {
    client: IpAddr,
    domains: Vec<String>,
    checks: &'a SpamChecks,
}

impl Session<'_> {
    /// The shared verdict of a message from another server, or the refusal of one whose score reaches the
    /// reject threshold. `authenticated_domain` is the From: domain sender authentication vouched for.
    pub(crate) async fn judge_spam(
        &self,
        envelope: &Envelope,
        content: &[u8],
        authenticated_domain: Option<&str>,
    ) -> Result<Option<Judgement>, Reply> {
        let Some(checks) = self.server.spam.as_deref() else { return Ok(None) };
        let summary = facteur_message::ingest(content);
        let rspamd = self.ask_rspamd(checks, envelope, content).await;
        let mut decided = None;
        let mut reasons = Vec::new();
        match &rspamd {
            Some((reply, true)) => {
                decided = Some(rspamd_action(reply, envelope)?);
                reasons.push(rspamd_reason(reply, true));
            }
            _ => {
                reasons = self.builtin_reasons(checks, envelope, content, &summary).await;
                if let Some((reply, false)) = &rspamd {
                    reasons.push(rspamd_reason(reply, false));
                }
            }
        }
        let authenticated_from = authenticated_from(&summary, authenticated_domain);
        let judgement = Judgement {
            verdict: Verdict { reasons, known_correspondent: None, decided },
            thresholds: checks.thresholds,
            hostname: self.server.settings.hostname.clone(),
            authenticated_from,
            bayes: checks.bayes,
            summary,
        };
        if judgement.verdict.action(&checks.thresholds) == Action::Reject
            && !self.known_to_a_recipient(&judgement, envelope).await
        {
            return Err(refusal(&judgement.verdict, envelope));
        }
        Ok(Some(judgement))
    }

    /// The content checks and what the DNS lists say.
    async fn builtin_reasons(
        &self,
        checks: &SpamChecks,
        envelope: &Envelope,
        content: &[u8],
        summary: &facteur_message::MessageSummary,
    ) -> Vec<Reason> {
        let local_domains = recipient_domains(envelope);
        let facts = content::Facts { raw: content, summary, now: unix_now(), local_domains: &local_domains };
        let mut reasons = content::check(&facts);
        let mut domains = content::link_domains(content, summary);
        domains.extend(self.helo_domain());
        domains.extend(facteur_primitives::domain_of(&envelope.sender.address()));
        domains.dedup();
        let queried = Queried { client: self.connection.peer_addr().ip(), domains, checks };
        reasons.extend(list_reasons(&queried).await);
        reasons
    }

    /// rspamd's reply and whether it replaces the built-in checks; `None` when it is not configured or did
    /// not answer (logged: the built-in checks then apply alone).
    async fn ask_rspamd(
        &self,
        checks: &SpamChecks,
        envelope: &Envelope,
        content: &[u8],
    ) -> Option<(RspamdReply, bool)> {
        let rspamd = checks.rspamd.as_ref()?;
        let request = RspamdRequest {
            client_ip: self.connection.peer_addr().ip(),
            client_hostname: None,
            helo: self.state.greeting.as_ref().map(|greeting| greeting.name.clone()),
            mail_from: envelope.sender.address(),
            recipients: envelope.recipients.iter().map(|recipient| recipient.mailbox.to_string()).collect(),
            our_hostname: Some(self.server.settings.hostname.clone()),
            queue_id: None,
            authenticated_user: None,
            message: Bytes::copy_from_slice(content),
        };
        match rspamd.client.check(&request).await {
            Ok(reply) => Some((reply, rspamd.replaces_builtin)),
            Err(error) => {
                warn!(url = %rspamd.client.url(), %error, "rspamd did not answer; the built-in score applies alone");
                None
            }
        }
    }

    /// Whether some local recipient writes to the authenticated sender: such mail is never refused for its
    /// score (each account then judges its own copy).
    async fn known_to_a_recipient(&self, judgement: &Judgement, envelope: &Envelope) -> bool {
        let Some(from) = judgement.authenticated_from.as_deref() else { return false };
        for account in local_accounts(envelope) {
            match self.server.store.spam_profile(account, from).await {
                Ok(profile) if profile.correspondent => return true,
                Ok(_) => {}
                Err(error) => warn!(%error, "correspondents could not be read; judging on the score alone"),
            }
        }
        false
    }

    /// The HELO name, when it is a domain name (not an address literal).
    fn helo_domain(&self) -> Option<String> {
        let name = self.state.greeting.as_ref()?.name.to_ascii_lowercase();
        (name.contains('.') && !name.starts_with('[')).then_some(name)
    }
}

/// 550 5.7.1 with the rules that matched (never their details: they quote the sender's message).
fn refusal(verdict: &Verdict, envelope: &Envelope) -> Reply {
    let rules: Vec<&str> = verdict.reasons.iter().map(|reason| reason.rule.as_str()).collect();
    info!(sender = %envelope.sender.bracketed(), score = format!("{:.1}", verdict.score()), rules = %rules.join(","),
        "message refused as spam");
    metrics::counter!(metric::SPAM_VERDICTS_TOTAL, metric::labels::ACTION => Action::Reject.as_str()).increment(1);
    Reply::new(550, "5.7.1", format!("Message refused as spam (score {:.1}: {})", verdict.score(), rules.join(", ")))
}

/// rspamd's verdict as one reason: its score (counted when it is beside ours, shown only when its action
/// decides) and its weightiest symbols.
fn rspamd_reason(reply: &RspamdReply, decides: bool) -> Reason {
    let symbols: Vec<String> =
        reply.symbols.iter().take(12).map(|symbol| format!("{}={:.1}", symbol.rule, symbol.score)).collect();
    let detail = format!(
        "action {}, score {:.1} of {:.1}: {}",
        reply.action.as_str(),
        reply.score,
        reply.required_score,
        if symbols.is_empty() { "no symbols".to_owned() } else { symbols.join(" ") }
    );
    Reason::new("RSPAMD", if decides { 0.0 } else { reply.score }, detail)
}

/// rspamd's action as ours, when it decides: a soft reject is said now (451), like a greylisting would be;
/// adding a header, rewriting the subject or quarantining all mean Junk here.
fn rspamd_action(reply: &RspamdReply, envelope: &Envelope) -> Result<Action, Reply> {
    Ok(match reply.action {
        RspamdAction::NoAction | RspamdAction::Greylist => Action::Deliver,
        RspamdAction::AddHeader | RspamdAction::RewriteSubject | RspamdAction::Quarantine => Action::Junk,
        RspamdAction::Reject => Action::Reject,
        RspamdAction::Discard => Action::Discard,
        RspamdAction::SoftReject => {
            info!(sender = %envelope.sender.bracketed(), "rspamd asked to try again later");
            return Err(Reply::new(451, "4.7.1", "Try again later"));
        }
    })
}

/// What every configured list says, asked all at once within the time limit.
async fn list_reasons(queried: &Queried<'_>) -> Vec<Reason> {
    let checks = queried.checks;
    let mut lookups = Vec::new();
    for zone in &checks.zones {
        match zone.kind {
            ListKind::Block | ListKind::Allow => {
                let name = dns_lists::address_query(queried.client, &zone.name);
                lookups.push(ask(checks, zone, queried.client.to_string(), name));
            }
            ListKind::Uri => {
                for domain in &queried.domains {
                    lookups.push(ask(checks, zone, domain.clone(), dns_lists::domain_query(domain, &zone.name)));
                }
            }
        }
    }
    if lookups.is_empty() {
        return Vec::new();
    }
    match tokio::time::timeout(checks.timeout, join_all(lookups)).await {
        Ok(found) => found.into_iter().flatten().collect(),
        Err(_) => {
            warn!(timeout = ?checks.timeout, "DNS list lookups timed out; the message is judged without them");
            Vec::new()
        }
    }
}

/// One list's answer about `what`: a reason when it lists it. No answer (NXDOMAIN) is the usual "not
/// listed"; a failure is logged and counts as not listed.
async fn ask(checks: &SpamChecks, zone: &Zone, what: String, name: String) -> Option<Reason> {
    let answers: Vec<Ipv4Addr> = match checks.resolver.lookup(name.as_str(), RecordType::A).await {
        Ok(lookup) => lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect(),
        Err(error) if error.is_nx_domain() || error.is_no_records_found() => return None,
        Err(error) => {
            info!(zone = %zone.name, %error, "DNS list lookup failed");
            return None;
        }
    };
    let answer = dns_lists::listing(zone, &answers)?;
    info!(zone = %zone.name, %what, %answer, "listed in a DNS list");
    Some(dns_lists::reason(zone, &what, answer))
}

/// The From: address, when sender authentication vouched for its domain.
fn authenticated_from(summary: &facteur_message::MessageSummary, domain: Option<&str>) -> Option<String> {
    let domain = domain?;
    let from = summary.envelope.from.first()?;
    let host = from.host.as_deref()?;
    host.eq_ignore_ascii_case(domain).then(|| from.addr_spec()).flatten().map(|address| address.to_lowercase())
}

/// Our domains the message is addressed to: a From: imitating one of them is phishing its recipients.
fn recipient_domains(envelope: &Envelope) -> Vec<String> {
    let mut domains: Vec<String> = envelope
        .recipients
        .iter()
        .filter(|recipient| matches!(recipient.destination, Destination::Local(_)))
        .map(|recipient| recipient.mailbox.domain.as_str().to_ascii_lowercase())
        .collect();
    domains.sort();
    domains.dedup();
    domains
}

fn local_accounts(envelope: &Envelope) -> Vec<facteur_store::AccountId> {
    let mut accounts = Vec::new();
    for recipient in &envelope.recipients {
        if let Destination::Local(resolution) = &recipient.destination {
            accounts.extend(resolution.accounts.iter().copied());
        }
    }
    accounts.sort();
    accounts.dedup();
    accounts
}
