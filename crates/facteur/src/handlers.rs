//! Which engine answers each listener's connections, built from the configuration.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use facteur_auth::{LoginThrottle, ThrottlePolicy};
use facteur_config::{AuthFailAction, Config, Protocol};
use facteur_mailauth::{
    AuthSettings, Authenticator, FailAction, KeyStore, MailAuthError, Policy, Signer, TokioResolver, dns_resolver,
};
use facteur_net::ConnectionHandler;
use facteur_spam::dns_lists::{ListKind, Zone};
use facteur_store::Store;

/// What every protocol engine shares: the store, one login throttle (so that failures on IMAP slow down
/// guesses on submission too, and on the other nodes of a shared database), one DNS resolver (sender
/// authentication and outbound delivery share its cache), the sender authentication of every SMTP
/// listener (its caches, one signer and its loaded keys), and Sieve at delivery (`[sieve]`'s limits, which
/// ManageSieve compiles uploads under too, and the SRS secret of redirects, which SMTP checks bounces with).
pub struct Engines {
    config: Config,
    /// Where relative file names of the configuration (the smarthost's password and CA files) start.
    data_dir: std::path::PathBuf,
    store: Arc<dyn Store>,
    throttle: Arc<LoginThrottle>,
    resolver: TokioResolver,
    sender_auth: facteur_smtp::SenderAuth,
    filtering: Arc<facteur_delivery::SieveFiltering>,
    /// `[outbound]`: the one policy submission (every face) and the delivery engine apply.
    sending: Arc<facteur_delivery::SendingPolicy>,
}

impl Engines {
    /// Fails only when the system resolver configuration cannot be read. `srs` signs the sender of mail Sieve
    /// scripts redirect and checks the bounces that come back (`None` for a command that delivers nothing).
    /// Networks that fail to log in too often go into `bans`, which the listeners refuse.
    pub fn new(
        config: &Config,
        store: Arc<dyn Store>,
        dkim_dir: &Path,
        srs: Option<facteur_delivery::Srs>,
        bans: facteur_net::Bans,
    ) -> Result<Engines, MailAuthError> {
        let resolver = dns_resolver(&config.dns.nameservers, query_timeout(config))?;
        let sender_auth = sender_auth(config, dkim_dir, &resolver);
        let data_dir = dkim_dir.parent().unwrap_or(dkim_dir).to_path_buf();
        // Nodes on one database count failures together: guesses spread over them are slowed as one.
        let policy = ThrottlePolicy {
            ban_after: config.auth.ban_after_failures,
            ban_for: Duration::from_secs(config.auth.ban_minutes.saturating_mul(60)),
            ..ThrottlePolicy::default()
        };
        let throttle = match Arc::clone(&store).shared() {
            Some(shared) => LoginThrottle::shared(policy, shared),
            None => LoginThrottle::new(policy),
        };
        let throttle = Arc::new(throttle.banning_into(bans));
        let filtering = facteur_delivery::SieveFiltering::new(sieve_limits(config));
        let filtering = Arc::new(match srs {
            Some(srs) => filtering.with_srs(srs),
            None => filtering,
        });
        let sending = Arc::new(sending_policy(&config.outbound));
        Ok(Engines { config: config.clone(), data_dir, store, throttle, resolver, sender_auth, filtering, sending })
    }

    /// The handler for listeners speaking `protocol`; `None` for `http`, which `facteur-http` serves itself
    /// (see `crate::http`).
    pub fn handler(&self, protocol: Protocol) -> Option<Arc<dyn ConnectionHandler>> {
        match protocol {
            Protocol::Smtp => Some(self.smtp(facteur_smtp::Face::Mx)),
            Protocol::Submission => Some(self.smtp(facteur_smtp::Face::Submission)),
            Protocol::Imap => Some(self.imap()),
            Protocol::Pop3 => Some(self.pop3()),
            Protocol::ManageSieve => Some(self.managesieve()),
            Protocol::Http => None,
        }
    }

