//! The account's change counter and what JMAP's `/changes` reads (RFC 8620 §5.2): as `sqlite/changes.rs`.

use tokio_postgres::types::ToSql;

use crate::error::{Result, StoreError};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, ThreadId};
use crate::message::{AccountChanges, DestroyedEmail, EmailMeta};
use crate::postgres::Effects;
use crate::postgres::columns::{MESSAGE_COLUMNS, message_from_row, modseq};
use crate::postgres::sql::{Tx, exec, rows, to_i64, to_u64, value};

/// The next value of the account's change counter, in the caller's transaction (its row stays locked).
pub(crate) async fn next_modseq(tx: &Tx<'_>, account: AccountId) -> Result<ModSeq> {
    let sql = "UPDATE accounts SET highestmodseq = highestmodseq + 1 WHERE id = $1 RETURNING highestmodseq";
    let next: i64 = value(tx, sql, &[&account.0]).await?.ok_or(StoreError::NoSuchAccount(account))?;
    Ok(ModSeq(to_u64(next)))
}

/// The account's counter as it stands: its JMAP state.
pub(crate) async fn account_state(tx: &Tx<'_>, account: AccountId) -> Result<ModSeq> {
    let found: i64 = value(tx, "SELECT highestmodseq FROM accounts WHERE id = $1", &[&account.0])
        .await?
        .ok_or(StoreError::NoSuchAccount(account))?;
    Ok(ModSeq(to_u64(found)))
}

/// A mailbox's name, role or subscription changed (or it was just created): `/changes` reports it.
pub(crate) async fn mailbox_changed(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
    created: bool,
) -> Result<()> {
    let modseq = next_modseq(tx, account).await?;
    let sql = if created {
        "UPDATE mailboxes SET meta_modseq = $2, created_modseq = $2 WHERE id = $1"
    } else {
        "UPDATE mailboxes SET meta_modseq = $2 WHERE id = $1"
    };
    exec(tx, sql, &[&mailbox.0, &to_i64(modseq.0)?]).await?;
    effects.touched(account, mailbox, modseq);
    Ok(())
}

/// A mailbox is about to be deleted with every message in it: both are remembered as destroyed.
pub(crate) async fn mailbox_destroyed(
    tx: &Tx<'_>,
    effects: &mut Effects,
    account: AccountId,
    mailbox: MailboxId,
) -> Result<()> {
    let modseq = next_modseq(tx, account).await?;
    let at = to_i64(modseq.0)?;
    exec(
        tx,
        "INSERT INTO destroyed_emails (account, email_id, thread_id, modseq) \
         SELECT $1, email_id, thread_id, $3 FROM messages WHERE mailbox = $2",
        &[&account.0, &mailbox.0, &at],
    )
    .await?;
    exec(
        tx,
        "INSERT INTO destroyed_mailboxes (account, id, modseq) VALUES ($1, $2, $3)",
        &[&account.0, &mailbox.0, &at],
    )
    .await?;
    effects.touched(account, mailbox, modseq);
    Ok(())
}

/// A message was expunged for good (not moved): `/changes` reports its id as destroyed.
pub(crate) async fn email_destroyed(
    tx: &Tx<'_>,
    account: AccountId,
    email: EmailId,
    thread: ThreadId,
    modseq: ModSeq,
) -> Result<()> {
    exec(
        tx,
        "INSERT INTO destroyed_emails (account, email_id, thread_id, modseq) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
        &[&account.0, &email.0, &thread.0, &to_i64(modseq.0)?],
    )
    .await?;
    Ok(())
}

/// Everything that changed in the account after `since`.
pub(crate) async fn account_changes(tx: &Tx<'_>, account: AccountId, since: ModSeq) -> Result<AccountChanges> {
    let state = account_state(tx, account).await?;
    let since = to_i64(since.0)?;
    let emails = emails_where(tx, "b.account = $1 AND m.modseq > $2", &[&account.0, &since]).await?;
    let sql = "SELECT email_id, thread_id, modseq FROM destroyed_emails WHERE account = $1 AND modseq > $2";
    let destroyed_emails = rows(tx, sql, &[&account.0, &since])
        .await?
        .iter()
        .map(|r| {
            Ok(DestroyedEmail { email: EmailId(r.try_get(0)?), thread: ThreadId(r.try_get(1)?), modseq: modseq(r, 2)? })
        })
        .collect::<Result<_>>()?;
    let sql = "SELECT id, created_modseq > $2 FROM mailboxes WHERE account = $1 \
               AND (highestmodseq > $2 OR meta_modseq > $2 OR created_modseq > $2)";
    let mailboxes = rows(tx, sql, &[&account.0, &since])
        .await?
        .iter()
        .map(|r| Ok((MailboxId(r.try_get(0)?), r.try_get(1)?)))
        .collect::<Result<_>>()?;
    let sql = "SELECT id FROM destroyed_mailboxes WHERE account = $1 AND modseq > $2";
    let destroyed_mailboxes = rows(tx, sql, &[&account.0, &since])
        .await?
        .iter()
        .map(|r| Ok(MailboxId(r.try_get(0)?)))
        .collect::<Result<_>>()?;
    Ok(AccountChanges { state, emails, destroyed_emails, mailboxes, destroyed_mailboxes })
}

/// The account's messages with these ids (those that exist), in no particular order.
pub(crate) async fn emails(tx: &Tx<'_>, account: AccountId, ids: &[EmailId]) -> Result<Vec<EmailMeta>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    emails_where(tx, "m.email_id = ANY($2) AND b.account = $1", &[&account.0, &ids]).await
}

/// Every message of these threads in the account, oldest first (RFC 8621 §3).
pub(crate) async fn thread_emails(tx: &Tx<'_>, account: AccountId, threads: &[ThreadId]) -> Result<Vec<EmailMeta>> {
    let threads: Vec<i64> = threads.iter().map(|id| id.0).collect();
    let mut found = emails_where(tx, "m.thread_id = ANY($2) AND b.account = $1", &[&account.0, &threads]).await?;
    found.sort_by_key(|email| (email.message.internal_date, email.message.email));
    Ok(found)
}

/// The mailbox's messages newest first, from the `messages_date` index alone.
pub(crate) async fn newest_first(tx: &Tx<'_>, mailbox: MailboxId) -> Result<Vec<(EmailId, ThreadId)>> {
    let sql = "SELECT email_id, thread_id FROM messages WHERE mailbox = $1 \
               ORDER BY internal_date DESC, email_id DESC";
    let found = rows(tx, sql, &[&mailbox.0]).await?;
    found.iter().map(|r| Ok((EmailId(r.try_get(0)?), ThreadId(r.try_get(1)?)))).collect()
}

/// Every message of the account, for a query over all mailboxes.
pub(crate) async fn account_emails(tx: &Tx<'_>, account: AccountId) -> Result<Vec<EmailMeta>> {
    emails_where(tx, "b.account = $1", &[&account.0]).await
}

async fn emails_where(tx: &Tx<'_>, condition: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<EmailMeta>> {
    let sql = format!(
        "SELECT b.id, {MESSAGE_COLUMNS} FROM messages m JOIN mailboxes b ON b.id = m.mailbox WHERE {condition}"
    );
    let found = rows(tx, &sql, args).await?;
    found
        .iter()
        .map(|r| Ok(EmailMeta { mailbox: MailboxId(r.try_get(0)?), message: message_from_row(r, 1)? }))
        .collect()
}
