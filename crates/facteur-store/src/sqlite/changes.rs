//! The account's change counter and what JMAP's `/changes` reads (RFC 8620 §5.2): every MODSEQ is drawn
//! from one counter per account, and what disappears leaves a row saying when.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, ThreadId};
use crate::message::{AccountChanges, DestroyedEmail, EmailMeta};
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::{MESSAGE_COLUMNS, message_from_row_offset};
use crate::sqlite::writer::Effects;

/// The next value of the account's change counter, in the caller's transaction.
pub(crate) fn next_modseq(conn: &Connection, account: AccountId) -> Result<ModSeq> {
    conn.query_row_cached(
        "UPDATE accounts SET highestmodseq = highestmodseq + 1 WHERE id = ?1 RETURNING highestmodseq",
        [account],
        |row| row.get(0),
    )
    .optional()?
    .ok_or(StoreError::NoSuchAccount(account))
}

/// The account's counter as it stands: its JMAP state.
pub(crate) fn account_state(conn: &Connection, account: AccountId) -> Result<ModSeq> {
    conn.query_row_cached("SELECT highestmodseq FROM accounts WHERE id = ?1", [account], |row| row.get(0))
        .optional()?
        .ok_or(StoreError::NoSuchAccount(account))
}

/// A mailbox's name, role or subscription changed (or it was just created): `/changes` reports it.
pub(crate) fn mailbox_changed(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
    created: bool,
) -> Result<()> {
    let modseq = next_modseq(conn, account)?;
    let sql = if created {
        "UPDATE mailboxes SET meta_modseq = ?2, created_modseq = ?2 WHERE id = ?1"
    } else {
        "UPDATE mailboxes SET meta_modseq = ?2 WHERE id = ?1"
    };
    conn.execute_cached(sql, params![mailbox, modseq])?;
    effects.touched(account, mailbox, modseq);
    Ok(())
}

/// A mailbox is about to be deleted with every message in it: both are remembered as destroyed.
pub(crate) fn mailbox_destroyed(
    conn: &Connection,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
) -> Result<()> {
    let modseq = next_modseq(conn, account)?;
    conn.execute_cached(
        "INSERT INTO destroyed_emails (account, email_id, thread_id, modseq) \
         SELECT ?1, email_id, thread_id, ?3 FROM messages WHERE mailbox = ?2",
        params![account, mailbox, modseq],
    )?;
    conn.execute_cached(
        "INSERT INTO destroyed_mailboxes (account, id, modseq) VALUES (?1, ?2, ?3)",
        params![account, mailbox, modseq],
    )?;
    effects.touched(account, mailbox, modseq);
    Ok(())
}

/// A message was expunged for good (not moved): `/changes` reports its id as destroyed.
pub(crate) fn email_destroyed(
    conn: &Connection,
    account: AccountId,
    email: EmailId,
    thread: ThreadId,
    modseq: ModSeq,
) -> Result<()> {
    conn.execute_cached(
        "INSERT OR IGNORE INTO destroyed_emails (account, email_id, thread_id, modseq) VALUES (?1, ?2, ?3, ?4)",
        params![account, email, thread, modseq],
    )?;
    Ok(())
}

/// Everything that changed in the account after `since`.
pub(crate) fn account_changes(conn: &Connection, account: AccountId, since: ModSeq) -> Result<AccountChanges> {
    let state = account_state(conn, account)?;
    let emails = emails_where(conn, "b.account = ?1 AND m.modseq > ?2", params![account, since])?;
    let destroyed_emails = conn
        .prepare_cached("SELECT email_id, thread_id, modseq FROM destroyed_emails WHERE account = ?1 AND modseq > ?2")?
        .query_map(params![account, since], |row| {
            Ok(DestroyedEmail { email: row.get(0)?, thread: row.get(1)?, modseq: row.get(2)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mailboxes = conn
        .prepare_cached(
            "SELECT id, created_modseq > ?2 FROM mailboxes WHERE account = ?1 \
             AND (highestmodseq > ?2 OR meta_modseq > ?2 OR created_modseq > ?2)",
        )?
        .query_map(params![account, since], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let destroyed_mailboxes = conn
        .prepare_cached("SELECT id FROM destroyed_mailboxes WHERE account = ?1 AND modseq > ?2")?
        .query_map(params![account, since], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(AccountChanges { state, emails, destroyed_emails, mailboxes, destroyed_mailboxes })
}

/// The account's messages with these ids (those that exist), in no particular order.
pub(crate) fn emails(conn: &Connection, account: AccountId, ids: &[EmailId]) -> Result<Vec<EmailMeta>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.extend(emails_where(conn, "m.email_id = ?2 AND b.account = ?1", params![account, id])?);
    }
    Ok(found)
}

/// Every message of these threads in the account, oldest first (RFC 8621 §3: a thread's `emailIds` are
/// sorted by `receivedAt`).
pub(crate) fn thread_emails(conn: &Connection, account: AccountId, threads: &[ThreadId]) -> Result<Vec<EmailMeta>> {
    let mut found = Vec::new();
    for thread in threads {
        found.extend(emails_where(conn, "m.thread_id = ?2 AND b.account = ?1", params![account, thread])?);
    }
    found.sort_by_key(|email| (email.message.internal_date, email.message.email));
    Ok(found)
}

pub(crate) fn newest_first(conn: &Connection, mailbox: MailboxId) -> Result<Vec<(EmailId, ThreadId)>> {
    // INDEXED BY: the covering index answers alone, already in order; no row is read, nothing is sorted.
    let mut statement = conn.prepare_cached(
        "SELECT email_id, thread_id FROM messages INDEXED BY messages_date WHERE mailbox = ?1 \
         ORDER BY internal_date DESC, email_id DESC",
    )?;
    let rows = statement.query_map([mailbox], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every message of the account, for a query over all mailboxes.
pub(crate) fn account_emails(conn: &Connection, account: AccountId) -> Result<Vec<EmailMeta>> {
    emails_where(conn, "b.account = ?1", params![account])
}

fn emails_where(conn: &Connection, condition: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<EmailMeta>> {
    let columns: String =
        MESSAGE_COLUMNS.split(", ").map(|column| format!("m.{column}")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT b.id, {columns} FROM messages m JOIN mailboxes b ON b.id = m.mailbox WHERE {condition}");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(args, |row| {
        let mailbox: MailboxId = row.get(0)?;
        let message = message_from_row_offset(row, 1)?;
        Ok(EmailMeta { mailbox, message })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
