//! The `Store` trait: every read and write of persistent state, whatever the backend.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::account::{Account, Alias, Identity, RecipientLookup, Resolution, Vacation};
use crate::blob::{BlobId, BlobStore};
use crate::change::Change;
use crate::error::Result;
use crate::flags::FlagChange;
use crate::history::{DeliveryEvent, HistoryQuery};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid};
use crate::mailbox::{Mailbox, SpecialUse};
use crate::message::{
    AccountChanges, Delivered, Delivery, DeliveryTarget, EmailMeta, FlagsStored, MailboxChanges, MessageMeta,
};
use crate::queue::{DeliveryAttempt, QueueAction, QueueEntry, QueuedEnvelope, QueuedMessage};
use crate::sending::{AccountHold, OutcomeTally, SendingUsage};
use crate::shared::SharedState;
use crate::sieve::{SieveLimits, SieveScriptInfo};
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};
use crate::tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};
use facteur_primitives::{SearchText, ThreadKeys};

/// Persistent state. The server holds one as `Arc<dyn Store>`; the CLI opens the same data next to it.
///
/// Addresses, domains and mailbox names given to these methods are normalised by the store (case, INBOX),
/// so callers pass what they received. Every write is durable when its future resolves.
#[async_trait]
pub trait Store: Send + Sync {
    /// The blob files, for content that arrives in pieces (a large IMAP APPEND streamed with
    /// [`BlobStore::writer`]) before a [`Store::deliver`] references it.
    ///
    /// Not for reading message bytes: small messages live inside the database, so protocol code reads
    /// content through [`Store::read_blob`], which finds it wherever it is.
    fn blobs(&self) -> &BlobStore;

    /// Notifications sent after each commit, one per mailbox changed.
    fn subscribe(&self) -> broadcast::Receiver<Change>;

    /// Finishes the writes already submitted and stops writing; later writes fail with `StoreError::Closed`.
    async fn close(&self) -> Result<()>;

    /// What this store shares with other nodes besides the mail, if other nodes can share it (PostgreSQL);
    /// `None` for a store of one node (SQLite), whose callers keep that state in memory or in their data
    /// directory. See [`SharedState`].
    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedState>>;

    // ---- Leases (see `crate::lease`) ----

    /// Takes the lease `name` for `holder` until `until` (unix seconds) if it is free at `now`: nobody has
    /// it, its time ran out, or `holder` has it already (taking it again renews it). `false` if another
    /// holder has it.
    async fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool>;
    /// Gives up the lease `name` if `holder` has it; nothing happens otherwise.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;

    // ---- Domains ----

    async fn add_domain(&self, domain: &str) -> Result<()>;
    /// Refused with `DomainInUse` while an account or alias is in the domain.
    async fn remove_domain(&self, domain: &str) -> Result<()>;
    async fn list_domains(&self) -> Result<Vec<String>>;
    async fn is_local_domain(&self, domain: &str) -> Result<bool>;

    // ---- Accounts ----

    /// Creates the account and its default mailboxes (INBOX, Drafts, Sent, Archive, Junk, Trash, with their
    /// special-use roles, all subscribed). The domain must be local.
    async fn create_account(&self, address: &str, password_hash: &str) -> Result<AccountId>;
    async fn account_by_address(&self, address: &str) -> Result<Option<Account>>;
    async fn account(&self, id: AccountId) -> Result<Option<Account>>;
    async fn list_accounts(&self) -> Result<Vec<Account>>;
    /// Replaces the password hash and forgets the SCRAM verifier of the old password.
    async fn set_password(&self, address: &str, password_hash: &str) -> Result<()>;
    /// Keeps `verifier` (opaque, like the hash) as the account's SCRAM-SHA-256 verifier if its password hash is
    /// still `password_hash`: `false`, and nothing written, when the password changed meanwhile or the account
    /// is gone.
    async fn set_scram_verifier(&self, account: AccountId, password_hash: &str, verifier: &str) -> Result<bool>;
    /// `None` removes the limit.
    async fn set_quota(&self, address: &str, quota_bytes: Option<u64>) -> Result<()>;
    /// Marks the account as an administrator (`true`) or not.
    async fn set_admin(&self, address: &str, admin: bool) -> Result<()>;
    /// Removes the account, its mailboxes and messages (releasing their blobs) and its place in alias targets.
    async fn remove_account(&self, address: &str) -> Result<()>;

