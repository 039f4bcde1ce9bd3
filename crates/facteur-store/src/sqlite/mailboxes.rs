//! SQL for mailboxes: creation with UIDVALIDITY, rename, delete, and the per-mailbox counters.

use rusqlite::{Connection, OptionalExtension, ToSql, params};

use crate::blob::BlobId;
use crate::error::{Entity, Result, StoreError};
use crate::ids::{AccountId, MailboxId, ModSeq, Uid, UidValidity};
use crate::mailbox::{INBOX, Mailbox, SEPARATOR, SpecialUse, ancestors, normalize_mailbox_name};
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::{MAILBOX_COLUMNS, mailbox_from_row, to_i64, to_u64};
use crate::sqlite::writer::Effects;
use crate::sqlite::{blobrefs, changes};

/// UIDVALIDITY for a new mailbox: the current time, but strictly above every value the account has had
/// (RFC 9051 §2.3.1.1), so a re-created mailbox never repeats one even within the same second.
fn next_uidvalidity(conn: &Connection, account: AccountId) -> Result<UidValidity> {
    let last: Option<u32> = conn
        .query_row_cached("SELECT last_uidvalidity FROM accounts WHERE id = ?1", [account], |row| row.get(0))
        .optional()?;
    let last = last.ok_or(StoreError::NoSuchAccount(account))?;
    let now = u32::try_from(facteur_primitives::unix_now()).unwrap_or(u32::MAX);
    let next = last
        .checked_add(1)
        .map(|after_last| after_last.max(now))
        .ok_or_else(|| StoreError::Corrupt(format!("account {} has used every UIDVALIDITY", account.0)))?;
    conn.execute_cached("UPDATE accounts SET last_uidvalidity = ?2 WHERE id = ?1", params![account, next])?;
    Ok(UidValidity(next))
}

/// Inserts one mailbox whose name is already normalised, enforcing name and role uniqueness.
pub(crate) fn insert(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> Result<MailboxId> {
    if mailbox_id(conn, account, name)?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::Mailbox, name.to_owned()));
    }
    if let Some(role) = special_use
        && let Some(holder) = by_role(conn, account, role)?
    {
        return Err(StoreError::SpecialUseTaken { role, mailbox: holder.name });
    }
    let uidvalidity = next_uidvalidity(conn, account)?;
    conn.execute_cached(
        "INSERT INTO mailboxes (account, name, special_use, uidvalidity) VALUES (?1, ?2, ?3, ?4)",
        params![account, name, special_use.map(SpecialUse::as_str), uidvalidity.0],
    )?;
    let id = MailboxId(conn.last_insert_rowid());
    changes::mailbox_changed(conn, effects, account, id, true)?;
    Ok(id)
}

pub(crate) fn create(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    special_use: Option<SpecialUse>,
) -> Result<MailboxId> {
    let name = normalize_mailbox_name(name)?;
    create_ancestors(conn, effects, account, &name)?;
    insert(conn, effects, account, &name, special_use)
}

/// RFC 9051 §6.3.4: CREATE `a/b/c` also creates `a` and `a/b` if they are missing.
fn create_ancestors(conn: &Connection, effects: &mut Effects, account: AccountId, name: &str) -> Result<()> {
    for ancestor in ancestors(name) {
        if mailbox_id(conn, account, ancestor)?.is_none() {
            insert(conn, effects, account, ancestor, None)?;
        }
    }
    Ok(())
}

fn mailbox_id(conn: &Connection, account: AccountId, name: &str) -> Result<Option<MailboxId>> {
    Ok(conn
        .query_row_cached("SELECT id FROM mailboxes WHERE account = ?1 AND name = ?2", params![account, name], |row| {
            row.get(0)
        })
        .optional()?)
}

fn existing(conn: &Connection, account: AccountId, name: &str) -> Result<(MailboxId, String)> {
    let name = normalize_mailbox_name(name)?;
    match mailbox_id(conn, account, &name)? {
        Some(id) => Ok((id, name)),
        None => Err(StoreError::NotFound(Entity::Mailbox, name)),
    }
}

fn query_one(conn: &Connection, condition: &str, args: &[&dyn ToSql]) -> Result<Option<Mailbox>> {
    let sql = format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes m WHERE {condition}");
    Ok(conn.query_row_cached(&sql, args, mailbox_from_row).optional()?)
}

pub(crate) fn by_id(conn: &Connection, id: MailboxId) -> Result<Option<Mailbox>> {
    query_one(conn, "m.id = ?1", &[&id])
}

