//! SQL for mailboxes: creation with UIDVALIDITY, rename, delete, the per-mailbox counters, and the account
//! row lock every write of an account takes first.

use tokio_postgres::types::ToSql;

use crate::blob::BlobId;
use crate::error::{Entity, Result, StoreError};
use crate::ids::{AccountId, MailboxId, ModSeq, Uid, UidValidity};
use crate::mailbox::{INBOX, Mailbox, SEPARATOR, SpecialUse, ancestors, normalize_mailbox_name};
use crate::postgres::columns::{MAILBOX_COLUMNS, blob_id, mailbox_from_row, uid};
use crate::postgres::sql::{Tx, exec, row, rows, to_i64, to_u64, value};
use crate::postgres::{Effects, changes, content};

/// Locks the account's row until the transaction ends: the account's writes, on every node, then run one at
/// a time, each seeing everything committed before it (READ COMMITTED reads afresh at each statement).
/// `NoSuchAccount` if it is gone.
pub(crate) async fn lock_account(tx: &Tx<'_>, account: AccountId) -> Result<()> {
    match row(tx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", &[&account.0]).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::NoSuchAccount(account)),
    }
}

/// The owner of a mailbox, its row locked (see [`lock_account`]).
pub(crate) async fn lock_mailbox(tx: &Tx<'_>, mailbox: MailboxId) -> Result<AccountId> {
    let account = account_of(tx, mailbox).await?;
    lock_account(tx, account).await?;
    Ok(account)
}

/// UIDVALIDITY for a new mailbox: the current time, but strictly above every value the account has had
/// (RFC 9051 §2.3.1.1), so a re-created mailbox never repeats one even within the same second.
async fn next_uidvalidity(tx: &Tx<'_>, account: AccountId) -> Result<UidValidity> {
    let sql = "SELECT last_uidvalidity FROM accounts WHERE id = $1 FOR UPDATE";
    let last: i64 = value(tx, sql, &[&account.0]).await?.ok_or(StoreError::NoSuchAccount(account))?;
    let now = facteur_primitives::unix_now();
    let next = last.saturating_add(1).max(now);
    let next = u32::try_from(next)
        .map_err(|_| StoreError::Corrupt(format!("account {} has used every UIDVALIDITY", account.0)))?;
    exec(tx, "UPDATE accounts SET last_uidvalidity = $2 WHERE id = $1", &[&account.0, &i64::from(next)]).await?;
    Ok(UidValidity(next))
}

/// Inserts one mailbox whose name is already normalised, enforcing name and role uniqueness.
pub(crate) async fn insert(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> Result<MailboxId> {
    if mailbox_id(tx, account, name).await?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::Mailbox, name.to_owned()));
    }
    if let Some(role) = special_use
        && let Some(holder) = by_role(tx, account, role).await?
    {
        return Err(StoreError::SpecialUseTaken { role, mailbox: holder.name });
    }
    let uidvalidity = next_uidvalidity(tx, account).await?;
    let id: i64 = value(
        tx,
        "INSERT INTO mailboxes (account, name, special_use, uidvalidity) VALUES ($1, $2, $3, $4) RETURNING id",
        &[&account.0, &name, &special_use.map(SpecialUse::as_str), &i64::from(uidvalidity.0)],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("INSERT … RETURNING returned no row".into()))?;
    let id = MailboxId(id);
    changes::mailbox_changed(tx, effects, account, id, true).await?;
    Ok(id)
}