    /// The account's out-of-office settings (disabled if never set).
    async fn vacation(&self, account: AccountId) -> Result<Vacation>;
    async fn set_vacation(&self, account: AccountId, vacation: Vacation) -> Result<()>;
    /// Accounts whose out-of-office settings differ from the defaults: the ones `facteur-filters` carries into
    /// their Sieve script, where the settings live now.
    async fn vacation_accounts(&self) -> Result<Vec<AccountId>>;

    /// The account's Sieve scripts, by name (RFC 5804 LISTSCRIPTS).
    async fn sieve_scripts(&self, account: AccountId) -> Result<Vec<SieveScriptInfo>>;
    /// One script's text, if the account has it.
    async fn sieve_script(&self, account: AccountId, name: &str) -> Result<Option<String>>;
    /// The active script's name and text, if one is active: what delivery runs.
    async fn active_sieve_script(&self, account: AccountId) -> Result<Option<(String, String)>>;
    /// Stores `content` as `name`, replacing a script of that name (it stays active if it was), within
    /// `limits` (`SieveQuota` otherwise, nothing written).
    async fn put_sieve_script(&self, account: AccountId, name: &str, content: &str, limits: SieveLimits) -> Result<()>;
    /// Renames a script, keeping it active if it was (`NotFound`, or `AlreadyExists` for the new name).
    async fn rename_sieve_script(&self, account: AccountId, name: &str, new_name: &str) -> Result<()>;
    /// Deletes a script that is not active (`SieveScriptActive` otherwise, RFC 5804 §2.10).
    async fn delete_sieve_script(&self, account: AccountId, name: &str) -> Result<()>;
    /// Makes `name` the one active script, or none with `None` (`NotFound` for an unknown name).
    async fn activate_sieve_script(&self, account: AccountId, name: Option<&str>) -> Result<()>;
    /// Whether Sieve recorded `key` for the account and the record lasts past `now` (RFC 7352 duplicate ids,
    /// RFC 5230 §4.2 vacation replies; the key is opaque to the store).
    async fn sieve_tracked(&self, account: AccountId, key: &str, now: i64) -> Result<bool>;
    /// Records `key` until `until` (extending a record of it still in force), and forgets the account's
    /// records that ended before `now`. Says whether no record of `key` was in force: of two deliveries
    /// recording the same key at once, exactly one hears `true` (the one that sends the vacation reply).
    async fn track_sieve(&self, account: AccountId, key: &str, now: i64, until: i64) -> Result<bool>;

    /// What delivery needs to judge a message from `from` for the account: whether its user writes to that
    /// address, and how much its classifier has learnt.
    async fn spam_profile(&self, account: AccountId, from: &str) -> Result<SpamProfile>;
    /// The counts the account's classifier keeps for those of `tokens` it has seen.
    async fn spam_tokens(&self, account: AccountId, tokens: &[i64]) -> Result<Vec<TokenCounts>>;
    /// Records that the user called the message `digest` (with these tokens) `class`, or forgets it
    /// (`None`), taking back what an earlier class of it had added. `Ok(false)`: it already was so.
    async fn train_spam(
        &self,
        account: AccountId,
        digest: &str,
        tokens: &[i64],
        class: Option<SpamClass>,
    ) -> Result<bool>;
    /// Greylisting (RFC 6647): whether an attempt at `now` of the triplet `key` (client network, sender,
    /// recipient) passes under `policy`, recording it. Atomic: nodes sharing a database agree.
    async fn greylist(&self, key: &str, now: i64, policy: Greylisting) -> Result<bool>;
    /// Remembers that the account's user wrote to these addresses at `now`.
    async fn note_correspondents(&self, account: AccountId, addresses: &[String], now: i64) -> Result<()>;