    /// The outbound delivery engine, configured from `[server]`, `[dns]`, `[relay]` and `[queue]`.
    pub fn outbound(&self) -> Result<Arc<facteur_delivery::DeliveryEngine>, facteur_delivery::EngineError> {
        let mut settings = facteur_delivery::OutboundSettings::new(&self.config.server.hostname);
        settings.routes = self.config.relay.routes.clone();
        settings.mx_port = self.config.relay.mx_port;
        settings.lifetime = Duration::from_secs(self.config.queue.lifetime_secs);
        settings.delay_warning = Duration::from_secs(self.config.queue.delay_warning_secs);
        settings.schedule = facteur_delivery::RetrySchedule {
            first: Duration::from_secs(self.config.queue.retry_first_secs.max(1)),
            cap: Duration::from_secs(self.config.queue.retry_max_secs.max(1)),
        };
        settings.max_parallel = self.config.queue.max_parallel.max(1);
        settings.max_per_domain = self.config.queue.max_per_domain.max(1);
        settings.queue_lease = Duration::from_secs(self.config.queue.lease_secs);
        settings.smarthost = self.smarthost()?;
        settings.trusted_roots = self.trusted_roots()?;
        settings.mta_sts_port = self.config.relay.mta_sts_port;
        settings.nameservers = self.config.dns.nameservers.clone();
        settings.dns_timeout = query_timeout(&self.config);
        settings.tls_report_from = self.config.relay.tls_report_from.clone();
        settings.history_days = self.config.log.history_days;
        settings.filtering = Arc::clone(&self.filtering);
        settings.sending = Arc::clone(&self.sending);
        let engine = facteur_delivery::DeliveryEngine::new(settings, Arc::clone(&self.store), self.resolver.clone())?;
        if let Some(signer) = &self.sender_auth.signer {
            engine.sign_reports_with(Arc::clone(signer));
        }
        Ok(engine)
    }

    /// The CAs verified MX TLS (MTA-STS) trusts: the public ones and those of `[relay] tls_ca_file`.
    fn trusted_roots(&self) -> Result<rustls::RootCertStore, facteur_delivery::EngineError> {
        let name = &self.config.relay.tls_ca_file;
        let ca_file = (!name.is_empty()).then(|| self.data_dir.join(name));
        facteur_net::trusted_roots(ca_file.as_deref())
            .map_err(|error| facteur_delivery::EngineError::TrustedRoots(format!("[relay] tls_ca_file: {error}")))
    }

    /// `[relay] smarthost…`, with the password read from its file and the CA file loaded.
    fn smarthost(&self) -> Result<Option<facteur_delivery::Smarthost>, facteur_delivery::EngineError> {
        use facteur_delivery::{EngineError, Smarthost, SmarthostTls, verifying_client_config};
        let relay = &self.config.relay;
        let Some((host, port)) = relay.smarthost.rsplit_once(':') else { return Ok(None) };
        let port =
            port.parse().map_err(|_| EngineError::Smarthost(format!("smarthost {:?}: bad port", relay.smarthost)))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let file = |name: &str| (!name.is_empty()).then(|| self.data_dir.join(name));
        let credentials = match file(&relay.smarthost_password_file) {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|error| {
                    EngineError::Smarthost(format!("smarthost password file {}: {error}", path.display()))
                })?;
                let password = text.lines().next().unwrap_or_default().to_owned();
                Some((relay.smarthost_user.clone(), password))
            }
        };
        let ca_file = file(&relay.smarthost_ca_file);
        let tls_config =
            verifying_client_config(ca_file.as_deref()).map_err(|error| EngineError::Smarthost(error.to_string()))?;
        let tls = match relay.smarthost_tls {
            facteur_config::SmarthostTls::Starttls => SmarthostTls::StartTls,
            facteur_config::SmarthostTls::Implicit => SmarthostTls::Implicit,
        };
        Ok(Some(Smarthost { host, port, tls, credentials, tls_config }))
    }

    /// The JMAP server (and through it the webmail's sessions) of the https listeners: the same store, login
    /// throttle and submission path (signer included) as the mail protocols.
    pub fn jmap(&self) -> facteur_jmap::Jmap {
        let login = Arc::new(facteur_auth::Login::new(Arc::clone(&self.store), Arc::clone(&self.throttle)));
        let submission = facteur_delivery::Submission::new(Arc::clone(&self.store), self.sender_auth.signer.clone())
            .with_filtering(Arc::clone(&self.filtering))
            .with_policy(Arc::clone(&self.sending));
        let settings = facteur_jmap::JmapSettings {
            hostname: self.config.server.hostname.clone(),
            queue_lifetime: Duration::from_secs(self.config.queue.lifetime_secs),
            limits: facteur_jmap::JmapLimits::default(),
            sieve_limits: self.sieve_quota(),
        };
        facteur_jmap::Jmap::new(Arc::clone(&self.store), login, submission, settings)
    }

    fn imap(&self) -> Arc<dyn ConnectionHandler> {
        let mut settings = facteur_imap::Settings::new(&self.config.server.hostname);
        settings.allow_plaintext_auth = self.config.auth.allow_plaintext;
        Arc::new(facteur_imap::ImapServer::new(settings, Arc::clone(&self.store), Arc::clone(&self.throttle)))
    }

    fn pop3(&self) -> Arc<dyn ConnectionHandler> {
        let pop3 = &self.config.pop3;
        let mut settings = facteur_pop3::Settings::new(&self.config.server.hostname);
        settings.allow_plaintext_auth = self.config.auth.allow_plaintext;
        settings.dele_action = match pop3.dele_action {
            facteur_config::DeleAction::Expunge => facteur_pop3::DeleAction::Expunge,
            facteur_config::DeleAction::Trash => facteur_pop3::DeleAction::Trash,
        };
        settings.idle_timeout = Duration::from_secs(pop3.idle_timeout_secs);
        settings.max_errors = pop3.max_errors;
        Arc::new(facteur_pop3::Pop3Server::new(settings, Arc::clone(&self.store), Arc::clone(&self.throttle)))
    }

    /// `[sieve]`'s quota of what an account keeps: the store enforces it for ManageSieve's PUTSCRIPT and for
    /// the scripts the filters forms generate.
    pub fn sieve_quota(&self) -> facteur_store::SieveLimits {
        let sieve = &self.config.sieve;
        facteur_store::SieveLimits {
            max_scripts: usize::try_from(sieve.max_scripts).unwrap_or(usize::MAX),
            max_script_bytes: sieve.max_script_bytes,
        }
    }

    /// `[sieve]`'s quota is enforced by the store at PUTSCRIPT, and uploads compile under the limits delivery
    /// runs scripts under.
    fn managesieve(&self) -> Arc<dyn ConnectionHandler> {
        let mut settings = facteur_managesieve::Settings::new(&self.config.server.hostname);
        settings.allow_plaintext_auth = self.config.auth.allow_plaintext;
        settings.limits = self.sieve_quota();
        settings.compile_limits = self.filtering.limits().clone();
        let store = Arc::clone(&self.store);
        Arc::new(facteur_managesieve::ManageSieveServer::new(settings, store, Arc::clone(&self.throttle)))
    }

    fn smtp(&self, face: facteur_smtp::Face) -> Arc<dyn ConnectionHandler> {
        let smtp = &self.config.smtp;
        let mut settings = facteur_smtp::Settings::new(&self.config.server.hostname, face);
        settings.max_message_size = smtp.max_message_size;
        settings.max_recipients = smtp.max_recipients as usize;
        settings.max_errors = smtp.max_errors;
        settings.command_timeout = Duration::from_secs(smtp.command_timeout_secs);
        settings.data_timeout = Duration::from_secs(smtp.data_timeout_secs);
        settings.allow_plaintext_auth = self.config.auth.allow_plaintext;
        settings.queue_lifetime = Duration::from_secs(self.config.queue.lifetime_secs);
        let server = facteur_smtp::SmtpServer::new(settings, Arc::clone(&self.store), Arc::clone(&self.throttle));
        let server = server.with_sending_policy(Arc::clone(&self.sending));
        let server = server.with_sender_auth(self.sender_auth.clone()).with_filtering(Arc::clone(&self.filtering));
        Arc::new(server.with_spam_checks(self.spam_checks()))
    }
}

