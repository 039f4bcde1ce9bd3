//! SQL for messages: delivery, flag changes, expunge with tombstones, copy and move.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::blob::{BlobId, BlobStore};
use crate::error::{Result, StoreError};
use crate::flags::{FlagChange, Keywords, SystemFlags, validate_keywords};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, ThreadId, Uid};
use crate::message::{Delivered, Delivery, DeliveryTarget, FlagsStored, MailboxChanges, MessageMeta};
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::{MESSAGE_COLUMNS, keywords_to_text, message_from_row, to_i64, to_u64};
use crate::sqlite::content::Content;
use crate::sqlite::mailboxes::{self, account_of, add_usage, allocate_uid, bump_modseq, check_quota, usage_delta};
use crate::sqlite::text_index;
use crate::sqlite::writer::Effects;
use crate::sqlite::{blobrefs, changes, threads};
use facteur_primitives::ThreadKeys;

/// A message row about to be written into a mailbox.
struct NewMessage<'a> {
    blob: BlobId,
    size: u64,
    internal_date: i64,
    flags: SystemFlags,
    keywords: &'a Keywords,
    identity: Identity<'a>,
}

/// A message filed without identifiers, in a thread of its own.
static NO_THREAD_KEYS: ThreadKeys = ThreadKeys { message_id: None, references: Vec::new() };

/// Which email and thread a new row is.
enum Identity<'a> {
    /// A new message: a new id, and the thread its identifiers lead to.
    New(&'a ThreadKeys),
    /// A copy: a new id in the original's thread.
    CopyOf(ThreadId),
    /// A move: the same message in another mailbox (RFC 8621 §4.1.1: ids are immutable).
    Moved(EmailId, ThreadId),
}

/// Writes one message with a fresh UID and MODSEQ, and counts its size against the account.
fn insert_message(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
    message: &NewMessage<'_>,
) -> Result<Delivered> {
    let (uid, modseq) = allocate_uid(conn, account, mailbox)?;
    let fresh = EmailId(to_i64(modseq.0)?);
    let (email, thread) = match message.identity {
        Identity::New(keys) => (fresh, threads::assign(conn, account, fresh, keys)?),
        Identity::CopyOf(thread) => (fresh, thread),
        Identity::Moved(email, thread) => (email, thread),
    };
    conn.prepare_cached(
        "INSERT INTO messages (mailbox, uid, blob, size, internal_date, flags, keywords, modseq, email_id, thread_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        mailbox,
        uid,
        message.blob,
        to_i64(message.size)?,
        message.internal_date,
        message.flags.bits(),
        keywords_to_text(message.keywords),
        modseq,
        email,
        thread
    ])?;
    add_usage(conn, account, usage_delta(message.size)?)?;
    effects.touched(account, mailbox, modseq);
    Ok(Delivered { account, mailbox, uid, modseq, email, thread })
}

/// The size of a blob: from its row if referenced already, else from its file.
fn blob_size(conn: &Connection, blobs: &BlobStore, blob: BlobId) -> Result<u64> {
    let stored: Option<i64> =
        conn.query_row_cached("SELECT size FROM blobs WHERE id = ?1", [blob], |row| row.get(0)).optional()?;
    stored.map_or_else(|| blobs.size(blob), |size| Ok(to_u64(size)))
}

pub(crate) fn deliver(
    conn: &Connection,
    blobs: &BlobStore,
    effects: &mut Effects,
    delivery: &Delivery,
) -> Result<Vec<Delivered>> {
    if delivery.targets.is_empty() {
        return Ok(Vec::new());
    }
    let size = blob_size(conn, blobs, delivery.blob)?;
    let mailboxes = resolve_targets(conn, &delivery.targets, size)?;
    blobrefs::acquire(conn, blobs, delivery.blob, delivery.targets.len() as u64, Some(&delivery.summary))?;
    text_index::keep(conn, delivery.blob)?;
    insert_copies(conn, effects, delivery, size, mailboxes)
}

/// [`deliver`] for a message the store is given the bytes of, and stores itself (`delivery.blob` is their id).
pub(crate) fn deliver_content(
    conn: &Connection,
    blobs: &BlobStore,
    effects: &mut Effects,
    content: &Content,
    delivery: &Delivery,
) -> Result<Vec<Delivered>> {
    if delivery.targets.is_empty() {
        return Ok(Vec::new());
    }
    let size = content.len();
    let mailboxes = resolve_targets(conn, &delivery.targets, size)?;
    content.acquire(conn, blobs, delivery.targets.len() as u64, Some(&delivery.summary))?;
    text_index::keep(conn, delivery.blob)?;
    insert_copies(conn, effects, delivery, size, mailboxes)
}

