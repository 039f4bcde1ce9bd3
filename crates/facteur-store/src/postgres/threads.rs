//! Which conversation a new message joins: as `sqlite/threads.rs`.

use facteur_primitives::ThreadKeys;

use crate::error::Result;
use crate::ids::{AccountId, EmailId, ThreadId};
use crate::postgres::sql::{Tx, exec, value};

/// The thread of the message `email` being written with `keys`; its identifiers now lead to that thread.
pub(crate) async fn assign(tx: &Tx<'_>, account: AccountId, email: EmailId, keys: &ThreadKeys) -> Result<ThreadId> {
    let mut thread = None;
    for id in keys.all() {
        let sql = "SELECT thread_id FROM thread_refs WHERE account = $1 AND message_id = $2";
        thread = value::<i64>(tx, sql, &[&account.0, &id]).await?.map(ThreadId);
        if thread.is_some() {
            break;
        }
    }
    let thread = thread.unwrap_or(ThreadId(email.0));
    for id in keys.all() {
        exec(
            tx,
            "INSERT INTO thread_refs (account, message_id, thread_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&account.0, &id, &thread.0],
        )
        .await?;
    }
    Ok(thread)
}