    /// The account's sending identities, oldest first.
    async fn identities(&self, account: AccountId) -> Result<Vec<Identity>>;
    /// Adds an identity; returns its id.
    async fn create_identity(&self, account: AccountId, identity: Identity) -> Result<i64>;
    /// Replaces identity `identity.id` of the account (`NotFound`-like `Ok(false)` if it has none such).
    async fn update_identity(&self, account: AccountId, identity: Identity) -> Result<bool>;
    /// Removes one of the account's identities; `Ok(false)` if it has none such.
    async fn delete_identity(&self, account: AccountId, id: i64) -> Result<bool>;

    // ---- Aliases ----

    /// Adds `targets` to the alias `local@domain` or catch-all `@domain`, creating it if needed.
    async fn add_alias(&self, alias: &str, targets: &[String]) -> Result<()>;
    async fn remove_alias(&self, alias: &str) -> Result<()>;
    async fn list_aliases(&self) -> Result<Vec<Alias>>;

    /// THE place an address is resolved: exact account, else exact alias (one level of alias-to-alias), else
    /// without its `+tag`, else the domain's catch-all, else for `postmaster` and `abuse` (RFC 5321 §4.5.1,
    /// RFC 2142) the domain's oldest account, or the server's. `None` if nothing matches or the domain is not
    /// local.
    async fn resolve_recipient(&self, address: &str) -> Result<Option<Resolution>>;

    /// Everything SMTP's RCPT decides on, from one snapshot: whether the domain is ours, the resolution as
    /// [`Store::resolve_recipient`] makes it, and the quota room left in the accounts it reaches.
    async fn lookup_recipient(&self, address: &str) -> Result<RecipientLookup>;

    // ---- Mailboxes ----

    /// Ordered by name.
    async fn list_mailboxes(&self, account: AccountId) -> Result<Vec<Mailbox>>;
    async fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>>;
    /// The mailbox's HIGHESTMODSEQ, cheaply (no message counts); `NoSuchMailbox` once it is deleted.
    async fn highest_modseq(&self, id: MailboxId) -> Result<ModSeq>;
    async fn mailbox_by_name(&self, account: AccountId, name: &str) -> Result<Option<Mailbox>>;
    async fn mailbox_by_role(&self, account: AccountId, role: SpecialUse) -> Result<Option<Mailbox>>;
    /// Also creates missing superior levels (RFC 9051 §6.3.4). At most one mailbox per role per account.
    async fn create_mailbox(
        &self,
        account: AccountId,
        name: &str,
        special_use: Option<SpecialUse>,
    ) -> Result<MailboxId>;
    /// Renames the mailbox and its inferiors (RFC 9051 §6.3.6). INBOX cannot be renamed (yet).
    async fn rename_mailbox(&self, account: AccountId, from: &str, to: &str) -> Result<()>;
    /// Deletes one mailbox and its messages; inferiors are kept. INBOX cannot be deleted.
    async fn delete_mailbox(&self, account: AccountId, name: &str) -> Result<()>;
    /// Subscribes or unsubscribes a name, whether or not a mailbox has it: RFC 9051 §6.3.7, a subscription
    /// outlives its mailbox. New accounts' default mailboxes are subscribed; [`Store::create_mailbox`] and
    /// [`Store::delete_mailbox`] leave subscriptions alone, and a rename carries them to the new names.
    async fn set_subscribed(&self, account: AccountId, name: &str, subscribed: bool) -> Result<()>;
    /// The subscribed names, sorted.
    async fn subscriptions(&self, account: AccountId) -> Result<Vec<String>>;

