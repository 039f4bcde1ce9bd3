//! The PostgreSQL backend: several Facteur nodes sharing one database. All of its SQL lives under this module.
//!
//! - **Transactions.** Every write is one transaction, committed before its future resolves, with
//!   `synchronous_commit = on` (set for each connection) so a commit is on the server's disk when it returns.
//!   Isolation is READ COMMITTED with row locks: a write first locks its account's row (the account's change
//!   counter, from which every MODSEQ comes), so one account's writes are serialised across nodes, as the
//!   SQLite writer serialises them in one process, and UIDs and MODSEQs are handed out by `UPDATE …
//!   RETURNING` on locked rows: no duplicates whatever the concurrency. A transaction that loses a race
//!   (deadlock, or an insert of a key another node has just inserted) is run again, a few times at most.
//!   Reads run in READ ONLY REPEATABLE READ transactions: one snapshot per call.
//! - **Message content** lives in the database (`blobs`, `blob_chunks` of [`content::CHUNK`] bytes,
//!   `blob_summaries`), content-addressed by the same [`BlobId`] and reference-counted as in SQLite, so every
//!   node reads every message. [`crate::Store::blobs`] is a local staging directory: content that arrives in
//!   pieces (a streamed IMAP APPEND) is written there first, as with SQLite, and copied into the database by
//!   the [`crate::Store::deliver`] or [`crate::Store::enqueue`] that references it; the file is removed with
//!   its blob's last reference (or, if another node released it, by the sweep of unreferenced files at open).
//!   An S3-compatible object store would plug in at `content.rs` (`acquire` puts, `read` gets, `release`
//!   deletes after the commit, as SQLite's blob files are), with the rows kept here.
//! - **The change bus** is PostgreSQL's `NOTIFY`, sent in the write's own transaction, and heard by every
//!   node's LISTEN task (`notify.rs`).
//! - **The queue** is worked by every node: `queue.leased_until` gives one node at a time the message it
//!   attempts ([`crate::Store::claim_queue_entry`]).
//! - **What else the nodes share** (`leases`, `login_failures`, `shared_files`, `http01`): named leases, and
//!   the [`crate::SharedState`] a single SQLite node keeps to itself.
//! - **Errors.** A lost or refused connection is [`StoreError::Unavailable`]: nothing was written, try later.

mod accounts;
mod changes;
mod columns;
pub(crate) mod content;
mod history;
mod http01;
mod leases;
mod login_failures;
mod mailboxes;
mod messages;
mod notify;
mod queue;
pub(crate) mod schema;
mod sending;
mod shared_files;
mod shared_impl;
mod sieve;
mod spam;
pub(crate) mod sql;
mod store_impl;
mod text_index;
mod threads;
mod tls_policy;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::CertificateDer;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_postgres::IsolationLevel;

use crate::blob::{BlobId, BlobStore};
use crate::change::{BUS_CAPACITY, Change};
use crate::error::{Result, StoreError};
use crate::ids::{AccountId, MailboxId, ModSeq};
use sql::{Tx, Work};

pub use schema::SCHEMA_VERSION;

/// TLS to the database server: rustls with ring, trusting the public CAs (`webpki-roots`) and the private CA
/// of [`PostgresOptions::ca_certificates`]. Used over TCP when the server offers it (`sslmode=prefer`, the
/// default) or always (`require`); a Unix socket never uses it.
pub(crate) type Tls = tokio_postgres_rustls::MakeRustlsConnect;

/// Connections per node. Each is a server process on the database side.
const POOL_SIZE: usize = 16;

/// How long a call waits for a connection before answering `Unavailable`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times an operation runs when it keeps losing races to other transactions.
const MAX_ATTEMPTS: u32 = 5;

/// Where a [`PostgresStore`] connects, and where it stages content.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://USER@HOST:PORT/DATABASE` (a Unix socket directory as a percent-encoded host works too).
    pub url: String,
    /// The password, if the server asks for one: read from a file by the caller, never part of the URL.
    pub password: Option<String>,
    /// The local staging directory behind [`crate::Store::blobs`].
    pub staging_dir: PathBuf,
    /// Certificates trusted besides the public CAs, for a database server whose certificate a private CA
    /// signed (`[store] ca_file`).
    pub ca_certificates: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("PostgresOptions").field("url", &self.url).field("staging_dir", &self.staging_dir).finish()
    }
}

