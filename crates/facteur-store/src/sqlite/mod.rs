//! The SQLite backend: all of the store's SQL lives under this module.
//!
//! One database file, `<dir>/facteur.db`, in WAL mode with `synchronous=FULL`. Writes go through the group
//! commit writer thread (`writer`); reads through a small pool of read-only connections (`reader`). Small
//! message content lives in the database, large content in blob files (`content`).
//! Other processes (the CLI next to the server) may open the same directory: SQLite's locks serialise writers
//! and the blob sweep never removes a young file.

mod accounts;
/// A consistent copy of the store while it is in use (`facteur backup`), and putting one back.
pub mod backup;
mod blobrefs;
mod cached;
mod changes;
mod columns;
pub(crate) mod content;
mod history;
mod lock;
mod mailboxes;
mod messages;
mod queue;
mod reader;
pub(crate) mod schema;
mod sending;
mod sieve;
mod spam;
mod text_index;
mod threads;
mod tls_policy;
mod writer;

use facteur_primitives::{SearchText, ThreadKeys, unix_now};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::Connection;
use tokio::sync::broadcast;

use crate::account::{Account, Alias, Identity, RecipientLookup, Resolution, Vacation};
use crate::blob::{BlobId, BlobStore};
use crate::change::{BUS_CAPACITY, Change};
use crate::error::{Result, StoreError};
use crate::flags::FlagChange;
use crate::history::{DeliveryEvent, HistoryQuery};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid};
use crate::lease::LocalLeases;
use crate::mailbox::{Mailbox, SpecialUse};
use crate::message::{
    AccountChanges, Delivered, Delivery, DeliveryTarget, EmailMeta, FlagsStored, MailboxChanges, MessageMeta,
};
use crate::queue::{DeliveryAttempt, QueueAction, QueueEntry, QueuedEnvelope, QueuedMessage};
use crate::sending::{AccountHold, OutcomeTally, SendingUsage};
use crate::shared::SharedState;
use crate::sieve::{SieveLimits, SieveScriptInfo};
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};
use crate::store::Store;
use crate::tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};
use content::Content;
use reader::ReadPool;
use writer::{Effects, Writer};

pub use content::DEFAULT_INLINE_MAX;
pub(crate) use lock::DirLock;
pub use schema::SCHEMA_VERSION;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "facteur.db";

/// How a [`SqliteStore`] is tuned; `SqliteOptions::default()` is what `SqliteStore::open` uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Messages given by content ([`Store::deliver_content`]) of at most this many bytes are stored inside the
    /// database; larger ones as blob files. 0 makes every message a file. Only decides where NEW content goes:
    /// changing it leaves stored blobs where they are.
    pub inline_max: usize,
    /// Keep the full-text index and search through it (`[store] full_text_index`). Off, messages are still
    /// listed as pending, so that turning it on again indexes them in the background, but searches read every
    /// message.
    pub full_text_index: bool,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions { inline_max: DEFAULT_INLINE_MAX, full_text_index: true }
    }
}