    // ---- The account as a whole (JMAP) ----

    /// The account's change counter: every MODSEQ of its mailboxes comes from it, so it names the state of
    /// the whole account (RFC 8620 §1.6.2 state strings).
    async fn account_state(&self, account: AccountId) -> Result<ModSeq>;
    /// What changed in the account after `since` (a value of [`Store::account_state`]).
    async fn account_changes(&self, account: AccountId, since: ModSeq) -> Result<AccountChanges>;
    /// The account's messages with these ids, those that exist, in no particular order.
    async fn emails(&self, account: AccountId, ids: &[EmailId]) -> Result<Vec<EmailMeta>>;
    /// Every message of these threads, oldest first (RFC 8621 §3).
    async fn thread_emails(&self, account: AccountId, threads: &[ThreadId]) -> Result<Vec<EmailMeta>>;
    /// Every message of the account, in no particular order.
    async fn account_emails(&self, account: AccountId) -> Result<Vec<EmailMeta>>;
    /// The mailbox's messages newest first (INTERNALDATE, then id, both descending), as ids and threads only:
    /// what a message list needs to page and collapse threads, read from one index.
    async fn newest_first(&self, mailbox: MailboxId) -> Result<Vec<(EmailId, ThreadId)>>;

    // ---- Messages ----

    /// Places one message in every target in ONE transaction: a fresh UID each, MODSEQ bumped, blob referenced
    /// once per target. If any target is over quota nothing is written (`QuotaExceeded`). IMAP APPEND is a
    /// delivery with one target.
    ///
    /// Prefer [`Store::deliver_content`] when the message is in memory. This one is for content already in
    /// the blob store (a streamed APPEND), and has one race it cannot close alone: if the last reference to
    /// the same content went just as it was put, `put` may have found the file still there, and the file
    /// may be gone by now: `BlobMissing`. A caller that still has the content puts it again and retries
    /// once; one that streamed it answers with a temporary failure (IMAP `NO [UNAVAILABLE]`), for the client
    /// to send it again.
    async fn deliver(&self, delivery: Delivery) -> Result<Vec<Delivered>>;
    /// [`Store::deliver`] for a message given by its bytes, which the store keeps where it sees fit: small
    /// ones inside the database, in the delivery's own transaction (so that concurrent deliveries share one
    /// fsync), large ones in a blob file written first. Same content, same [`BlobId`], stored once. Free of
    /// the race [`Store::deliver`] documents. The usual way to deliver (SMTP) and to APPEND a literal held in
    /// memory.
    async fn deliver_content(
        &self,
        content: Arc<[u8]>,
        summary: Vec<u8>,
        internal_date: i64,
        targets: Vec<DeliveryTarget>,
        thread: ThreadKeys,
        text: Option<SearchText>,
    ) -> Result<Vec<Delivered>>;
    // ---- Full-text index ----

    /// `mailbox`'s messages whose searchable text may contain `needle` (`facteur_message::fold`ed), by UID:
    /// every message that does, and maybe others, for the caller to read and check. `None` when the index
    /// cannot narrow the search (a needle under three characters, or the index turned off).
    async fn text_candidates(&self, mailbox: MailboxId, needle: &str) -> Result<Option<Vec<MessageMeta>>>;
    /// Blobs whose text the index still lacks (stored before it, or delivered without it), at most `limit`: the
    /// background indexer's work list.
    async fn text_pending(&self, limit: usize) -> Result<Vec<BlobId>>;
    /// Keeps each blob's text in the index and takes it off the pending list (a blob gone meanwhile is skipped).
    async fn index_texts(&self, texts: Vec<(BlobId, SearchText)>) -> Result<()>;
    /// Puts the blobs of `account`'s messages (every account's, for `None`) back on the pending list with their
    /// documents removed, for the indexer to read them again (`facteur reindex`). Returns how many.
    async fn forget_texts(&self, account: Option<AccountId>) -> Result<u64>;