pub(crate) async fn create(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> Result<MailboxId> {
    let name = normalize_mailbox_name(name)?;
    lock_account(tx, account).await?;
    create_ancestors(tx, effects, account, &name).await?;
    insert(tx, effects, account, &name, special_use).await
}

/// RFC 9051 §6.3.4: CREATE `a/b/c` also creates `a` and `a/b` if they are missing.
async fn create_ancestors(tx: &Tx<'_>, effects: &mut Effects, account: AccountId, name: &str) -> Result<()> {
    for ancestor in ancestors(name) {
        if mailbox_id(tx, account, ancestor).await?.is_none() {
            insert(tx, effects, account, ancestor, None).await?;
        }
    }
    Ok(())
}

async fn mailbox_id(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<Option<MailboxId>> {
    let sql = "SELECT id FROM mailboxes WHERE account = $1 AND name = $2";
    Ok(value(tx, sql, &[&account.0, &name]).await?.map(MailboxId))
}

async fn existing(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<(MailboxId, String)> {
    let name = normalize_mailbox_name(name)?;
    match mailbox_id(tx, account, &name).await? {
        Some(id) => Ok((id, name)),
        None => Err(StoreError::NotFound(Entity::Mailbox, name)),
    }
}

async fn query_one(tx: &Tx<'_>, condition: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Option<Mailbox>> {
    let sql = format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes m WHERE {condition}");
    row(tx, &sql, args).await?.as_ref().map(mailbox_from_row).transpose()
}

pub(crate) async fn by_id(tx: &Tx<'_>, id: MailboxId) -> Result<Option<Mailbox>> {
    query_one(tx, "m.id = $1", &[&id.0]).await
}

/// The mailbox's HIGHESTMODSEQ alone, without the message counts a [`Mailbox`] carries.
pub(crate) async fn highest_modseq(tx: &Tx<'_>, id: MailboxId) -> Result<ModSeq> {
    let found: i64 = value(tx, "SELECT highestmodseq FROM mailboxes WHERE id = $1", &[&id.0])
        .await?
        .ok_or(StoreError::NoSuchMailbox(id))?;
    Ok(ModSeq(to_u64(found)))
}

/// `None` for unknown and for malformed names alike.
pub(crate) async fn by_name(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<Option<Mailbox>> {
    let Ok(name) = normalize_mailbox_name(name) else { return Ok(None) };
    query_one(tx, "m.account = $1 AND m.name = $2", &[&account.0, &name]).await
}

pub(crate) async fn by_role(tx: &Tx<'_>, account: AccountId, role: SpecialUse) -> Result<Option<Mailbox>> {
    query_one(tx, "m.account = $1 AND m.special_use = $2", &[&account.0, &role.as_str()]).await
}

pub(crate) async fn list(tx: &Tx<'_>, account: AccountId) -> Result<Vec<Mailbox>> {
    let sql = format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes m WHERE m.account = $1 ORDER BY m.name");
    rows(tx, &sql, &[&account.0]).await?.iter().map(mailbox_from_row).collect()
}

/// The owner of a mailbox.
pub(crate) async fn account_of(tx: &Tx<'_>, mailbox: MailboxId) -> Result<AccountId> {
    let found = value(tx, "SELECT account FROM mailboxes WHERE id = $1", &[&mailbox.0]).await?;
    found.map(AccountId).ok_or(StoreError::NoSuchMailbox(mailbox))
}

/// The account's INBOX.
pub(crate) async fn inbox(tx: &Tx<'_>, account: AccountId) -> Result<MailboxId> {
    mailbox_id(tx, account, INBOX).await?.ok_or(StoreError::NoSuchAccount(account))
}

/// Hands out the next UID of a mailbox and a new MODSEQ from the account's counter, in the caller's
/// transaction: both are `UPDATE … RETURNING` on rows that stay locked until it commits, so two nodes never
/// hand out the same one.
pub(crate) async fn allocate_uid(tx: &Tx<'_>, account: AccountId, mailbox: MailboxId) -> Result<(Uid, ModSeq)> {
    let modseq = changes::next_modseq(tx, account).await?;
    let sql = "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = $2 WHERE id = $1 RETURNING uidnext - 1";
    let next: i64 =
        value(tx, sql, &[&mailbox.0, &to_i64(modseq.0)?]).await?.ok_or(StoreError::NoSuchMailbox(mailbox))?;
    // RFC 9051 §2.3.1.1: when UIDs run out the mailbox would need a new UIDVALIDITY; we refuse instead.
    let uid = uid(next).map_err(|_| StoreError::Corrupt(format!("mailbox {} has used every UID", mailbox.0)))?;
    Ok((uid, modseq))
}

/// A new MODSEQ from the account's counter for a change in `mailbox` that is not a new message.
pub(crate) async fn bump_modseq(tx: &Tx<'_>, account: AccountId, mailbox: MailboxId) -> Result<ModSeq> {
    let modseq = changes::next_modseq(tx, account).await?;
    let sql = "UPDATE mailboxes SET highestmodseq = $2 WHERE id = $1";
    if exec(tx, sql, &[&mailbox.0, &to_i64(modseq.0)?]).await? == 0 {
        return Err(StoreError::NoSuchMailbox(mailbox));
    }
    Ok(modseq)
}

/// Adds `delta` bytes (negative to free) to an account's usage.
pub(crate) async fn add_usage(tx: &Tx<'_>, account: AccountId, delta: i64) -> Result<()> {
    exec(tx, "UPDATE accounts SET used_bytes = greatest(0, used_bytes + $2) WHERE id = $1", &[&account.0, &delta])
        .await?;
    Ok(())
}

/// Blob references held by messages matching `condition` (over `messages` joined as `m` to `mailboxes`).
pub(crate) async fn blob_references(tx: &Tx<'_>, condition: &str, arg: i64) -> Result<Vec<(BlobId, u64)>> {
    let sql = format!(
        "SELECT msg.blob, count(*) FROM messages msg JOIN mailboxes m ON m.id = msg.mailbox \
         WHERE {condition} GROUP BY msg.blob"
    );
    let found = rows(tx, &sql, &[&arg]).await?;
    found.iter().map(|r| Ok((blob_id(r, 0)?, to_u64(r.try_get(1)?)))).collect()
}

pub(crate) async fn rename(tx: &Tx<'_>, effects: &mut Effects, account: AccountId, from: &str, to: &str) -> Result<()> {
    lock_account(tx, account).await?;
    let (_, from) = existing(tx, account, from).await?;
    let to = normalize_mailbox_name(to)?;
    // RFC 9051 §6.3.6 renames INBOX by moving its messages; we do not support that (yet).
    if from == INBOX {
        return Err(StoreError::InboxIsPermanent);
    }
    if to == from || to.starts_with(&format!("{from}{SEPARATOR}")) {
        return Err(StoreError::RenameIntoItself(from));
    }
    let subtree = subtree(tx, account, &from).await?;
    for (_, old) in &subtree {
        let new = format!("{to}{}", &old[from.len()..]);
        if mailbox_id(tx, account, &new).await?.is_some() {
            return Err(StoreError::AlreadyExists(Entity::Mailbox, new));
        }
    }
    create_ancestors(tx, effects, account, &to).await?;
    for (id, old) in subtree {
        let new = format!("{to}{}", &old[from.len()..]);
        exec(tx, "UPDATE mailboxes SET name = $2 WHERE id = $1", &[&id.0, &new]).await?;
        changes::mailbox_changed(tx, effects, account, id, false).await?;
        // A renamed folder stays visible in clients that show subscribed folders only (unless the new name
        // was subscribed already: then the old subscription stays, as SQLite's UPDATE OR IGNORE leaves it).
        exec(
            tx,
            "UPDATE subscriptions SET name = $3 WHERE account = $1 AND name = $2 AND NOT EXISTS \
             (SELECT 1 FROM subscriptions s WHERE s.account = $1 AND s.name = $3)",
            &[&account.0, &old, &new],
        )
        .await?;
    }
    Ok(())
}

/// The mailbox `name` and its inferiors.
async fn subtree(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<Vec<(MailboxId, String)>> {
    let prefix = format!("{name}{SEPARATOR}");
    let sql = "SELECT id, name FROM mailboxes WHERE account = $1 AND (name = $2 OR starts_with(name, $3))";
    let found = rows(tx, sql, &[&account.0, &name, &prefix]).await?;
    found.iter().map(|r| Ok((MailboxId(r.try_get(0)?), r.try_get(1)?))).collect()
}

pub(crate) async fn delete(tx: &Tx<'_>, effects: &mut Effects, account: AccountId, name: &str) -> Result<()> {
    lock_account(tx, account).await?;
    let (id, name) = existing(tx, account, name).await?;
    if name == INBOX {
        return Err(StoreError::InboxIsPermanent);
    }
    let sql = "SELECT coalesce(sum(size), 0)::bigint FROM messages WHERE mailbox = $1";
    let freed: i64 = value(tx, sql, &[&id.0]).await?.unwrap_or(0);
    let held = blob_references(tx, "m.id = $1", id.0).await?;
    changes::mailbox_destroyed(tx, effects, account, id).await?;
    exec(tx, "DELETE FROM mailboxes WHERE id = $1", &[&id.0]).await?;
    for (blob, count) in held {
        content::release(tx, effects, blob, count).await?;
    }
    add_usage(tx, account, -freed).await
}

/// Adds or removes `name` from the subscription list, whether or not a mailbox has that name (RFC 9051 §6.3.7).
pub(crate) async fn set_subscribed(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    subscribed: bool,
) -> Result<()> {
    let name = normalize_mailbox_name(name)?;
    let sql = if subscribed {
        "INSERT INTO subscriptions (account, name) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM subscriptions WHERE account = $1 AND name = $2"
    };
    if exec(tx, sql, &[&account.0, &name]).await? > 0
        && let Some(id) = mailbox_id(tx, account, &name).await?
    {
        changes::mailbox_changed(tx, effects, account, id, false).await?;
    }
    Ok(())
}

/// The subscribed names, sorted.
pub(crate) async fn subscriptions(tx: &Tx<'_>, account: AccountId) -> Result<Vec<String>> {
    let found = rows(tx, "SELECT name FROM subscriptions WHERE account = $1 ORDER BY name", &[&account.0]).await?;
    Ok(found.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
}

/// Checks that `needed` more bytes fit in the account's quota, locking the account's row so that no other
/// node's delivery counts against the same room meanwhile.
pub(crate) async fn check_quota(tx: &Tx<'_>, account: AccountId, needed: u64) -> Result<()> {
    let sql = "SELECT address, quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE";
    let found = row(tx, sql, &[&account.0]).await?.ok_or(StoreError::NoSuchAccount(account))?;
    let (address, quota, used): (String, Option<i64>, i64) = (found.try_get(0)?, found.try_get(1)?, found.try_get(2)?);
    let (limit, used) = (quota.map(to_u64), to_u64(used));
    match limit {
        Some(limit) if used.saturating_add(needed) > limit => {
            Err(StoreError::QuotaExceeded { address, limit, used, needed })
        }
        _ => Ok(()),
    }
}