/// The mailbox's HIGHESTMODSEQ alone: what an IMAP session checks after every command, without the message
/// counts a [`Mailbox`] carries.
pub(crate) fn highest_modseq(conn: &Connection, id: MailboxId) -> Result<ModSeq> {
    conn.query_row_cached("SELECT highestmodseq FROM mailboxes WHERE id = ?1", [id], |row| row.get(0))
        .optional()?
        .ok_or(StoreError::NoSuchMailbox(id))
}

/// `None` for unknown and for malformed names alike.
pub(crate) fn by_name(conn: &Connection, account: AccountId, name: &str) -> Result<Option<Mailbox>> {
    let Ok(name) = normalize_mailbox_name(name) else { return Ok(None) };
    query_one(conn, "m.account = ?1 AND m.name = ?2", &[&account, &name])
}

pub(crate) fn by_role(conn: &Connection, account: AccountId, role: SpecialUse) -> Result<Option<Mailbox>> {
    query_one(conn, "m.account = ?1 AND m.special_use = ?2", &[&account, &role.as_str()])
}

pub(crate) fn list(conn: &Connection, account: AccountId) -> Result<Vec<Mailbox>> {
    let sql = format!("SELECT {MAILBOX_COLUMNS} FROM mailboxes m WHERE m.account = ?1 ORDER BY m.name");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([account], mailbox_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The owner of a mailbox.
pub(crate) fn account_of(conn: &Connection, mailbox: MailboxId) -> Result<AccountId> {
    conn.query_row_cached("SELECT account FROM mailboxes WHERE id = ?1", [mailbox], |row| row.get(0))
        .optional()?
        .ok_or(StoreError::NoSuchMailbox(mailbox))
}

/// The account's INBOX.
pub(crate) fn inbox(conn: &Connection, account: AccountId) -> Result<MailboxId> {
    mailbox_id(conn, account, INBOX)?.ok_or(StoreError::NoSuchAccount(account))
}

/// Hands out the next UID of a mailbox and a new MODSEQ from the account's counter, in the caller's
/// transaction. UIDs come from `uidnext` in the row, so they are never reused, even after an expunge.
pub(crate) fn allocate_uid(conn: &Connection, account: AccountId, mailbox: MailboxId) -> Result<(Uid, ModSeq)> {
    let modseq = changes::next_modseq(conn, account)?;
    let uid: i64 = conn
        .query_row_cached(
            "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = ?2 WHERE id = ?1 RETURNING uidnext - 1",
            params![mailbox, modseq],
            |row| row.get(0),
        )
        .optional()?
        .ok_or(StoreError::NoSuchMailbox(mailbox))?;
    let uid = u32::try_from(uid).ok().and_then(Uid::new);
    // RFC 9051 §2.3.1.1: when UIDs run out the mailbox would need a new UIDVALIDITY; we refuse instead.
    let uid = uid.ok_or_else(|| StoreError::Corrupt(format!("mailbox {} has used every UID", mailbox.0)))?;
    Ok((uid, modseq))
}

/// A new MODSEQ from the account's counter for a change in `mailbox` that is not a new message.
pub(crate) fn bump_modseq(conn: &Connection, account: AccountId, mailbox: MailboxId) -> Result<ModSeq> {
    let modseq = changes::next_modseq(conn, account)?;
    let updated =
        conn.execute_cached("UPDATE mailboxes SET highestmodseq = ?2 WHERE id = ?1", params![mailbox, modseq])?;
    if updated == 0 {
        return Err(StoreError::NoSuchMailbox(mailbox));
    }
    Ok(modseq)
}

/// Adds `delta` bytes (negative to free) to an account's usage.
pub(crate) fn add_usage(conn: &Connection, account: AccountId, delta: i64) -> Result<()> {
    conn.execute_cached(
        "UPDATE accounts SET used_bytes = max(0, used_bytes + ?2) WHERE id = ?1",
        params![account, delta],
    )?;
    Ok(())
}

/// Blob references held by messages matching `condition` (over `messages` joined as `m` to `mailboxes`).
pub(crate) fn blob_references(conn: &Connection, condition: &str, arg: impl ToSql) -> Result<Vec<(BlobId, u64)>> {
    let sql = format!(
        "SELECT msg.blob, count(*) FROM messages msg JOIN mailboxes m ON m.id = msg.mailbox \
         WHERE {condition} GROUP BY msg.blob"
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([arg], |row| Ok((row.get(0)?, to_u64(row.get(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn rename(conn: &Connection, effects: &mut Effects, account: AccountId, from: &str, to: &str) -> Result<()> {
    let (_, from) = existing(conn, account, from)?;
    let to = normalize_mailbox_name(to)?;
    // RFC 9051 §6.3.6 renames INBOX by moving its messages; we do not support that (yet).
    if from == INBOX {
        return Err(StoreError::InboxIsPermanent);
    }
    if to == from || to.starts_with(&format!("{from}{SEPARATOR}")) {
        return Err(StoreError::RenameIntoItself(from));
    }
    let subtree = subtree(conn, account, &from)?;
    for (_, old) in &subtree {
        let new = format!("{to}{}", &old[from.len()..]);
        if mailbox_id(conn, account, &new)?.is_some() {
            return Err(StoreError::AlreadyExists(Entity::Mailbox, new));
        }
    }
    create_ancestors(conn, effects, account, &to)?;
    for (id, old) in subtree {
        let new = format!("{to}{}", &old[from.len()..]);
        conn.execute_cached("UPDATE mailboxes SET name = ?2 WHERE id = ?1", params![id, new])?;
        changes::mailbox_changed(conn, effects, account, id, false)?;
        // A renamed folder stays visible in clients that show subscribed folders only.
        conn.execute_cached(
            "UPDATE OR IGNORE subscriptions SET name = ?3 WHERE account = ?1 AND name = ?2",
            params![account, old, new],
        )?;
    }
    Ok(())
}

/// The mailbox `name` and its inferiors.
fn subtree(conn: &Connection, account: AccountId, name: &str) -> Result<Vec<(MailboxId, String)>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, name FROM mailboxes WHERE account = ?1 AND (name = ?2 OR substr(name, 1, length(?3)) = ?3)",
    )?;
    let prefix = format!("{name}{SEPARATOR}");
    let rows = statement.query_map(params![account, name, prefix], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn delete(conn: &Connection, effects: &mut Effects, account: AccountId, name: &str) -> Result<()> {
    let (id, name) = existing(conn, account, name)?;
    if name == INBOX {
        return Err(StoreError::InboxIsPermanent);
    }
    let freed: i64 =
        conn.query_row_cached("SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox = ?1", [id], |row| {
            row.get(0)
        })?;
    let held = blob_references(conn, "m.id = ?1", id)?;
    changes::mailbox_destroyed(conn, effects, account, id)?;
    conn.execute_cached("DELETE FROM mailboxes WHERE id = ?1", [id])?;
    for (blob, count) in held {
        blobrefs::release(conn, effects, blob, count)?;
    }
    add_usage(conn, account, -freed)?;
    Ok(())
}

/// Adds or removes `name` from the subscription list, whether or not a mailbox has that name (RFC 9051 §6.3.7).
pub(crate) fn set_subscribed(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    name: &str,
    subscribed: bool,
) -> Result<()> {
    let name = normalize_mailbox_name(name)?;
    let sql = if subscribed {
        "INSERT OR IGNORE INTO subscriptions (account, name) VALUES (?1, ?2)"
    } else {
        "DELETE FROM subscriptions WHERE account = ?1 AND name = ?2"
    };
    if conn.execute_cached(sql, params![account, name])? > 0
        && let Some(id) = mailbox_id(conn, account, &name)?
    {
        changes::mailbox_changed(conn, effects, account, id, false)?;
    }
    Ok(())
}

/// The subscribed names, sorted.
pub(crate) fn subscriptions(conn: &Connection, account: AccountId) -> Result<Vec<String>> {
    let mut statement = conn.prepare_cached("SELECT name FROM subscriptions WHERE account = ?1 ORDER BY name")?;
    let names = statement.query_map([account], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

/// Checks that `needed` more bytes fit in the account's quota.
pub(crate) fn check_quota(conn: &Connection, account: AccountId, needed: u64) -> Result<()> {
    let (address, quota, used): (String, Option<i64>, i64) = conn
        .query_row_cached("SELECT address, quota_bytes, used_bytes FROM accounts WHERE id = ?1", [account], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?
        .ok_or(StoreError::NoSuchAccount(account))?;
    let (limit, used) = (quota.map(to_u64), to_u64(used));
    match limit {
        Some(limit) if used.saturating_add(needed) > limit => {
            Err(StoreError::QuotaExceeded { address, limit, used, needed })
        }
        _ => Ok(()),
    }
}

/// Positive byte count as a usage delta.
pub(crate) fn usage_delta(bytes: u64) -> Result<i64> {
    to_i64(bytes)
}