    /// The bytes of a message, wherever they are stored (inline or file). THE way protocol code reads
    /// message content (FETCH BODY[], POP3 RETR, the outbound client); `blobs().read` does not see inline
    /// content. `BlobMissing` if no message or queue entry references the blob any more.
    async fn read_blob(&self, id: BlobId) -> Result<Vec<u8>>;
    /// The first `len` bytes of a message (all of it if shorter), reading no further than that wherever it is
    /// stored: what a FETCH of headers needs from a large message.
    async fn read_blob_prefix(&self, id: BlobId, len: u64) -> Result<Vec<u8>>;
    /// Every message of the mailbox, ordered by UID.
    async fn messages(&self, mailbox: MailboxId) -> Result<Vec<MessageMeta>>;
    /// The messages of the mailbox whose UID is within `first..=last`, ordered by UID: a FETCH or SEARCH over a
    /// large mailbox reads it a slice at a time instead of all at once. The default filters
    /// [`Store::messages`]; backends override it with an indexed read.
    async fn messages_in_range(&self, mailbox: MailboxId, first: Uid, last: Uid) -> Result<Vec<MessageMeta>> {
        let mut all = self.messages(mailbox).await?;
        all.retain(|message| message.uid >= first && message.uid <= last);
        Ok(all)
    }
    /// The parse results stored with the blob, if it has any.
    async fn message_summary(&self, blob: BlobId) -> Result<Option<Vec<u8>>>;
    async fn changes_since(&self, mailbox: MailboxId, since: ModSeq) -> Result<MailboxChanges>;
    /// Applies `change` to the messages `uids` names; with `unchanged_since`, messages modified after it are
    /// left alone and reported (RFC 7162 §3.1.3).
    async fn store_flags(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        change: FlagChange,
        unchanged_since: Option<ModSeq>,
    ) -> Result<FlagsStored>;
    /// Removes the messages, leaving tombstones for QRESYNC; returns the UIDs actually removed, ascending.
    async fn expunge(&self, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<Uid>>;
    /// IMAP EXPUNGE: removes the messages flagged `\Deleted` when the write runs (all, or those within the
    /// inclusive UID ranges), like [`Store::expunge`]; returns the UIDs removed, ascending.
    async fn expunge_deleted(&self, mailbox: MailboxId, within: Option<&[(Uid, Uid)]>) -> Result<Vec<Uid>>;
    /// Copies messages (flags, keywords and INTERNALDATE kept) and returns (source UID, new UID) pairs,
    /// ascending. Checked against the destination account's quota.
    async fn copy(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>>;
    /// Copy then expunge from the source, atomically (RFC 6851).
    async fn move_messages(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>>;

    // ---- Outbound queue ----

    /// Queues a message; the queue holds a reference on its blob until [`Store::dequeue`].
    async fn enqueue(&self, message: QueuedMessage) -> Result<QueueId>;
    /// [`Store::enqueue`] for a message given by its bytes, stored as [`Store::deliver_content`] stores them.
    /// The entry's blob is the content's [`BlobId`].
    async fn enqueue_content(&self, content: Arc<[u8]>, envelope: QueuedEnvelope) -> Result<QueueId>;
    /// Every queued message, oldest first.
    async fn queue(&self) -> Result<Vec<QueueEntry>>;
    /// Records one attempt for one recipient (attempts + 1, new status, next attempt, reply).
    async fn record_attempt(&self, id: QueueId, recipient: &str, attempt: DeliveryAttempt) -> Result<()>;
    /// Applies an operator's `action` to one queued message, or to all of them (`None`), at `now` (unix
    /// seconds). Returns how many recipients changed; `NoSuchQueueEntry` for an unknown id.
    async fn change_queue(&self, id: Option<QueueId>, action: QueueAction, now: i64) -> Result<usize>;
    /// Removes a queued message and releases its blob.
    async fn dequeue(&self, id: QueueId) -> Result<()>;

    /// Takes the lease on a queued message for one delivery attempt, so that of several nodes working one
    /// queue only one tries it (two would deliver it twice). If nobody holds an unexpired lease at `now`, the
    /// message is held until `until` (unix seconds: a node that dies mid-attempt holds it no longer) and
    /// returned as it is now (another node may have recorded attempts since the caller read the queue: work
    /// on this copy); `None` if another holder has it or the message is gone. On SQLite, one node's store,
    /// the lease is always free (the engine's own in-process claim keeps its tasks apart).
    async fn claim_queue_entry(&self, id: QueueId, now: i64, until: i64) -> Result<Option<QueueEntry>>;
    /// Gives up the lease taken with `until` once the attempt is recorded, so the message is tried again as
    /// soon as it is due (an operator's retry, say) rather than when the lease would have run out. Nothing
    /// happens if the lease expired and another holder has it now, or the message is gone.
    async fn release_queue_entry(&self, id: QueueId, until: i64) -> Result<()>;

    // ---- What accounts send (crate::sending) ----

    /// What `account` submitted at or after `since` (unix seconds).
    async fn sending_usage(&self, account: AccountId, since: i64) -> Result<SendingUsage>;
    /// Counts one message `account` submitted at `at` to `recipients` recipients, and forgets its sends before
    /// `forget_before`.
    async fn record_sending(&self, account: AccountId, at: i64, recipients: u64, forget_before: i64) -> Result<()>;
    /// Keeps the final outcomes (`true`: bounced) of `account`'s remote deliveries at `at`, forgets all but
    /// its last `keep`, and returns the tally of those.
    async fn record_outcomes(&self, account: AccountId, at: i64, bounced: Vec<bool>, keep: u64)
    -> Result<OutcomeTally>;
    /// Holds `account`'s outgoing mail from `now`, for `reason`. `false` if it was held already (the first
    /// reason stays).
    async fn hold_account(&self, account: AccountId, reason: &str, now: i64) -> Result<bool>;
    /// Releases `account`'s outgoing mail at `now`, and forgets the outcomes that held it (a fresh start).
    /// `false` if it was not held.
    async fn release_account(&self, account: AccountId, now: i64) -> Result<bool>;
    /// When `account` was last released, if ever: its volume is judged from then on.
    async fn account_released_at(&self, account: AccountId) -> Result<Option<i64>>;
    /// The accounts held now.
    async fn account_holds(&self) -> Result<Vec<AccountHold>>;

    // ---- Outbound TLS policy ----

    /// Keeps delivery events (see [`crate::history`]; callers go through [`crate::history::record`]).
    async fn record_history(&self, events: Vec<DeliveryEvent>) -> Result<()>;
    /// The events `query` asks for, oldest first (the newest `query.limit` of them).
    async fn history(&self, query: HistoryQuery) -> Result<Vec<DeliveryEvent>>;
    /// Forgets the events before `before` (unix seconds); returns how many.
    async fn forget_history(&self, before: i64) -> Result<u64>;

    /// The MTA-STS policy last fetched for `domain`, expired or not.
    async fn mta_sts_policy(&self, domain: &str) -> Result<Option<CachedStsPolicy>>;
    /// Keeps `policy` for its domain, replacing the one before.
    async fn save_mta_sts_policy(&self, policy: CachedStsPolicy) -> Result<()>;
    /// Counts one TLS session result for the day's TLS-RPT report.
    async fn count_tls_result(&self, result: TlsSessionResult) -> Result<()>;
    /// Every count of the days before `day` (days since the epoch), by domain and day.
    async fn tls_results_before(&self, day: i64) -> Result<Vec<TlsResultCount>>;
    /// Forgets the counts of `domain` on `day`, once reported.
    async fn forget_tls_results(&self, domain: &str, day: i64) -> Result<()>;
}
