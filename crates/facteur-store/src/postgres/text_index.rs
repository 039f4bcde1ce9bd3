//! The full-text index in PostgreSQL: each blob's folded text beside it, under a trigram GIN index (`pg_trgm`),
//! kept in the transaction that stores the message, as SQLite's (`sqlite/text_index.rs`) is. A search is a
//! `LIKE '%needle%'` the index answers and PostgreSQL checks against the text itself, so the candidates are
//! exact here; pending messages (stored before the index) and cut texts are candidates all the same.

use facteur_primitives::SearchText;

use crate::blob::BlobId;
use crate::error::Result;
use crate::ids::{AccountId, MailboxId};
use crate::message::MessageMeta;
use crate::postgres::columns::{MESSAGE_COLUMNS, blob_id, message_from_row};
use crate::postgres::sql::{Tx, exec, rows};
use crate::text_index::can_narrow;

/// Keeps a delivered blob's text, or lists the blob as pending when the caller had none.
pub(crate) async fn keep(tx: &Tx<'_>, blob: BlobId, text: Option<&SearchText>) -> Result<()> {
    match text {
        Some(text) => insert(tx, blob, text).await,
        None => {
            let sql = "INSERT INTO blob_text_pending (blob) SELECT $1
                       WHERE NOT EXISTS (SELECT 1 FROM blob_texts WHERE blob = $1) ON CONFLICT DO NOTHING";
            exec(tx, sql, &[&&blob.0[..]]).await?;
            Ok(())
        }
    }
}

/// Indexes `text` for `blob` if it has none yet and still exists, and takes it off the pending list.
pub(crate) async fn insert(tx: &Tx<'_>, blob: BlobId, text: &SearchText) -> Result<()> {
    // PostgreSQL's text cannot hold NUL; no IMAP or JMAP search string contains one.
    let folded = text.text.replace('\0', "\u{FFFD}");
    let sql = "INSERT INTO blob_texts (blob, folded, complete)
               SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM blobs WHERE id = $1) ON CONFLICT DO NOTHING";
    exec(tx, sql, &[&&blob.0[..], &folded, &text.complete]).await?;
    exec(tx, "DELETE FROM blob_text_pending WHERE blob = $1", &[&&blob.0[..]]).await?;
    Ok(())
}

pub(crate) async fn pending(tx: &Tx<'_>, limit: usize) -> Result<Vec<BlobId>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let found = rows(tx, "SELECT blob FROM blob_text_pending LIMIT $1", &[&limit]).await?;
    found.iter().map(|row| blob_id(row, 0)).collect()
}

pub(crate) async fn forget(tx: &Tx<'_>, account: Option<AccountId>) -> Result<u64> {
    let blobs = "SELECT DISTINCT m.blob FROM messages m JOIN mailboxes b ON b.id = m.mailbox
                 WHERE $1::bigint IS NULL OR b.account = $1";
    let account = account.map(|account| account.0);
    exec(tx, &format!("DELETE FROM blob_texts WHERE blob IN ({blobs})"), &[&account]).await?;
    exec(tx, &format!("INSERT INTO blob_text_pending (blob) {blobs} ON CONFLICT DO NOTHING"), &[&account]).await
}

pub(crate) async fn candidates(tx: &Tx<'_>, mailbox: MailboxId, needle: &str) -> Result<Option<Vec<MessageMeta>>> {
    if !can_narrow(needle) {
        return Ok(None);
    }
    let pattern = format!("%{}%", like_escaped(needle));
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.mailbox = $1 AND m.blob IN (
             SELECT blob FROM blob_texts WHERE folded LIKE $2
             UNION SELECT blob FROM blob_texts WHERE NOT complete
             UNION SELECT blob FROM blob_text_pending)
         ORDER BY m.uid"
    );
    let found = rows(tx, &sql, &[&mailbox.0, &pattern]).await?;
    Ok(Some(found.iter().map(|row| message_from_row(row, 0)).collect::<Result<_>>()?))
}

/// `text` as a LIKE pattern matching itself: `%`, `_` and the escape character `\` escaped.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_only_themselves() {
        assert_eq!(like_escaped("100% a_b \\"), "100\\% a\\_b \\\\");
    }
}