impl Engines {
    /// `[spam]` as the SMTP engine applies it; `None` when it is off.
    fn spam_checks(&self) -> Option<facteur_smtp::SpamChecks> {
        let spam = &self.config.spam;
        if !spam.enabled {
            return None;
        }
        let thresholds = spam_thresholds(&self.config);
        let lists = [(ListKind::Block, &spam.dnsbl, spam.junk_score), (ListKind::Allow, &spam.dnswl, -spam.junk_score)];
        let lists = lists.into_iter().chain([(ListKind::Uri, &spam.uribl, spam.junk_score)]);
        let zones = lists
            .flat_map(|(kind, configured, default_score)| {
                configured.iter().map(move |list| Zone {
                    name: list.zone().trim_end_matches('.').to_ascii_lowercase(),
                    kind,
                    score: list.score().unwrap_or(default_score),
                    codes: list.codes().to_vec(),
                })
            })
            .collect();
        Some(facteur_smtp::SpamChecks {
            resolver: self.resolver.clone(),
            zones,
            thresholds,
            bayes: spam.bayes,
            timeout: query_timeout(&self.config),
            rspamd: self.rspamd(),
            greylisting: spam.greylisting.then(|| facteur_store::Greylisting {
                delay: i64::try_from(spam.greylist_delay_secs).unwrap_or(i64::MAX),
                // RFC 6647 §4.2: retries are expected within hours; a day is generous.
                window: 24 * 3600,
                keep: 36 * 24 * 3600,
            }),
        })
    }

