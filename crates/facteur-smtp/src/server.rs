//! The listener's view of the SMTP engine: one [`SmtpServer`] per listener, one session per connection.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_auth::{Login, LoginThrottle};
use facteur_delivery::{SendingPolicy, SieveFiltering, Submission};
use facteur_net::{Connection, ConnectionHandler, Refusal, ShutdownSignal};
use facteur_primitives::metrics as metric;
use facteur_store::Store;
use tracing::{Instrument, field, info_span};

use crate::reply::Reply;
use crate::sender_auth::SenderAuth;
use crate::session::Session;
use crate::settings::Settings;
use crate::spam::SpamChecks;

/// The SMTP engine for one listener (MX or submission, as its [`Settings`] say).
pub struct SmtpServer {
    pub(crate) settings: Settings,
    pub(crate) store: Arc<dyn Store>,
    /// The one login flow, on the throttle every session of every protocol shares (guessing cannot move
    /// between ports).
    pub(crate) login: Login,
    /// Checks on inbound mail and signing of submitted mail; off unless [`SmtpServer::with_sender_auth`].
    pub(crate) sender_auth: SenderAuth,
    /// The one submission path (ownership, signing, persist), shared with every face that sends for a user.
    pub(crate) submission: Submission,
    /// The Sieve limits local recipients' scripts run under; `[sieve]`'s once [`SmtpServer::with_filtering`].
    pub(crate) filtering: Arc<SieveFiltering>,
    /// The spam verdict on mail from other servers; off unless [`SmtpServer::with_spam_checks`].
    pub(crate) spam: Option<Arc<SpamChecks>>,
    /// What accounts may send (`[outbound]`), once [`SmtpServer::with_sending_policy`]; no limit before.
    pub(crate) sending: Arc<SendingPolicy>,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer")
            .field("settings", &self.settings)
            .field("sender_auth", &self.sender_auth)
            .finish_non_exhaustive()
    }
}

impl SmtpServer {
    pub fn new(settings: Settings, store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> SmtpServer {
        let filtering = Arc::new(SieveFiltering::default());
        SmtpServer {
            settings,
            login: Login::new(Arc::clone(&store), throttle),
            submission: Submission::new(Arc::clone(&store), None),
            store,
            sender_auth: SenderAuth::default(),
            filtering,
            spam: None,
            sending: Arc::default(),
        }
    }

    /// Turns on SPF/DKIM/DMARC checks (MX face) and DKIM signing (submission face) as `sender_auth` says.
    pub fn with_sender_auth(mut self, sender_auth: SenderAuth) -> SmtpServer {
        self.sender_auth = sender_auth;
        self.with_submission()
    }

    /// Judges mail arriving on the MX face as `checks` say (the binary's `[spam]`).
    pub fn with_spam_checks(mut self, checks: Option<SpamChecks>) -> SmtpServer {
        self.spam = checks.map(Arc::new);
        self
    }

    /// Runs local recipients' Sieve scripts as `filtering` says (the binary's `[sieve]`).
    pub fn with_filtering(mut self, filtering: Arc<SieveFiltering>) -> SmtpServer {
        self.filtering = filtering;
        self.with_submission()
    }

    /// Applies `policy` (the binary's `[outbound]`) to what authenticated users send.
    pub fn with_sending_policy(mut self, policy: Arc<SendingPolicy>) -> SmtpServer {
        self.sending = policy;
        self.with_submission()
    }

    /// The submission path, with the signer, the filtering and the sending policy as they are now.
    fn with_submission(mut self) -> SmtpServer {
        let signer = self.sender_auth.signer.clone();
        self.submission = Submission::new(Arc::clone(&self.store), signer)
            .with_filtering(Arc::clone(&self.filtering))
            .with_policy(Arc::clone(&self.sending));
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl ConnectionHandler for SmtpServer {
    async fn handle(&self, connection: Connection, shutdown: ShutdownSignal) {
        let protocol = self.settings.face.metric_label();
        metrics::counter!(metric::CONNECTIONS_TOTAL, metric::labels::PROTOCOL => protocol).increment(1);
        // A child of the listener's connection span: TLS version and user are recorded when known.
        let span = info_span!("smtp", face = ?self.settings.face, tls = field::Empty, user = field::Empty);
        Session::new(self, connection, span.clone()).run(shutdown).instrument(span).await;
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let text = match refusal {
            Refusal::ServerBusy => "Too many connections, try again later",
            Refusal::TooManyFromPeer => "Too many connections from your address, try again later",
            Refusal::Banned => "Too many failed logins from your address, try again later",
        };
        let reply = Reply::new(421, "4.7.0", format!("{} {text}", self.settings.hostname));
        let _ = connection.write_all(&reply.to_bytes()).await;
    }
}