/// The mailbox of each target, after checking every target and every quota, before anything is written (the
/// savepoint would undo a partial delivery anyway, but refusing early keeps the quota error about the whole
/// message, and keeps refused content out of the database).
fn resolve_targets(conn: &Connection, targets: &[DeliveryTarget], size: u64) -> Result<Vec<MailboxId>> {
    let mut mailbox_of_target = Vec::with_capacity(targets.len());
    let mut needed: BTreeMap<AccountId, u64> = BTreeMap::new();
    for target in targets {
        validate_keywords(&target.keywords)?;
        let mailbox = match target.mailbox {
            Some(mailbox) if account_of(conn, mailbox)? == target.account => mailbox,
            Some(mailbox) => return Err(StoreError::NoSuchMailbox(mailbox)),
            None => mailboxes::inbox(conn, target.account)?,
        };
        mailbox_of_target.push(mailbox);
        let bytes = needed.entry(target.account).or_default();
        *bytes = bytes.saturating_add(size);
    }
    for (&account, &bytes) in &needed {
        check_quota(conn, account, bytes)?;
    }
    Ok(mailbox_of_target)
}

/// One message row per target, the blob's references already taken.
fn insert_copies(
    conn: &Connection,
    effects: &mut Effects,
    delivery: &Delivery,
    size: u64,
    mailboxes: Vec<MailboxId>,
) -> Result<Vec<Delivered>> {
    let mut delivered = Vec::with_capacity(delivery.targets.len());
    for (target, mailbox) in delivery.targets.iter().zip(mailboxes) {
        let message = NewMessage {
            blob: delivery.blob,
            size,
            internal_date: delivery.internal_date,
            flags: target.flags,
            keywords: &target.keywords,
            identity: Identity::New(&delivery.thread),
        };
        delivered.push(insert_message(conn, effects, target.account, mailbox, &message)?);
    }
    Ok(delivered)
}

fn ensure_mailbox(conn: &Connection, mailbox: MailboxId) -> Result<AccountId> {
    account_of(conn, mailbox)
}

pub(crate) fn list(conn: &Connection, mailbox: MailboxId) -> Result<Vec<MessageMeta>> {
    ensure_mailbox(conn, mailbox)?;
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE mailbox = ?1 ORDER BY uid");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([mailbox], message_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn list_range(conn: &Connection, mailbox: MailboxId, first: Uid, last: Uid) -> Result<Vec<MessageMeta>> {
    ensure_mailbox(conn, mailbox)?;
    let sql =
        format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE mailbox = ?1 AND uid BETWEEN ?2 AND ?3 ORDER BY uid");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(params![mailbox, first, last], message_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn one(conn: &Connection, mailbox: MailboxId, uid: Uid) -> Result<Option<MessageMeta>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE mailbox = ?1 AND uid = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![mailbox, uid], message_from_row).optional()?)
}