/// What a write did besides its rows, acted on once it commits.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// Highest MODSEQ reached per touched mailbox: NOTIFYed in the transaction.
    touched: BTreeMap<MailboxId, (AccountId, ModSeq)>,
    /// Blobs whose last reference went: their staging files can go after the commit.
    released: Vec<BlobId>,
}

impl Effects {
    pub(crate) fn touched(&mut self, account: AccountId, mailbox: MailboxId, modseq: ModSeq) {
        let entry = self.touched.entry(mailbox).or_insert((account, modseq));
        entry.1 = entry.1.max(modseq);
    }

    pub(crate) fn released(&mut self, blob: BlobId) {
        self.released.push(blob);
    }
}

/// The store of every node sharing one PostgreSQL database.
pub struct PostgresStore {
    pool: Pool,
    blobs: BlobStore,
    bus: broadcast::Sender<Change>,
    announcer: Arc<notify::Announcer>,
    listener: JoinHandle<()>,
    closed: AtomicBool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("blobs", &self.blobs).finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// The parsed connection settings, with the password and durability settings added.
fn connection_config(options: &PostgresOptions) -> Result<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::from_str(&options.url)
        .map_err(|e| StoreError::DatabaseServer { code: None, message: format!("invalid database URL: {e}") })?;
    if let Some(password) = &options.password {
        config.password(password.as_bytes());
    }
    // Durable when the future resolves, whatever the server's or the database's default.
    config.options("-c synchronous_commit=on");
    config.application_name("facteur");
    config.connect_timeout(CONNECT_TIMEOUT);
    Ok(config)
}

