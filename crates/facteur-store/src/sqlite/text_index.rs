//! The full-text index: SQLite's FTS5 with its trigram tokenizer, kept in the transaction that stores a message.
//!
//! IMAP and JMAP searches are substring matches (RFC 9051 §6.4.4), which word indexes cannot answer ("ell" is in
//! "hello"). Every substring of three characters or more is made of the trigrams of the text, so the trigrams of
//! the needle, all present, name the candidates: a superset of the messages that contain it, which the caller
//! reads and checks. The index therefore keeps trigrams only: no copy of the text (`content=''`) and no positions
//! (`detail=none`). The text comes folded (`facteur_message::fold`), so the tokenizer folds nothing itself.
//!
//! Tables (schema step 20): `blob_text` gives each indexed blob a document number, and says whether its text was
//! cut at the size limit; `blob_text_index` is the FTS5 table, by document number; `blob_text_pending` lists the
//! blobs the background indexer has still to read. A message that is pending or cut is always a candidate, so
//! results never depend on the index being complete.
//!
//! A delivery lists its message as pending, in its own transaction (so the index is never out of step with the
//! messages, and survives a crash), and the background indexer (`facteur/src/text_indexer.rs`) indexes hundreds
//! at a time once deliveries pause. Measured (`docs/search.md`): inserting into FTS5 at delivery halved the rate
//! SMTP accepts mail at, because a delivery runs in a savepoint of the writer's group commit and FTS5 writes its
//! terms out at every savepoint (a segment per message, then merges); staging the text for a bulk move still cost
//! 16-24%, the text written twice on the writer thread that limits acceptance.

use facteur_primitives::SearchText;
use rusqlite::{Connection, params};

use super::cached::CachedStatements as _;
use crate::blob::BlobId;
use crate::error::Result;
use crate::ids::{AccountId, MailboxId};
use crate::message::MessageMeta;
use crate::sqlite::columns::{MESSAGE_COLUMNS, message_from_row};
use crate::text_index::can_narrow;

/// Trigrams of a needle the query asks for at most: each one only narrows further, and a long needle's first
/// few already leave few candidates.
const MAX_QUERY_TRIGRAMS: usize = 12;

/// Lists a delivered blob for the background indexer, unless it was indexed before (the same content delivered
/// again).
pub(crate) fn keep(conn: &Connection, blob: BlobId) -> Result<()> {
    conn.execute_cached(
        "INSERT OR IGNORE INTO blob_text_pending (blob) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM blob_text WHERE blob = ?1)",
        [blob],
    )?;
    Ok(())
}

/// Indexes `text` for `blob` if it has no document yet and still exists, and takes it off the pending list.
pub(crate) fn insert(conn: &Connection, blob: BlobId, text: &SearchText) -> Result<()> {
    let inserted = conn.execute_cached(
        "INSERT OR IGNORE INTO blob_text (blob, complete) SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM blobs WHERE id = ?1)",
        params![blob, text.complete],
    )?;
    if inserted == 1 {
        let doc = conn.last_insert_rowid();
        conn.execute_cached("INSERT INTO blob_text_index (rowid, text) VALUES (?1, ?2)", params![doc, text.text])?;
    }
    conn.execute_cached("DELETE FROM blob_text_pending WHERE blob = ?1", [blob])?;
    Ok(())
}

/// The blobs waiting for the background indexer, at most `limit`.
pub(crate) fn pending(conn: &Connection, limit: usize) -> Result<Vec<BlobId>> {
    let mut statement = conn.prepare_cached("SELECT blob FROM blob_text_pending LIMIT ?1")?;
    let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Puts the blobs of `account`'s messages (every blob, for `None`) back on the pending list, their documents
/// removed: `facteur reindex`. Returns how many blobs.
pub(crate) fn forget(conn: &Connection, account: Option<AccountId>) -> Result<u64> {
    let blobs = "SELECT DISTINCT m.blob FROM messages m JOIN mailboxes b ON b.id = m.mailbox
                 WHERE ?1 IS NULL OR b.account = ?1";
    let account = account.map(|account| account.0);
    conn.execute(&format!("DELETE FROM blob_text WHERE blob IN ({blobs})"), [account])?;
    let listed = conn.execute(&format!("INSERT OR IGNORE INTO blob_text_pending (blob) {blobs}"), [account])?;
    Ok(listed as u64)
}

/// `mailbox`'s messages that may contain `needle` (folded), by UID; `None` when the index cannot narrow the
/// search (a needle under three characters).
pub(crate) fn candidates(conn: &Connection, mailbox: MailboxId, needle: &str) -> Result<Option<Vec<MessageMeta>>> {
    let Some(query) = match_query(needle) else { return Ok(None) };
    let columns = MESSAGE_COLUMNS.split(", ").map(|column| format!("m.{column}")).collect::<Vec<_>>().join(", ");
    // CROSS JOIN: the candidates drive, through `messages_blob`; left to itself, the planner walked the whole
    // mailbox by UID and looked each message up among them (10 ms for 100,000 messages instead of 2).
    let mut statement = conn.prepare_cached(&format!(
        "WITH candidate(blob) AS (
             SELECT t.blob FROM blob_text_index f JOIN blob_text t ON t.doc = f.rowid WHERE blob_text_index MATCH ?2
             UNION SELECT blob FROM blob_text WHERE complete = 0
             UNION SELECT blob FROM blob_text_pending)
         SELECT {columns} FROM candidate c CROSS JOIN messages m ON m.blob = c.blob WHERE m.mailbox = ?1
         ORDER BY m.uid"
    ))?;
    let rows = statement.query_map(params![mailbox.0, query], message_from_row)?;
    Ok(Some(rows.collect::<rusqlite::Result<_>>()?))
}

/// The FTS5 query asking for every trigram of `needle` (at most [`MAX_QUERY_TRIGRAMS`], spread over it), each a
/// quoted string; `None` under three characters.
fn match_query(needle: &str) -> Option<String> {
    if !can_narrow(needle) {
        return None;
    }
    let chars: Vec<char> = needle.chars().collect();
    let mut trigrams: Vec<String> = chars.windows(3).map(|window| window.iter().collect()).collect();
    if trigrams.is_empty() {
        return None;
    }
    trigrams.sort();
    trigrams.dedup();
    let step = trigrams.len().div_ceil(MAX_QUERY_TRIGRAMS);
    let terms: Vec<String> =
        trigrams.iter().step_by(step).map(|trigram| format!("\"{}\"", trigram.replace('"', "\"\""))).collect();
    Some(terms.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_asks_for_every_trigram_quoted() {
        assert_eq!(match_query("ab"), None);
        assert_eq!(match_query("hello").as_deref(), Some("\"ell\" AND \"hel\" AND \"llo\""));
        assert_eq!(match_query("a\"b c").as_deref(), Some("\"\"\"b \" AND \"a\"\"b\" AND \"b c\""));
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        assert!(match_query(long).is_some_and(|query| query.matches(" AND ").count() < MAX_QUERY_TRIGRAMS));
    }
}