/// The SQLite store of one data directory.
pub struct SqliteStore {
    writer: Writer,
    reads: ReadPool,
    blobs: BlobStore,
    bus: broadcast::Sender<Change>,
    options: SqliteOptions,
    /// Held while the store is open: a migration must not copy a store in use (`lock.rs`).
    _lock: DirLock,
    /// In memory: one process serves from this store, so nobody else could see them (see `crate::lease`).
    leases: LocalLeases,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("blobs", &self.blobs).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`: applies migrations, sweeps stale blob files, starts the
    /// writer thread.
    pub async fn open(dir: impl Into<PathBuf>) -> Result<SqliteStore> {
        Self::open_with(dir, SqliteOptions::default()).await
    }

    /// [`SqliteStore::open`] with other options than the defaults.
    pub async fn open_with(dir: impl Into<PathBuf>, options: SqliteOptions) -> Result<SqliteStore> {
        let dir = dir.into();
        tokio::task::spawn_blocking(move || Self::open_blocking(&dir, options)).await.map_err(|_| StoreError::Closed)?
    }

    fn open_blocking(dir: &Path, options: SqliteOptions) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(StoreError::io("create", dir))?;
        let lock = DirLock::shared(dir)?;
        let blobs = BlobStore::open(dir)?;
        let path = dir.join(DATABASE_FILE);
        let mut conn = schema::open_writer(&path)?;
        schema::migrate(&mut conn)?;
        blobrefs::sweep_orphans(&mut conn, &blobs)?;
        let (bus, _) = broadcast::channel(BUS_CAPACITY);
        let writer = Writer::start(conn, blobs.clone(), bus.clone())?;
        Ok(SqliteStore {
            writer,
            reads: ReadPool::new(path),
            blobs,
            bus,
            options,
            _lock: lock,
            leases: LocalLeases::default(),
        })
    }

    async fn write<T, F>(&self, op: F) -> Result<T>
    where
        F: FnOnce(&Connection, &mut Effects) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(op).await
    }

    /// A write that also needs the blob files.
    async fn write_with_blobs<T, F>(&self, op: F) -> Result<T>
    where
        F: FnOnce(&Connection, &BlobStore, &mut Effects) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let blobs = self.blobs.clone();
        self.writer.write(move |conn, effects| op(conn, &blobs, effects)).await
    }

    /// Hashes content and decides where it goes, writing large content to its file (off the async threads;
    /// hashing small content costs less than the trip to a blocking thread).
    async fn place(&self, bytes: Arc<[u8]>) -> Result<Content> {
        let (blobs, inline_max) = (self.blobs.clone(), self.options.inline_max);
        if bytes.len() <= inline_max {
            return Content::place(&blobs, bytes, inline_max);
        }
        tokio::task::spawn_blocking(move || Content::place(&blobs, bytes, inline_max))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// A point lookup, or a query bounded by a small result: see [`ReadPool`].
    async fn read<T, F>(&self, query: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T>,
    {
        self.reads.read(query).await
    }

    /// A query whose cost grows with the data (a whole mailbox, account list or queue).
    async fn read_heavy<T, F>(&self, query: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.reads.read_heavy(query).await
    }
}

/// A UID range this wide or narrower is read on the calling thread: its cost is bounded whatever the mailbox.
const SMALL_UID_RANGE: u32 = 1_000;

#[async_trait]
impl Store for SqliteStore {
    fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.bus.subscribe()
    }

    async fn close(&self) -> Result<()> {
        self.writer.stop().await
    }

    /// One node: nothing to share.
    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedState>> {
        None
    }

    async fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        Ok(self.leases.try_lease(name, holder, now, until))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.leases.release(name, holder);
        Ok(())
    }

    async fn add_domain(&self, domain: &str) -> Result<()> {
        let domain = domain.to_owned();
        self.write(move |conn, _| accounts::add_domain(conn, &domain)).await
    }

    async fn remove_domain(&self, domain: &str) -> Result<()> {
        let domain = domain.to_owned();
        self.write(move |conn, _| accounts::remove_domain(conn, &domain)).await
    }

    async fn list_domains(&self) -> Result<Vec<String>> {
        self.read(accounts::list_domains).await
    }

    async fn is_local_domain(&self, domain: &str) -> Result<bool> {
        let Ok(domain) = crate::account::normalize_domain(domain) else { return Ok(false) };
        self.read(move |conn| accounts::is_local_domain(conn, &domain)).await
    }

    async fn create_account(&self, address: &str, password_hash: &str) -> Result<AccountId> {
        let (address, hash) = (address.to_owned(), password_hash.to_owned());
        self.write(move |conn, effects| accounts::create_account(conn, effects, &address, &hash)).await
    }

    async fn account_by_address(&self, address: &str) -> Result<Option<Account>> {
        let address = address.to_owned();
        self.read(move |conn| accounts::account_by_address(conn, &address)).await
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.read(move |conn| accounts::account_by_id(conn, id)).await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>> {
        self.read_heavy(accounts::list_accounts).await
    }

    async fn set_password(&self, address: &str, password_hash: &str) -> Result<()> {
        let (address, hash) = (address.to_owned(), password_hash.to_owned());
        self.write(move |conn, _| accounts::set_password(conn, &address, &hash)).await
    }

    async fn set_scram_verifier(&self, account: AccountId, password_hash: &str, verifier: &str) -> Result<bool> {
        let (hash, verifier) = (password_hash.to_owned(), verifier.to_owned());
        self.write(move |conn, _| accounts::set_scram_verifier(conn, account, &hash, &verifier)).await
    }

    async fn set_quota(&self, address: &str, quota_bytes: Option<u64>) -> Result<()> {
        let address = address.to_owned();
        self.write(move |conn, _| accounts::set_quota(conn, &address, quota_bytes)).await
    }

    async fn set_admin(&self, address: &str, admin: bool) -> Result<()> {
        let address = address.to_owned();
        self.write(move |conn, _| accounts::set_admin(conn, &address, admin)).await
    }

    async fn remove_account(&self, address: &str) -> Result<()> {
        let address = address.to_owned();
        self.write(move |conn, effects| accounts::remove_account(conn, effects, &address)).await
    }

    async fn vacation(&self, account: AccountId) -> Result<Vacation> {
        self.read(move |conn| accounts::vacation(conn, account)).await
    }

    async fn set_vacation(&self, account: AccountId, vacation: Vacation) -> Result<()> {
        self.write(move |conn, _| accounts::set_vacation(conn, account, &vacation)).await
    }

    async fn vacation_accounts(&self) -> Result<Vec<AccountId>> {
        self.read(accounts::vacation_accounts).await
    }

    async fn sieve_scripts(&self, account: AccountId) -> Result<Vec<SieveScriptInfo>> {
        self.read(move |conn| sieve::list(conn, account)).await
    }

    async fn sieve_script(&self, account: AccountId, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.read(move |conn| sieve::get(conn, account, &name)).await
    }

    async fn active_sieve_script(&self, account: AccountId) -> Result<Option<(String, String)>> {
        self.read(move |conn| sieve::active(conn, account)).await
    }

    async fn put_sieve_script(&self, account: AccountId, name: &str, content: &str, limits: SieveLimits) -> Result<()> {
        let (name, content) = (name.to_owned(), content.to_owned());
        self.write(move |conn, _| sieve::put(conn, account, &name, &content, limits)).await
    }

    async fn rename_sieve_script(&self, account: AccountId, name: &str, new_name: &str) -> Result<()> {
        let (name, new_name) = (name.to_owned(), new_name.to_owned());
        self.write(move |conn, _| sieve::rename(conn, account, &name, &new_name)).await
    }

    async fn delete_sieve_script(&self, account: AccountId, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.write(move |conn, _| sieve::delete(conn, account, &name)).await
    }

    async fn activate_sieve_script(&self, account: AccountId, name: Option<&str>) -> Result<()> {
        let name = name.map(str::to_owned);
        self.write(move |conn, _| sieve::activate(conn, account, name.as_deref())).await
    }

    async fn sieve_tracked(&self, account: AccountId, key: &str, now: i64) -> Result<bool> {
        let key = key.to_owned();
        self.read(move |conn| sieve::tracked(conn, account, &key, now)).await
    }

    async fn track_sieve(&self, account: AccountId, key: &str, now: i64, until: i64) -> Result<bool> {
        let key = key.to_owned();
        self.write(move |conn, _| sieve::track(conn, account, &key, now, until)).await
    }

    async fn spam_profile(&self, account: AccountId, from: &str) -> Result<SpamProfile> {
        let from = from.to_owned();
        self.read(move |conn| spam::profile(conn, account, &from)).await
    }

    async fn spam_tokens(&self, account: AccountId, tokens: &[i64]) -> Result<Vec<TokenCounts>> {
        let tokens = tokens.to_vec();
        self.read(move |conn| spam::tokens(conn, account, &tokens)).await
    }

    async fn train_spam(
        &self,
        account: AccountId,
        digest: &str,
        tokens: &[i64],
        class: Option<SpamClass>,
    ) -> Result<bool> {
        let (digest, tokens) = (digest.to_owned(), tokens.to_vec());
        self.write(move |conn, _| spam::train(conn, account, &digest, &tokens, class)).await
    }

    async fn greylist(&self, key: &str, now: i64, policy: Greylisting) -> Result<bool> {
        let key = key.to_owned();
        self.write(move |conn, _| spam::greylist(conn, &key, now, policy)).await
    }

    async fn note_correspondents(&self, account: AccountId, addresses: &[String], now: i64) -> Result<()> {
        let addresses = addresses.to_vec();
        self.write(move |conn, _| spam::note_correspondents(conn, account, &addresses, now)).await
    }

    async fn identities(&self, account: AccountId) -> Result<Vec<Identity>> {
        self.read(move |conn| accounts::identities(conn, account)).await
    }

    async fn create_identity(&self, account: AccountId, identity: Identity) -> Result<i64> {
        self.write(move |conn, _| accounts::create_identity(conn, account, &identity)).await
    }

    async fn update_identity(&self, account: AccountId, identity: Identity) -> Result<bool> {
        self.write(move |conn, _| accounts::update_identity(conn, account, &identity)).await
    }

    async fn delete_identity(&self, account: AccountId, id: i64) -> Result<bool> {
        self.write(move |conn, _| accounts::delete_identity(conn, account, id)).await
    }

    async fn add_alias(&self, alias: &str, targets: &[String]) -> Result<()> {
        let (alias, targets) = (alias.to_owned(), targets.to_vec());
        self.write(move |conn, _| accounts::add_alias(conn, &alias, &targets)).await
    }

    async fn remove_alias(&self, alias: &str) -> Result<()> {
        let alias = alias.to_owned();
        self.write(move |conn, _| accounts::remove_alias(conn, &alias)).await
    }

    async fn list_aliases(&self) -> Result<Vec<Alias>> {
        self.read_heavy(accounts::list_aliases).await
    }

    async fn resolve_recipient(&self, address: &str) -> Result<Option<Resolution>> {
        let address = address.to_owned();
        self.read(move |conn| accounts::resolve_recipient(conn, &address)).await
    }

    async fn lookup_recipient(&self, address: &str) -> Result<RecipientLookup> {
        let address = address.to_owned();
        self.read(move |conn| accounts::lookup_recipient(conn, &address)).await
    }

    async fn list_mailboxes(&self, account: AccountId) -> Result<Vec<Mailbox>> {
        self.read(move |conn| mailboxes::list(conn, account)).await
    }

    async fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        self.read(move |conn| mailboxes::by_id(conn, id)).await
    }

    async fn highest_modseq(&self, id: MailboxId) -> Result<ModSeq> {
        self.read(move |conn| mailboxes::highest_modseq(conn, id)).await
    }

    async fn mailbox_by_name(&self, account: AccountId, name: &str) -> Result<Option<Mailbox>> {
        let name = name.to_owned();
        self.read(move |conn| mailboxes::by_name(conn, account, &name)).await
    }

    async fn mailbox_by_role(&self, account: AccountId, role: SpecialUse) -> Result<Option<Mailbox>> {
        self.read(move |conn| mailboxes::by_role(conn, account, role)).await
    }

    async fn create_mailbox(
        &self,
        account: AccountId,
        name: &str,
        special_use: Option<SpecialUse>,
    ) -> Result<MailboxId> {
        let name = name.to_owned();
        self.write(move |conn, effects| mailboxes::create(conn, effects, account, &name, special_use)).await
    }

    async fn rename_mailbox(&self, account: AccountId, from: &str, to: &str) -> Result<()> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.write(move |conn, effects| mailboxes::rename(conn, effects, account, &from, &to)).await
    }

    async fn delete_mailbox(&self, account: AccountId, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.write(move |conn, effects| mailboxes::delete(conn, effects, account, &name)).await
    }

    async fn set_subscribed(&self, account: AccountId, name: &str, subscribed: bool) -> Result<()> {
        let name = name.to_owned();
        self.write(move |conn, effects| mailboxes::set_subscribed(conn, effects, account, &name, subscribed)).await
    }

    async fn subscriptions(&self, account: AccountId) -> Result<Vec<String>> {
        self.read(move |conn| mailboxes::subscriptions(conn, account)).await
    }

    async fn account_state(&self, account: AccountId) -> Result<ModSeq> {
        self.read(move |conn| changes::account_state(conn, account)).await
    }

    async fn account_changes(&self, account: AccountId, since: ModSeq) -> Result<AccountChanges> {
        self.read_heavy(move |conn| changes::account_changes(conn, account, since)).await
    }

    async fn emails(&self, account: AccountId, ids: &[EmailId]) -> Result<Vec<EmailMeta>> {
        let ids = ids.to_vec();
        self.read(move |conn| changes::emails(conn, account, &ids)).await
    }

    async fn thread_emails(&self, account: AccountId, threads: &[ThreadId]) -> Result<Vec<EmailMeta>> {
        let threads = threads.to_vec();
        self.read(move |conn| changes::thread_emails(conn, account, &threads)).await
    }

    async fn newest_first(&self, mailbox: MailboxId) -> Result<Vec<(EmailId, ThreadId)>> {
        self.read(move |conn| changes::newest_first(conn, mailbox)).await
    }

    async fn account_emails(&self, account: AccountId) -> Result<Vec<EmailMeta>> {
        self.read_heavy(move |conn| changes::account_emails(conn, account)).await
    }

    async fn deliver(&self, delivery: Delivery) -> Result<Vec<Delivered>> {
        self.write_with_blobs(move |conn, blobs, effects| messages::deliver(conn, blobs, effects, &delivery)).await
    }

    async fn deliver_content(
        &self,
        content: Arc<[u8]>,
        summary: Vec<u8>,
        internal_date: i64,
        targets: Vec<DeliveryTarget>,
        thread: ThreadKeys,
        text: Option<SearchText>,
    ) -> Result<Vec<Delivered>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let content = self.place(content).await?;
        let delivery = Delivery { blob: content.id, summary, internal_date, targets, thread, text };
        self.write_with_blobs(move |conn, blobs, effects| {
            messages::deliver_content(conn, blobs, effects, &content, &delivery)
        })
        .await
    }

    async fn text_candidates(&self, mailbox: MailboxId, needle: &str) -> Result<Option<Vec<MessageMeta>>> {
        if !self.options.full_text_index {
            return Ok(None);
        }
        let needle = needle.to_owned();
        self.read_heavy(move |conn| text_index::candidates(conn, mailbox, &needle)).await
    }

    async fn text_pending(&self, limit: usize) -> Result<Vec<BlobId>> {
        if !self.options.full_text_index {
            return Ok(Vec::new());
        }
        self.read(move |conn| text_index::pending(conn, limit)).await
    }

    async fn index_texts(&self, texts: Vec<(BlobId, SearchText)>) -> Result<()> {
        self.write(move |conn, _| texts.iter().try_for_each(|(blob, text)| text_index::insert(conn, *blob, text))).await
    }

    async fn forget_texts(&self, account: Option<AccountId>) -> Result<u64> {
        self.write(move |conn, _| text_index::forget(conn, account)).await
    }

    async fn read_blob(&self, id: BlobId) -> Result<Vec<u8>> {
        match self.read(move |conn| content::read_inline(conn, id)).await? {
            Some(inline) => Ok(inline),
            None => {
                let blobs = self.blobs.clone();
                tokio::task::spawn_blocking(move || blobs.read(id)).await.map_err(|_| StoreError::Closed)?
            }
        }
    }

    async fn read_blob_prefix(&self, id: BlobId, len: u64) -> Result<Vec<u8>> {
        match self.read(move |conn| content::read_inline_prefix(conn, id, len)).await? {
            Some(inline) => Ok(inline),
            None => {
                let blobs = self.blobs.clone();
                tokio::task::spawn_blocking(move || blobs.read_prefix(id, len)).await.map_err(|_| StoreError::Closed)?
            }
        }
    }

    async fn messages(&self, mailbox: MailboxId) -> Result<Vec<MessageMeta>> {
        self.read_heavy(move |conn| messages::list(conn, mailbox)).await
    }

    async fn messages_in_range(&self, mailbox: MailboxId, first: Uid, last: Uid) -> Result<Vec<MessageMeta>> {
        if last.get().saturating_sub(first.get()) <= SMALL_UID_RANGE {
            self.read(move |conn| messages::list_range(conn, mailbox, first, last)).await
        } else {
            self.read_heavy(move |conn| messages::list_range(conn, mailbox, first, last)).await
        }
    }

    async fn message_summary(&self, blob: BlobId) -> Result<Option<Vec<u8>>> {
        self.read(move |conn| blobrefs::summary(conn, blob)).await
    }

    async fn changes_since(&self, mailbox: MailboxId, since: ModSeq) -> Result<MailboxChanges> {
        self.read(move |conn| messages::changes_since(conn, mailbox, since)).await
    }

    async fn store_flags(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        change: FlagChange,
        unchanged_since: Option<ModSeq>,
    ) -> Result<FlagsStored> {
        let uids = uids.to_vec();
        self.write(move |conn, effects| messages::store_flags(conn, effects, mailbox, &uids, &change, unchanged_since))
            .await
    }

    async fn expunge(&self, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<Uid>> {
        let uids = uids.to_vec();
        self.write(move |conn, effects| messages::expunge(conn, effects, mailbox, &uids)).await
    }

    async fn expunge_deleted(&self, mailbox: MailboxId, within: Option<&[(Uid, Uid)]>) -> Result<Vec<Uid>> {
        let within = within.map(<[(Uid, Uid)]>::to_vec);
        self.write(move |conn, effects| messages::expunge_deleted(conn, effects, mailbox, within.as_deref())).await
    }

    async fn copy(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>> {
        let uids = uids.to_vec();
        self.write_with_blobs(move |conn, blobs, effects| messages::copy(conn, blobs, effects, from, &uids, to, false))
            .await
    }

    async fn move_messages(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>> {
        let uids = uids.to_vec();
        self.write_with_blobs(move |conn, blobs, effects| {
            messages::move_messages(conn, blobs, effects, from, &uids, to)
        })
        .await
    }

    async fn enqueue(&self, message: QueuedMessage) -> Result<QueueId> {
        self.write_with_blobs(move |conn, blobs, _| queue::enqueue(conn, blobs, &message, unix_now())).await
    }

    async fn enqueue_content(&self, content: Arc<[u8]>, envelope: QueuedEnvelope) -> Result<QueueId> {
        // Checked first, so that a refused envelope writes no file.
        queue::validate(&envelope.return_path, &envelope.recipients)?;
        let content = self.place(content).await?;
        let message = envelope.with_blob(content.id);
        self.write_with_blobs(move |conn, blobs, _| {
            content.acquire(conn, blobs, 1, None)?;
            queue::insert(conn, &message, unix_now())
        })
        .await
    }

    async fn queue(&self) -> Result<Vec<QueueEntry>> {
        self.read_heavy(queue::list).await
    }

    async fn record_attempt(&self, id: QueueId, recipient: &str, attempt: DeliveryAttempt) -> Result<()> {
        let recipient = recipient.to_owned();
        self.write(move |conn, _| queue::record_attempt(conn, id, &recipient, &attempt)).await
    }

    async fn change_queue(&self, id: Option<QueueId>, action: QueueAction, now: i64) -> Result<usize> {
        self.write(move |conn, _| queue::change(conn, id, action, now)).await
    }

    async fn dequeue(&self, id: QueueId) -> Result<()> {
        self.write(move |conn, effects| queue::dequeue(conn, effects, id)).await
    }

    async fn sending_usage(&self, account: AccountId, since: i64) -> Result<SendingUsage> {
        self.read(move |conn| sending::usage(conn, account, since)).await
    }

    async fn record_sending(&self, account: AccountId, at: i64, recipients: u64, forget_before: i64) -> Result<()> {
        self.write(move |conn, _| sending::record(conn, account, at, recipients, forget_before)).await
    }

    async fn record_outcomes(
        &self,
        account: AccountId,
        at: i64,
        bounced: Vec<bool>,
        keep: u64,
    ) -> Result<OutcomeTally> {
        self.write(move |conn, _| sending::record_outcomes(conn, account, at, &bounced, keep)).await
    }

    async fn hold_account(&self, account: AccountId, reason: &str, now: i64) -> Result<bool> {
        let reason = reason.to_owned();
        self.write(move |conn, _| sending::hold(conn, account, &reason, now)).await
    }

    async fn release_account(&self, account: AccountId, now: i64) -> Result<bool> {
        self.write(move |conn, _| sending::release(conn, account, now)).await
    }

    async fn account_released_at(&self, account: AccountId) -> Result<Option<i64>> {
        self.read(move |conn| sending::released_at(conn, account)).await
    }

    async fn account_holds(&self) -> Result<Vec<AccountHold>> {
        self.read(sending::holds).await
    }

    async fn mta_sts_policy(&self, domain: &str) -> Result<Option<CachedStsPolicy>> {
        self.read(move |conn| tls_policy::mta_sts_policy(conn, domain)).await
    }

    async fn save_mta_sts_policy(&self, policy: CachedStsPolicy) -> Result<()> {
        self.write(move |conn, _| tls_policy::save_mta_sts_policy(conn, &policy)).await
    }

    async fn record_history(&self, events: Vec<DeliveryEvent>) -> Result<()> {
        self.write(move |conn, _| history::record(conn, &events)).await
    }

    async fn history(&self, query: HistoryQuery) -> Result<Vec<DeliveryEvent>> {
        self.read(move |conn| history::history(conn, &query)).await
    }

    async fn forget_history(&self, before: i64) -> Result<u64> {
        self.write(move |conn, _| history::forget(conn, before)).await
    }

    async fn count_tls_result(&self, result: TlsSessionResult) -> Result<()> {
        self.write(move |conn, _| tls_policy::count_tls_result(conn, &result)).await
    }

    async fn tls_results_before(&self, day: i64) -> Result<Vec<TlsResultCount>> {
        self.read(move |conn| tls_policy::tls_results_before(conn, day)).await
    }

    async fn forget_tls_results(&self, domain: &str, day: i64) -> Result<()> {
        let domain = domain.to_owned();
        self.write(move |conn, _| tls_policy::forget_tls_results(conn, &domain, day)).await
    }

    async fn claim_queue_entry(&self, id: QueueId, _now: i64, _until: i64) -> Result<Option<QueueEntry>> {
        self.read(move |conn| queue::entry(conn, id)).await
    }

    async fn release_queue_entry(&self, _id: QueueId, _until: i64) -> Result<()> {
        Ok(())
    }
}
