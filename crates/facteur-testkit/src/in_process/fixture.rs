use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use facteur_auth::LoginThrottle;
use facteur_net::{
    ConnectionHandler, ConnectionLimiter, Limits, Listener, ShutdownSignal, ShutdownTrigger, TlsMode, shutdown_channel,
};
use facteur_store::{DeliveryTarget, SqliteStore, Store, Uid};
use tempfile::TempDir;

use super::{ALICE, BOB, LOCAL_DOMAIN, LocalhostCertificate, PASSWORD};
use crate::StoredMessage;
use crate::stored::{account_mailbox, read_messages};

/// What every in-process server under test stands on, as the binary wires it: one store, one certificate, one
/// login throttle and one shutdown trigger shared by all the listeners a test starts.
///
/// Dropping the fixture drops the trigger, which shuts down its listeners (a server whose controller is gone
/// must not run on), and removes its files.
pub struct Fixture {
    /// A real `SqliteStore`: domain [`LOCAL_DOMAIN`], accounts [`ALICE`] and [`BOB`] with [`PASSWORD`].
    pub store: Arc<dyn Store>,
    pub certificate: LocalhostCertificate,
    pub login_throttle: Arc<LoginThrottle>,
    shutdown: ShutdownTrigger,
    /// Holds the store's files.
    _directory: TempDir,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let certificate = LocalhostCertificate::generate();
        let directory = tempfile::Builder::new().prefix("facteur-store-").tempdir().expect("temporary dir");
        let store = SqliteStore::open(directory.path().join("store")).await.expect("open the store");
        store.add_domain(LOCAL_DOMAIN).await.expect("add the local domain");
        let password = facteur_auth::StoredPassword::new(PASSWORD).expect("hash the password");
        for address in [ALICE, BOB] {
            password.create_account(&store, address).await.expect("create an account");
        }
        let (shutdown, _) = shutdown_channel();
        Fixture {
            store: Arc::new(store),
            certificate,
            login_throttle: Arc::new(LoginThrottle::default()),
            shutdown,
            _directory: directory,
        }
    }

    /// A listener on a loopback port the system picks, with the fixture's certificate and a connection limiter
    /// of its own. Serve it with [`Fixture::shutdown_signal`] (or use [`Fixture::serve`]).
    pub async fn listen(&self, mode: TlsMode, limits: Limits) -> Listener {
        self.listen_sharing(mode, ConnectionLimiter::new(&limits)).await
    }

    /// The same with a limiter the test holds: to watch its counts, or to share it between listeners as the
    /// binary does.
    pub async fn listen_sharing(&self, mode: TlsMode, limiter: ConnectionLimiter) -> Listener {
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let tls = self.certificate.server_config();
        Listener::bind("test", loopback, mode, tls, limiter).await.expect("bind a loopback port")
    }

    /// Listens, serves `handler` until shutdown, and returns the address to connect to.
    pub async fn serve(&self, mode: TlsMode, limits: Limits, handler: Arc<dyn ConnectionHandler>) -> SocketAddr {
        let listener = self.listen(mode, limits).await;
        let address = listener.local_addr();
        tokio::spawn(listener.serve(handler, self.shutdown_signal()));
        address
    }

    pub fn shutdown_signal(&self) -> ShutdownSignal {
        self.shutdown.signal()
    }

    /// Triggers shutdown, as SIGTERM does in the binary: listeners stop accepting, sessions say goodbye.
    pub fn shut_down(&self) {
        self.shutdown.trigger();
    }

    /// Stores `content` in `address`'s mailbox `mailbox` as a delivery would, without adding trace headers.
    pub async fn deliver(&self, address: &str, mailbox: &str, content: &[u8]) -> Uid {
        let (account, mailbox) = account_mailbox(self.store.as_ref(), address, mailbox).await;
        let indexed = facteur_message::index(content);
        let target = DeliveryTarget { mailbox: Some(mailbox.id), ..DeliveryTarget::inbox(account.id) };
        let internal_date = 1_700_000_000;
        let delivered = self.store.deliver_content(
            Arc::from(content),
            indexed.summary,
            internal_date,
            vec![target],
            indexed.thread,
            Some(indexed.text),
        );
        let delivered = delivered.await;
        delivered.expect("deliver")[0].uid
    }

    /// The messages in `address`'s mailbox `mailbox`, by UID, with their bytes.
    pub async fn messages(&self, address: &str, mailbox: &str) -> Vec<StoredMessage> {
        read_messages(self.store.as_ref(), address, mailbox).await
    }
}