    /// `[spam] rspamd`, when set. An address the client cannot use is logged and rspamd left out: mail must
    /// flow without it.
    fn rspamd(&self) -> Option<facteur_smtp::Rspamd> {
        let spam = &self.config.spam;
        if spam.rspamd.is_empty() {
            return None;
        }
        let timeout = Duration::from_secs(spam.rspamd_timeout_secs.max(1));
        let client = match facteur_spam::rspamd::RspamdClient::new(&spam.rspamd, timeout) {
            Ok(client) if spam.rspamd_password.is_empty() => client,
            Ok(client) => client.with_password(spam.rspamd_password.clone()),
            Err(error) => {
                tracing::warn!(url = %spam.rspamd, %error, "[spam] rspamd is unusable; not asking it");
                return None;
            }
        };
        let replaces_builtin = spam.rspamd_mode == facteur_config::RspamdMode::Replace;
        Some(facteur_smtp::Rspamd { client, replaces_builtin })
    }
}

/// `[spam]`'s thresholds, a 0 meaning "never": the server's, and those `facteur spam explain` judges by.
pub fn spam_thresholds(config: &Config) -> facteur_spam::Thresholds {
    let spam = &config.spam;
    facteur_spam::Thresholds {
        junk: spam.junk_score,
        reject: (spam.reject_score > 0.0).then_some(spam.reject_score),
        discard: (spam.discard_score > 0.0).then_some(spam.discard_score),
    }
}

/// `[outbound]` as delivery applies it: each 0 turns its rule off.
fn sending_policy(outbound: &facteur_config::OutboundConfig) -> facteur_delivery::SendingPolicy {
    let bounce_hold =
        (outbound.hold_bounce_percent > 0 && outbound.hold_bounce_window > 0).then(|| facteur_delivery::BounceHold {
            percent: u64::from(outbound.hold_bounce_percent),
            window: u64::from(outbound.hold_bounce_window),
        });
    let volume_hold = (outbound.hold_volume_factor > 0).then(|| facteur_delivery::VolumeHold {
        factor: u64::from(outbound.hold_volume_factor),
        min_messages: u64::from(outbound.hold_volume_min_messages),
    });
    facteur_delivery::SendingPolicy {
        max_messages_per_hour: u64::from(outbound.max_messages_per_hour),
        max_recipients_per_hour: u64::from(outbound.max_recipients_per_hour),
        bounce_hold,
        volume_hold,
    }
}

/// `[sieve]` as `facteur-sieve` limits: THE limits scripts compile and run under, at upload (ManageSieve) and at
/// delivery, so a script behaves as its upload was told (the size it was allowed, MAXREDIRECTS); the
/// limits `[sieve]` does not name are `facteur-sieve`'s defaults (Pigeonhole's).
fn sieve_limits(config: &Config) -> facteur_sieve::Limits {
    let sieve = &config.sieve;
    facteur_sieve::Limits {
        max_script_bytes: usize::try_from(sieve.max_script_bytes).unwrap_or(usize::MAX),
        max_redirects: usize::try_from(sieve.max_redirects).unwrap_or(usize::MAX),
        ..facteur_sieve::Limits::default()
    }
}

/// One DNS query's time limit: hickory's 5 s, less when `[mail_auth] check_timeout_secs` is shorter, so that
/// one query may not use up a check's whole budget and there is room for hickory's retry.
fn query_timeout(config: &Config) -> Duration {
    Duration::from_secs(5).min(Duration::from_secs(config.mail_auth.check_timeout_secs))
}

/// `[mail_auth]`: the inbound checks on the shared resolver, the signer over `dkim_dir`.
fn sender_auth(config: &Config, dkim_dir: &Path, resolver: &TokioResolver) -> facteur_smtp::SenderAuth {
    let mail_auth = &config.mail_auth;
    let inbound = if mail_auth.verify_inbound {
        let settings = AuthSettings::new(&config.server.hostname);
        let timeout = Duration::from_secs(mail_auth.check_timeout_secs);
        let policy = Policy {
            dmarc_reject: fail_action(mail_auth.dmarc_reject),
            dmarc_quarantine: fail_action(mail_auth.dmarc_quarantine),
            spf_fail_without_dmarc: fail_action(mail_auth.spf_fail_without_dmarc),
        };
        let authenticator = Arc::new(Authenticator::with_resolver(resolver.clone(), settings));
        Some(facteur_smtp::InboundChecks { authenticator, policy, timeout })
    } else {
        None
    };
    let signer = mail_auth.sign_outbound.then(|| Arc::new(Signer::new(KeyStore::new(dkim_dir))));
    facteur_smtp::SenderAuth { inbound, signer }
}

fn fail_action(action: AuthFailAction) -> FailAction {
    match action {
        AuthFailAction::Deliver => FailAction::Deliver,
        AuthFailAction::Junk => FailAction::Junk,
        AuthFailAction::Reject => FailAction::Reject,
    }
}