/// The existing messages among `uids`, ascending, each once.
fn existing(conn: &Connection, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<MessageMeta>> {
    let mut wanted = uids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = Vec::with_capacity(wanted.len());
    for uid in wanted {
        found.extend(one(conn, mailbox, uid)?);
    }
    Ok(found)
}

pub(crate) fn changes_since(conn: &Connection, mailbox: MailboxId, since: ModSeq) -> Result<MailboxChanges> {
    ensure_mailbox(conn, mailbox)?;
    // INDEXED BY: left to itself, the planner walks the whole mailbox in UID order to spare a sort, when only
    // the few rows above `since` are wanted.
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages INDEXED BY messages_modseq \
         WHERE mailbox = ?1 AND modseq > ?2 ORDER BY uid"
    );
    let changed = conn
        .prepare_cached(&sql)?
        .query_map(params![mailbox, since], message_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let vanished = conn
        .prepare_cached(
            "SELECT uid FROM tombstones INDEXED BY tombstones_modseq WHERE mailbox = ?1 AND modseq > ?2 ORDER BY uid",
        )?
        .query_map(params![mailbox, since], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(MailboxChanges { changed, vanished })
}

pub(crate) fn store_flags(
    conn: &Connection,
    effects: &mut Effects,
    mailbox: MailboxId,
    uids: &[Uid],
    change: &FlagChange,
    unchanged_since: Option<ModSeq>,
) -> Result<FlagsStored> {
    validate_keywords(&change.keywords)?;
    let account = ensure_mailbox(conn, mailbox)?;
    let mut outcome = FlagsStored::default();
    for mut message in existing(conn, mailbox, uids)? {
        // RFC 7162 §3.1.3: a message modified after UNCHANGEDSINCE is not touched, and is reported.
        if unchanged_since.is_some_and(|limit| message.modseq > limit) {
            outcome.conflicts.push(message.uid);
            continue;
        }
        let (flags, keywords) = change.apply(message.flags, &message.keywords);
        if flags == message.flags && keywords == message.keywords {
            continue;
        }
        validate_keywords(&keywords)?;
        let modseq = bump_modseq(conn, account, mailbox)?;
        conn.prepare_cached(
            "UPDATE messages SET flags = ?3, keywords = ?4, modseq = ?5 WHERE mailbox = ?1 AND uid = ?2",
        )?
        .execute(params![mailbox, message.uid, flags.bits(), keywords_to_text(&keywords), modseq])?;
        effects.touched(account, mailbox, modseq);
        (message.flags, message.keywords, message.modseq) = (flags, keywords, modseq);
        outcome.changed.push(message);
    }
    Ok(outcome)
}

pub(crate) fn expunge(conn: &Connection, effects: &mut Effects, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<Uid>> {
    remove(conn, effects, mailbox, uids, Removal::Expunge)
}

/// Why rows leave a mailbox: the message is gone, or it lives on in another mailbox.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Removal {
    Expunge,
    Move,
}

fn remove(
    conn: &Connection,
    effects: &mut Effects,
    mailbox: MailboxId,
    uids: &[Uid],
    why: Removal,
) -> Result<Vec<Uid>> {
    let account = ensure_mailbox(conn, mailbox)?;
    let doomed = existing(conn, mailbox, uids)?;
    if doomed.is_empty() {
        return Ok(Vec::new());
    }
    // One MODSEQ for the whole expunge: the tombstones all carry it (RFC 7162 §3.2.10).
    let modseq = bump_modseq(conn, account, mailbox)?;
    let mut released: BTreeMap<BlobId, u64> = BTreeMap::new();
    let mut freed = 0u64;
    for message in &doomed {
        conn.prepare_cached("DELETE FROM messages WHERE mailbox = ?1 AND uid = ?2")?
            .execute(params![mailbox, message.uid])?;
        conn.prepare_cached("INSERT OR REPLACE INTO tombstones (mailbox, uid, modseq) VALUES (?1, ?2, ?3)")?
            .execute(params![mailbox, message.uid, modseq])?;
        if why == Removal::Expunge {
            changes::email_destroyed(conn, account, message.email, message.thread, modseq)?;
        }
        *released.entry(message.blob).or_default() += 1;
        freed = freed.saturating_add(message.size);
    }
    for (blob, count) in released {
        blobrefs::release(conn, effects, blob, count)?;
    }
    add_usage(conn, account, -usage_delta(freed)?)?;
    effects.touched(account, mailbox, modseq);
    Ok(doomed.into_iter().map(|message| message.uid).collect())
}

/// Expunges the messages flagged `\Deleted` at this instant, all or those in the inclusive UID ranges
/// `within`. Deciding inside the write transaction matters: a flag another session clears just before is
/// respected, which a list read earlier would not see.
pub(crate) fn expunge_deleted(
    conn: &Connection,
    effects: &mut Effects,
    mailbox: MailboxId,
    within: Option<&[(Uid, Uid)]>,
) -> Result<Vec<Uid>> {
    // SystemFlags::DELETED, as stored.
    const DELETED_BIT: i64 = 1 << 3;
    let deleted: Vec<Uid> = conn
        .prepare_cached("SELECT uid FROM messages WHERE mailbox = ?1 AND flags & ?2 != 0 ORDER BY uid")?
        .query_map(params![mailbox, DELETED_BIT], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let in_scope = |uid: &Uid| within.is_none_or(|ranges| ranges.iter().any(|(low, high)| low <= uid && uid <= high));
    let doomed: Vec<Uid> = deleted.into_iter().filter(in_scope).collect();
    if doomed.is_empty() {
        ensure_mailbox(conn, mailbox)?;
        return Ok(Vec::new());
    }
    expunge(conn, effects, mailbox, &doomed)
}

/// Copies messages; the quota is checked unless the bytes merely move within one account.
pub(crate) fn copy(
    conn: &Connection,
    blobs: &BlobStore,
    effects: &mut Effects,
    from: MailboxId,
    uids: &[Uid],
    to: MailboxId,
    moving: bool,
) -> Result<Vec<(Uid, Uid)>> {
    let source_account = ensure_mailbox(conn, from)?;
    let target_account = ensure_mailbox(conn, to)?;
    let sources = existing(conn, from, uids)?;
    let bytes = sources.iter().fold(0u64, |sum, message| sum.saturating_add(message.size));
    if !(moving && source_account == target_account) {
        check_quota(conn, target_account, bytes)?;
    }
    let mut mapping = Vec::with_capacity(sources.len());
    for source in &sources {
        blobrefs::acquire(conn, blobs, source.blob, 1, None)?;
        let message = NewMessage {
            blob: source.blob,
            size: source.size,
            internal_date: source.internal_date,
            flags: source.flags,
            keywords: &source.keywords,
            identity: match (moving, source_account == target_account) {
                (true, true) => Identity::Moved(source.email, source.thread),
                (false, true) => Identity::CopyOf(source.thread),
                // Ids and threads belong to one account: in another, the copy starts a thread of its own.
                (_, false) => Identity::New(&NO_THREAD_KEYS),
            },
        };
        let copied = insert_message(conn, effects, target_account, to, &message)?;
        mapping.push((source.uid, copied.uid));
    }
    Ok(mapping)
}

/// RFC 6851 MOVE: copy, then expunge the originals, in the caller's one transaction.
pub(crate) fn move_messages(
    conn: &Connection,
    blobs: &BlobStore,
    effects: &mut Effects,
    from: MailboxId,
    uids: &[Uid],
    to: MailboxId,
) -> Result<Vec<(Uid, Uid)>> {
    let mapping = copy(conn, blobs, effects, from, uids, to, true)?;
    let moved: Vec<Uid> = mapping.iter().map(|(source, _)| *source).collect();
    remove(conn, effects, from, &moved, Removal::Move)?;
    Ok(mapping)
}
