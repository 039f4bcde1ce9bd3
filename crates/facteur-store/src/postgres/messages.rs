//! SQL for messages: delivery, flag changes, expunge with tombstones, copy and move. The rules are SQLite's
//! (`sqlite/messages.rs`); every write here first locks the accounts it touches (`mailboxes::lock_account`).

use std::collections::BTreeMap;

use facteur_primitives::ThreadKeys;

use crate::blob::BlobId;
use crate::error::{Result, StoreError};
use crate::flags::{FlagChange, Keywords, SystemFlags, validate_keywords};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, ThreadId, Uid};
use crate::message::{Delivered, Delivery, DeliveryTarget, FlagsStored, MailboxChanges, MessageMeta};
use crate::postgres::columns::{MESSAGE_COLUMNS, keywords_to_text, message_from_row, uid_column};
use crate::postgres::mailboxes::{self, account_of, add_usage, allocate_uid, bump_modseq, check_quota, lock_mailbox};
use crate::postgres::sql::{Tx, exec, rows, to_i64};
use crate::postgres::{Effects, changes, content, text_index, threads};

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
    New(&'a ThreadKeys),
    CopyOf(ThreadId),
    Moved(EmailId, ThreadId),
}

/// Writes one message with a fresh UID and MODSEQ, and counts its size against the account.
async fn insert_message(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
    message: &NewMessage<'_>,
) -> Result<Delivered> {
    let (uid, modseq) = allocate_uid(tx, account, mailbox).await?;
    let fresh = EmailId(to_i64(modseq.0)?);
    let (email, thread) = match message.identity {
        Identity::New(keys) => (fresh, threads::assign(tx, account, fresh, keys).await?),
        Identity::CopyOf(thread) => (fresh, thread),
        Identity::Moved(email, thread) => (email, thread),
    };
    let size = to_i64(message.size)?;
    exec(
        tx,
        "INSERT INTO messages (mailbox, uid, blob, size, internal_date, flags, keywords, modseq, email_id, thread_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &mailbox.0,
            &i64::from(uid.get()),
            &&message.blob.0[..],
            &size,
            &message.internal_date,
            &i32::from(message.flags.bits()),
            &keywords_to_text(message.keywords),
            &to_i64(modseq.0)?,
            &email.0,
            &thread.0,
        ],
    )
    .await?;
    add_usage(tx, account, size).await?;
    effects.touched(account, mailbox, modseq);
    Ok(Delivered { account, mailbox, uid, modseq, email, thread })
}

/// Delivers `delivery`; `content` is the blob's bytes when this node has them (a staged file, or a message
/// given by content), stored if the blob has no row yet.
pub(crate) async fn deliver(
    tx: &Tx<'_>,
    effects: &mut Effects,
    delivery: &Delivery,
    content: Option<&[u8]>,
) -> Result<Vec<Delivered>> {
    if delivery.targets.is_empty() {
        return Ok(Vec::new());
    }
    let size = match content {
        Some(bytes) => bytes.len() as u64,
        None => stored_size(tx, delivery.blob).await?,
    };
    let mailboxes = resolve_targets(tx, &delivery.targets, size).await?;
    let count = delivery.targets.len() as u64;
    content::acquire(tx, delivery.blob, content, count, Some(&delivery.summary)).await?;
    text_index::keep(tx, delivery.blob, delivery.text.as_ref()).await?;
    insert_copies(tx, effects, delivery, size, mailboxes).await
}

/// The size of a blob that has a row; `BlobMissing` otherwise.
async fn stored_size(tx: &Tx<'_>, blob: BlobId) -> Result<u64> {
    let found: Option<i64> =
        crate::postgres::sql::value(tx, "SELECT size FROM blobs WHERE id = $1", &[&&blob.0[..]]).await?;
    found.map(crate::postgres::sql::to_u64).ok_or(StoreError::BlobMissing(blob))
}

/// The mailbox of each target, after checking every target and every quota (locking each account, in
/// ascending order so that two deliveries to the same accounts do not deadlock), before anything is written.
async fn resolve_targets(tx: &Tx<'_>, targets: &[DeliveryTarget], size: u64) -> Result<Vec<MailboxId>> {
    let mut mailbox_of_target = Vec::with_capacity(targets.len());
    let mut needed: BTreeMap<AccountId, u64> = BTreeMap::new();
    for target in targets {
        validate_keywords(&target.keywords)?;
        let mailbox = match target.mailbox {
            Some(mailbox) if account_of(tx, mailbox).await? == target.account => mailbox,
            Some(mailbox) => return Err(StoreError::NoSuchMailbox(mailbox)),
            None => mailboxes::inbox(tx, target.account).await?,
        };
        mailbox_of_target.push(mailbox);
        let bytes = needed.entry(target.account).or_default();
        *bytes = bytes.saturating_add(size);
    }
    for (&account, &bytes) in &needed {
        check_quota(tx, account, bytes).await?;
    }
    Ok(mailbox_of_target)
}

