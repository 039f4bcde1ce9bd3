//! How rows map to our types: every integer is a `bigint` (`i64`), converted here, checked.

use tokio_postgres::Row;

use crate::blob::BlobId;
use crate::error::{Result, StoreError};
use crate::flags::SystemFlags;
use crate::flags::keywords_from_text;
use crate::ids::{EmailId, MailboxId, ModSeq, ThreadId, Uid, UidValidity};
use crate::mailbox::Mailbox;
use crate::message::MessageMeta;
use crate::postgres::sql::to_u64;

pub(crate) fn uid(value: i64) -> Result<Uid> {
    u32::try_from(value).ok().and_then(Uid::new).ok_or_else(|| StoreError::Corrupt(format!("UID {value}")))
}

pub(crate) fn uid_column(row: &Row, at: usize) -> Result<Uid> {
    uid(row.try_get(at)?)
}

pub(crate) fn modseq(row: &Row, at: usize) -> Result<ModSeq> {
    Ok(ModSeq(to_u64(row.try_get(at)?)))
}

pub(crate) fn blob_id(row: &Row, at: usize) -> Result<BlobId> {
    let bytes: &[u8] = row.try_get(at)?;
    <[u8; 32]>::try_from(bytes).map(BlobId).map_err(|_| StoreError::Corrupt("a blob id is not 32 bytes".into()))
}

/// A count that fits `u32` (messages in a mailbox).
fn count(row: &Row, at: usize) -> Result<u32> {
    Ok(u32::try_from(row.try_get::<_, i64>(at)?).unwrap_or(u32::MAX))
}

pub(crate) use crate::flags::keywords_to_text;

/// The columns [`message_from_row`] reads, in order, for a query `FROM messages m`.
pub(crate) const MESSAGE_COLUMNS: &str =
    "m.uid, m.flags, m.keywords, m.modseq, m.internal_date, m.size, m.blob, m.email_id, m.thread_id";

/// A message whose [`MESSAGE_COLUMNS`] start at column `at`.
pub(crate) fn message_from_row(row: &Row, at: usize) -> Result<MessageMeta> {
    let flags: i32 = row.try_get(at + 1)?;
    Ok(MessageMeta {
        uid: uid_column(row, at)?,
        flags: SystemFlags::from_bits(u8::try_from(flags).unwrap_or(0)),
        keywords: keywords_from_text(row.try_get(at + 2)?),
        modseq: modseq(row, at + 3)?,
        internal_date: row.try_get(at + 4)?,
        size: to_u64(row.try_get(at + 5)?),
        blob: blob_id(row, at + 6)?,
        email: EmailId(row.try_get(at + 7)?),
        thread: ThreadId(row.try_get(at + 8)?),
    })
}

/// The columns [`mailbox_from_row`] reads, in order, for a query `FROM mailboxes m`.
pub(crate) const MAILBOX_COLUMNS: &str = "m.id, m.name, m.special_use, m.uidvalidity, m.uidnext, m.highestmodseq, \
     EXISTS (SELECT 1 FROM subscriptions s WHERE s.account = m.account AND s.name = m.name), \
     (SELECT count(*) FROM messages WHERE mailbox = m.id), \
     (SELECT count(*) FROM messages WHERE mailbox = m.id AND flags & 1 = 0), \
     (SELECT coalesce(sum(size), 0)::bigint FROM messages WHERE mailbox = m.id)";

pub(crate) fn mailbox_from_row(row: &Row) -> Result<Mailbox> {
    let special_use: Option<String> = row.try_get(2)?;
    let uidvalidity: i64 = row.try_get(3)?;
    Ok(Mailbox {
        id: MailboxId(row.try_get(0)?),
        name: row.try_get(1)?,
        special_use: special_use.and_then(|role| role.parse().ok()),
        uidvalidity: UidValidity(u32::try_from(uidvalidity).unwrap_or(0)),
        uidnext: uid_column(row, 4)?,
        highestmodseq: modseq(row, 5)?,
        subscribed: row.try_get(6)?,
        exists: count(row, 7)?,
        unseen: count(row, 8)?,
        size: to_u64(row.try_get(9)?),
    })
}
