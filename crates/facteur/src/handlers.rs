//! Which engine answers each listener's connections, built from the configuration.

use std::sync::Arc;
use std::time::Duration;

use facteur_auth::LoginThrottle;
use facteur_config::{Config, Protocol};
use facteur_net::ConnectionHandler;
use facteur_store::Store;

/// What every protocol engine shares: the store and one login throttle, so that failures on IMAP slow down
/// guesses on submission too.
pub struct Engines {
    config: Config,
    store: Arc<dyn Store>,
    throttle: Arc<LoginThrottle>,
}

impl Engines {
    pub fn new(config: &Config, store: Arc<dyn Store>) -> Engines {
        Engines { config: config.clone(), store, throttle: Arc::new(LoginThrottle::default()) }
    }

    /// The handler for listeners speaking `protocol`.
    pub fn handler(&self, protocol: Protocol) -> Arc<dyn ConnectionHandler> {
        match protocol {
            Protocol::Smtp => self.smtp(facteur_smtp::Face::Mx),
            Protocol::Submission => self.smtp(facteur_smtp::Face::Submission),
            Protocol::Imap => self.imap(),
            Protocol::Pop3 => self.pop3(),
        }
    }

    /// The outbound delivery engine, configured from `[server]`, `[dns]`, `[relay]` and `[queue]`.
    pub fn outbound(&self) -> Result<Arc<facteur_smtp::outbound::DeliveryEngine>, facteur_smtp::outbound::EngineError> {
        let mut settings = facteur_smtp::outbound::OutboundSettings::new(&self.config.server.hostname);
        settings.routes = self.config.relay.routes.clone();
        settings.nameservers = self.config.dns.nameservers.clone();
        settings.lifetime = Duration::from_secs(self.config.queue.lifetime_secs);
        settings.delay_warning = Duration::from_secs(self.config.queue.delay_warning_secs);
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
        Arc::new(facteur_smtp::SmtpServer::new(settings, Arc::clone(&self.store), Arc::clone(&self.throttle)))
    }
}