/// One message row per target, the blob's references already taken.
async fn insert_copies(
    tx: &Tx<'_>,
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
        delivered.push(insert_message(tx, effects, target.account, mailbox, &message).await?);
    }
    Ok(delivered)
}

async fn select(tx: &Tx<'_>, condition: &str, args: &crate::postgres::sql::Params<'_>) -> Result<Vec<MessageMeta>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE {condition} ORDER BY m.uid");
    rows(tx, &sql, args).await?.iter().map(|r| message_from_row(r, 0)).collect()
}

pub(crate) async fn list(tx: &Tx<'_>, mailbox: MailboxId) -> Result<Vec<MessageMeta>> {
    account_of(tx, mailbox).await?;
    select(tx, "m.mailbox = $1", &[&mailbox.0]).await
}

pub(crate) async fn list_range(tx: &Tx<'_>, mailbox: MailboxId, first: Uid, last: Uid) -> Result<Vec<MessageMeta>> {
    account_of(tx, mailbox).await?;
    let (first, last) = (i64::from(first.get()), i64::from(last.get()));
    select(tx, "m.mailbox = $1 AND m.uid BETWEEN $2 AND $3", &[&mailbox.0, &first, &last]).await
}

/// The existing messages among `uids`, ascending, each once.
async fn existing(tx: &Tx<'_>, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<MessageMeta>> {
    let wanted: Vec<i64> = uids.iter().map(|uid| i64::from(uid.get())).collect();
    select(tx, "m.mailbox = $1 AND m.uid = ANY($2)", &[&mailbox.0, &wanted]).await
}

pub(crate) async fn changes_since(tx: &Tx<'_>, mailbox: MailboxId, since: ModSeq) -> Result<MailboxChanges> {
    account_of(tx, mailbox).await?;
    let since = to_i64(since.0)?;
    let changed = select(tx, "m.mailbox = $1 AND m.modseq > $2", &[&mailbox.0, &since]).await?;
    let sql = "SELECT uid FROM tombstones WHERE mailbox = $1 AND modseq > $2 ORDER BY uid";
    let vanished =
        rows(tx, sql, &[&mailbox.0, &since]).await?.iter().map(|r| uid_column(r, 0)).collect::<Result<_>>()?;
    Ok(MailboxChanges { changed, vanished })
}

pub(crate) async fn store_flags(
    tx: &Tx<'_>,
    effects: &mut Effects,
    mailbox: MailboxId,
    uids: &[Uid],
    change: &FlagChange,
    unchanged_since: Option<ModSeq>,
) -> Result<FlagsStored> {
    validate_keywords(&change.keywords)?;
    let account = lock_mailbox(tx, mailbox).await?;
    let mut outcome = FlagsStored::default();
    for mut message in existing(tx, mailbox, uids).await? {
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
        let modseq = bump_modseq(tx, account, mailbox).await?;
        exec(
            tx,
            "UPDATE messages SET flags = $3, keywords = $4, modseq = $5 WHERE mailbox = $1 AND uid = $2",
            &[
                &mailbox.0,
                &i64::from(message.uid.get()),
                &i32::from(flags.bits()),
                &keywords_to_text(&keywords),
                &to_i64(modseq.0)?,
            ],
        )
        .await?;
        effects.touched(account, mailbox, modseq);
        (message.flags, message.keywords, message.modseq) = (flags, keywords, modseq);
        outcome.changed.push(message);
    }
    Ok(outcome)
}

pub(crate) async fn expunge(tx: &Tx<'_>, effects: &mut Effects, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<Uid>> {
    remove(tx, effects, mailbox, uids, Removal::Expunge).await
}

/// Why rows leave a mailbox: the message is gone, or it lives on in another mailbox.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Removal {
    Expunge,
    Move,
}

