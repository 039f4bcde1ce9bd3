//! Which conversation a new message joins: the thread of any message of the same account that shares an
//! identifier with it (its `Message-ID:` referenced by an earlier message, or one it references), else a new
//! thread of its own. Identifiers are remembered per account, so a reply filed in Sent and the message in
//! INBOX it answers are one thread.

use facteur_primitives::ThreadKeys;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::ids::{AccountId, EmailId, ThreadId};
use crate::sqlite::cached::CachedStatements;

/// The thread of the message `email` being written with `keys`; its identifiers now lead to that thread.
pub(crate) fn assign(conn: &Connection, account: AccountId, email: EmailId, keys: &ThreadKeys) -> Result<ThreadId> {
    let mut thread = None;
    for id in keys.all() {
        thread = conn
            .query_row_cached(
                "SELECT thread_id FROM thread_refs WHERE account = ?1 AND message_id = ?2",
                params![account, id],
                |row| row.get(0),
            )
            .optional()?;
        if thread.is_some() {
            break;
        }
    }
    let thread = thread.unwrap_or(ThreadId(email.0));
    for id in keys.all() {
        conn.execute_cached(
            "INSERT OR IGNORE INTO thread_refs (account, message_id, thread_id) VALUES (?1, ?2, ?3)",
            params![account, id, thread],
        )?;
    }
    Ok(thread)
}