/// A pool of at most `size` connections.
fn pool(config: &tokio_postgres::Config, tls: &Tls, size: usize) -> Result<Pool> {
    let manager =
        Manager::from_config(config.clone(), tls.clone(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// One connection to the database of `options`, outside any store: `facteur store migrate` writes rows as
/// they are (ids included) and must not touch a staging directory, as [`PostgresStore::open`] does. Its
/// statements are cached like a store's, so the backend's SQL helpers work on it.
pub(crate) async fn connection(options: &PostgresOptions) -> Result<deadpool_postgres::Client> {
    let pool = pool(&connection_config(options)?, &tls(options)?, 1)?;
    Ok(pool.get().await?)
}

fn tls(options: &PostgresOptions) -> Result<Tls> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let (_, unusable) = roots.add_parsable_certificates(options.ca_certificates.iter().cloned());
    if unusable > 0 {
        return Err(StoreError::DatabaseServer {
            code: None,
            message: format!("TLS settings: {unusable} CA certificate(s) cannot be used"),
        });
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::DatabaseServer { code: None, message: format!("TLS settings: {e}") })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl PostgresStore {
    /// Connects, applies migrations (refusing a schema newer than this program), sweeps the staging
    /// directory, and starts listening to every node's changes.
    pub async fn open(options: PostgresOptions) -> Result<PostgresStore> {
        let config = connection_config(&options)?;
        let tls = tls(&options)?;
        let pool = pool(&config, &tls, POOL_SIZE)?;
        let dir = options.staging_dir.clone();
        let blobs = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(StoreError::io("create", &dir))?;
            BlobStore::open(&dir)
        })
        .await
        .map_err(|_| StoreError::Closed)??;
        let (bus, _) = broadcast::channel(BUS_CAPACITY);
        let announcer = notify::Announcer::new(bus.clone())?;
        let listener = notify::start(config, tls, Arc::clone(&announcer)).await?;
        let store = PostgresStore { pool, blobs, bus, announcer, listener, closed: AtomicBool::new(false) };
        store.write((), |tx, _, ()| Box::pin(schema::migrate(tx))).await?;
        store.sweep_staging().await;
        // Names the database, never the URL: a library caller's URL might hold a password.
        let database = connection_config(&options)?.get_dbname().unwrap_or_default().to_owned();
        tracing::info!(%database, "store opened (postgres)");
        Ok(store)
    }

    /// The version of the Facteur schema in the database at `options.url`, 0 if it has none yet, without
    /// changing anything: `facteur init` joins an installation that has one.
    pub async fn schema_version(options: &PostgresOptions) -> Result<i64> {
        let (client, connection) = connection_config(options)?.connect(tls(options)?).await?;
        let driver = tokio::spawn(connection);
        let mut client = client;
        let tx = client.transaction().await?;
        let found = match tx.query_opt("SELECT to_regclass('facteur_schema') IS NOT NULL", &[]).await? {
            Some(row) if row.try_get::<_, bool>(0)? => {
                tx.query_opt("SELECT version FROM facteur_schema", &[]).await?.map(|r| r.try_get(0)).transpose()?
            }
            _ => None,
        };
        drop(tx);
        drop(client);
        let _ = driver.await;
        Ok(found.unwrap_or(0))
    }

    /// Runs `op` in a write transaction and commits it, running it again if it lost a race. `args` is what
    /// the operation reads (borrowed by each run).
    async fn write<A, T, F>(&self, args: A, op: F) -> Result<T>
    where
        A: Send + Sync,
        T: Send,
        F: for<'a, 'c> Fn(&'a Tx<'c>, &'a mut Effects, &'a A) -> Work<'a, T> + Send + Sync,
    {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let mut client = self.pool.get().await?;
        let mut attempt = 1;
        loop {
            let mut effects = Effects::default();
            let outcome = {
                // Dropped at the end of this block if not committed: rolled back.
                let tx = client.transaction().await?;
                match op(&tx, &mut effects, &args).await {
                    Ok(value) => match self.announcer.publish(&tx, &effects).await {
                        Ok(ticket) => tx.commit().await.map(|()| (value, ticket)).map_err(StoreError::from),
                        Err(error) => Err(error),
                    },
                    Err(error) => Err(error),
                }
            };
            match outcome {
                Ok((value, ticket)) => {
                    content::remove_staged(&client, &self.blobs, &effects.released).await;
                    if let Some(ticket) = ticket {
                        ticket.heard().await;
                    }
                    return Ok(value);
                }
                Err(error) if sql::is_transient(&error) && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(%error, attempt, "store write lost a race; running it again");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs `op` in a read-only transaction: one snapshot of the database.
    async fn read<A, T, F>(&self, args: A, op: F) -> Result<T>
    where
        A: Send + Sync,
        T: Send,
        F: for<'a, 'c> FnOnce(&'a Tx<'c>, &'a A) -> Work<'a, T> + Send,
    {
        let mut client = self.pool.get().await?;
        let tx =
            client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?;
        let value = op(&tx, &args).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Removes staged files no blob row references, older than an hour (a younger one may be between its
    /// `put` and the delivery that references it). Failures only leave files for the next sweep.
    async fn sweep_staging(&self) {
        let blobs = self.blobs.clone();
        let candidates = tokio::task::spawn_blocking(move || {
            let temp = blobs.remove_stale_temp_files(content::STAGED_AGE)?;
            Ok::<_, StoreError>((temp, blobs.blobs_older_than(content::STAGED_AGE)?))
        })
        .await;
        let (temp, candidates) = match candidates {
            Ok(Ok(found)) => found,
            Ok(Err(error)) => return tracing::warn!(%error, "could not sweep the staging directory"),
            Err(_) => return,
        };
        match self.pool.get().await {
            Ok(client) => {
                let removed = content::remove_staged(&client, &self.blobs, &candidates).await;
                if temp + removed > 0 {
                    tracing::info!(temp, removed, "swept staged files");
                }
            }
            Err(error) => tracing::warn!(%error, "could not sweep the staging directory"),
        }
    }

    fn close_now(&self) {
        self.closed.store(true, Ordering::Release);
        self.listener.abort();
    }
}