async fn remove(
    tx: &Tx<'_>,
    effects: &mut Effects,
    mailbox: MailboxId,
    uids: &[Uid],
    why: Removal,
) -> Result<Vec<Uid>> {
    let account = lock_mailbox(tx, mailbox).await?;
    let doomed = existing(tx, mailbox, uids).await?;
    if doomed.is_empty() {
        return Ok(Vec::new());
    }
    // One MODSEQ for the whole expunge: the tombstones all carry it (RFC 7162 §3.2.10).
    let modseq = bump_modseq(tx, account, mailbox).await?;
    let mut released: BTreeMap<BlobId, u64> = BTreeMap::new();
    let mut freed = 0u64;
    for message in &doomed {
        let uid = i64::from(message.uid.get());
        exec(tx, "DELETE FROM messages WHERE mailbox = $1 AND uid = $2", &[&mailbox.0, &uid]).await?;
        exec(
            tx,
            "INSERT INTO tombstones (mailbox, uid, modseq) VALUES ($1, $2, $3) \
             ON CONFLICT (mailbox, uid) DO UPDATE SET modseq = $3",
            &[&mailbox.0, &uid, &to_i64(modseq.0)?],
        )
        .await?;
        if why == Removal::Expunge {
            changes::email_destroyed(tx, account, message.email, message.thread, modseq).await?;
        }
        *released.entry(message.blob).or_default() += 1;
        freed = freed.saturating_add(message.size);
    }
    for (blob, count) in released {
        content::release(tx, effects, blob, count).await?;
    }
    add_usage(tx, account, -to_i64(freed)?).await?;
    effects.touched(account, mailbox, modseq);
    Ok(doomed.into_iter().map(|message| message.uid).collect())
}

/// Expunges the messages flagged `\Deleted` at this instant (the account locked: a flag another node clears
/// just before is respected), all or those in the inclusive UID ranges `within`.
pub(crate) async fn expunge_deleted(
    tx: &Tx<'_>,
    effects: &mut Effects,
    mailbox: MailboxId,
    within: Option<&[(Uid, Uid)]>,
) -> Result<Vec<Uid>> {
    lock_mailbox(tx, mailbox).await?;
    let deleted_bit = i32::from(SystemFlags::DELETED.bits());
    let sql = "SELECT uid FROM messages WHERE mailbox = $1 AND flags & $2 != 0 ORDER BY uid";
    let deleted: Vec<Uid> =
        rows(tx, sql, &[&mailbox.0, &deleted_bit]).await?.iter().map(|r| uid_column(r, 0)).collect::<Result<_>>()?;
    let in_scope = |uid: &Uid| within.is_none_or(|ranges| ranges.iter().any(|(low, high)| low <= uid && uid <= high));
    let doomed: Vec<Uid> = deleted.into_iter().filter(in_scope).collect();
    if doomed.is_empty() {
        return Ok(Vec::new());
    }
    expunge(tx, effects, mailbox, &doomed).await
}

/// Copies messages; the quota is checked unless the bytes merely move within one account.
pub(crate) async fn copy(
    tx: &Tx<'_>,
    effects: &mut Effects,
    from: MailboxId,
    uids: &[Uid],
    to: MailboxId,
    moving: bool,
) -> Result<Vec<(Uid, Uid)>> {
    let source_account = account_of(tx, from).await?;
    let target_account = account_of(tx, to).await?;
    // Both accounts locked, in ascending order (no deadlock between two copies in opposite directions).
    for account in [source_account.min(target_account), source_account.max(target_account)] {
        mailboxes::lock_account(tx, account).await?;
    }
    let sources = existing(tx, from, uids).await?;
    let bytes = sources.iter().fold(0u64, |sum, message| sum.saturating_add(message.size));
    if !(moving && source_account == target_account) {
        check_quota(tx, target_account, bytes).await?;
    }
    let mut mapping = Vec::with_capacity(sources.len());
    for source in &sources {
        content::acquire(tx, source.blob, None, 1, None).await?;
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
        let copied = insert_message(tx, effects, target_account, to, &message).await?;
        mapping.push((source.uid, copied.uid));
    }
    Ok(mapping)
}

/// RFC 6851 MOVE: copy, then expunge the originals, in one transaction.
pub(crate) async fn move_messages(
    tx: &Tx<'_>,
    effects: &mut Effects,
    from: MailboxId,
    uids: &[Uid],
    to: MailboxId,
) -> Result<Vec<(Uid, Uid)>> {
    let mapping = copy(tx, effects, from, uids, to, true).await?;
    let moved: Vec<Uid> = mapping.iter().map(|(source, _)| *source).collect();
    remove(tx, effects, from, &moved, Removal::Move).await?;
    Ok(mapping)
}
