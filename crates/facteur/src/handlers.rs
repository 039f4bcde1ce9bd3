//! Which engine answers each listener's connections, built from the configuration.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use facteur_auth::LoginThrottle;
use facteur_config::{AuthFailAction, Config, Protocol};
use facteur_mailauth::{AuthSettings, Authenticator, FailAction, KeyStore, MailAuthError, Policy, Signer};
use facteur_net::ConnectionHandler;
use facteur_store::Store;

/// What every protocol engine shares: the store, one login throttle (so that failures on IMAP slow down
/// guesses on submission too), and the sender authentication of every SMTP listener (one resolver and its
/// caches, one signer and its loaded keys).
pub struct Engines {
    config: Config,
    store: Arc<dyn Store>,
    throttle: Arc<LoginThrottle>,
    sender_auth: facteur_smtp::SenderAuth,
}

impl Engines {
    /// Fails only when inbound checks are on and the system resolver configuration cannot be read.
    pub fn new(config: &Config, store: Arc<dyn Store>, dkim_dir: &Path) -> Result<Engines, MailAuthError> {
        let sender_auth = sender_auth(config, dkim_dir)?;
        Ok(Engines { config: config.clone(), store, throttle: Arc::new(LoginThrottle::default()), sender_auth })
    }

    /// The handler for listeners speaking `protocol`; `None` for `http`, which `facteur-http` serves itself
    /// (see `crate::http`).
    pub fn handler(&self, protocol: Protocol) -> Option<Arc<dyn ConnectionHandler>> {
        match protocol {
            Protocol::Smtp => Some(self.smtp(facteur_smtp::Face::Mx)),
            Protocol::Submission => Some(self.smtp(facteur_smtp::Face::Submission)),
            Protocol::Imap => Some(self.imap()),
            Protocol::Pop3 => Some(self.pop3()),
            Protocol::Http => None,
        }
    }

    /// The outbound delivery engine, configured from `[server]`, `[dns]`, `[relay]` and `[queue]`.
    pub fn outbound(&self) -> Result<Arc<facteur_smtp::outbound::DeliveryEngine>, facteur_smtp::outbound::EngineError> {
        let mut settings = facteur_smtp::outbound::OutboundSettings::new(&self.config.server.hostname);
        settings.routes = self.config.relay.routes.clone();
        settings.mx_port = self.config.relay.mx_port;
        settings.nameservers = self.config.dns.nameservers.clone();
        settings.lifetime = Duration::from_secs(self.config.queue.lifetime_secs);
        settings.delay_warning = Duration::from_secs(self.config.queue.delay_warning_secs);
        settings.schedule = facteur_smtp::outbound::RetrySchedule {
            first: Duration::from_secs(self.config.queue.retry_first_secs.max(1)),
            cap: Duration::from_secs(self.config.queue.retry_max_secs.max(1)),
        };
        settings.max_parallel = self.config.queue.max_parallel.max(1);
        settings.max_per_domain = self.config.queue.max_per_domain.max(1);
        facteur_smtp::outbound::DeliveryEngine::new(settings, Arc::clone(&self.store))
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
        Arc::new(server.with_sender_auth(self.sender_auth.clone()))
    }
}

/// `[mail_auth]`: the resolver (over `[dns] nameservers`) for inbound checks, the signer over `dkim_dir`.
fn sender_auth(config: &Config, dkim_dir: &Path) -> Result<facteur_smtp::SenderAuth, MailAuthError> {
    let mail_auth = &config.mail_auth;
    let inbound = if mail_auth.verify_inbound {
        let mut settings = AuthSettings::new(&config.server.hostname);
        settings.nameservers = config.dns.nameservers.clone();
        let timeout = Duration::from_secs(mail_auth.check_timeout_secs);
        // One query may not use up the whole budget: leave room for hickory's retry.
        settings.timeout = settings.timeout.min(timeout);
        let policy = Policy {
            dmarc_reject: fail_action(mail_auth.dmarc_reject),
            dmarc_quarantine: fail_action(mail_auth.dmarc_quarantine),
            spf_fail_without_dmarc: fail_action(mail_auth.spf_fail_without_dmarc),
        };
        let authenticator = Arc::new(Authenticator::new(settings)?);
        Some(facteur_smtp::InboundChecks { authenticator, policy, timeout })
    } else {
        None
    };
    let signer = mail_auth.sign_outbound.then(|| Arc::new(Signer::new(KeyStore::new(dkim_dir))));
    Ok(facteur_smtp::SenderAuth { inbound, signer })
}

fn fail_action(action: AuthFailAction) -> FailAction {
    match action {
        AuthFailAction::Deliver => FailAction::Deliver,
        AuthFailAction::Junk => FailAction::Junk,
        AuthFailAction::Reject => FailAction::Reject,
    }
}
