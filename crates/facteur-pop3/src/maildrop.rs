//! The maildrop of one POP3 session: the account's INBOX as it was at login (RFC 1939 §4), with the
//! deletion marks the session makes. Pure state; the store is touched only at login and in the UPDATE state.

use facteur_store::{BlobId, MessageMeta, Uid, UidValidity};

use crate::command::MessageNumber;

/// One message of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildropMessage {
    pub uid: Uid,
    /// Octets, as stored (RFC 1939 §11: sizes count CRLF line ends; what SMTP stores already has them).
    pub size: u64,
    pub blob: BlobId,
    pub deleted: bool,
}

/// Why a message number cannot be used (RFC 1939 §5: a deleted message may not be referred to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoSuchMessage {
    #[error("no such message, only {count} in maildrop")]
    OutOfRange { count: usize },
    #[error("message {0} already deleted")]
    Deleted(MessageNumber),
}

/// The snapshot: message numbers are positions in it, so a message delivered during the session does not
/// shift them and does not appear until the next login.
#[derive(Debug, Clone)]
pub struct Maildrop {
    uidvalidity: UidValidity,
    messages: Vec<MaildropMessage>,
}

impl Maildrop {
    /// `messages` ordered by UID, as the store lists them; message 1 is the oldest.
    pub fn new(uidvalidity: UidValidity, messages: &[MessageMeta]) -> Maildrop {
        let messages = messages
            .iter()
            .map(|meta| MaildropMessage { uid: meta.uid, size: meta.size, blob: meta.blob, deleted: false })
            .collect();
        Maildrop { uidvalidity, messages }
    }

    /// `STAT`: messages and octets, deleted ones excluded (RFC 1939 §5).
    pub fn stat(&self) -> (usize, u64) {
        self.live().fold((0, 0), |(count, octets), (_, message)| (count + 1, octets + message.size))
    }

    /// A message that may be referred to.
    pub fn get(&self, number: MessageNumber) -> Result<&MaildropMessage, NoSuchMessage> {
        let message =
            self.messages.get(number.index()).ok_or(NoSuchMessage::OutOfRange { count: self.messages.len() })?;
        if message.deleted {
            return Err(NoSuchMessage::Deleted(number));
        }
        Ok(message)
    }

    /// `DELE`: only a mark; nothing leaves the store before QUIT.
    pub fn mark_deleted(&mut self, number: MessageNumber) -> Result<(), NoSuchMessage> {
        self.get(number)?;
        if let Some(message) = self.messages.get_mut(number.index()) {
            message.deleted = true;
        }
        Ok(())
    }

    /// `RSET`: every mark removed.
    pub fn unmark_all(&mut self) {
        self.messages.iter_mut().for_each(|message| message.deleted = false);
    }

    /// The messages not marked deleted, with their numbers (for LIST and UIDL without argument).
    pub fn live(&self) -> impl Iterator<Item = (MessageNumber, &MaildropMessage)> {
        self.messages
            .iter()
            .zip(1..)
            .filter(|(message, _)| !message.deleted)
            .filter_map(|(message, number)| Some((MessageNumber::new(number)?, message)))
    }

    /// What QUIT removes, ascending.
    pub fn marked_uids(&self) -> Vec<Uid> {
        self.messages.iter().filter(|message| message.deleted).map(|message| message.uid).collect()
    }

    /// The unique-id listing (RFC 1939 §7 UIDL), stable forever: UIDVALIDITY and UID never come back together
    /// for another message (the store never reuses a UID under one UIDVALIDITY, nor a UIDVALIDITY per account),
    /// which is what a client's "leave on server, delete after N days" relies on. Fixed-width hex, 16
    /// characters, well inside the 1–70 printable characters RFC 1939 allows.
    pub fn unique_id(&self, message: &MaildropMessage) -> String {
        format!("{:08x}{:08x}", self.uidvalidity.0, message.uid.get())
    }
}

#[cfg(test)]
mod tests {
    use facteur_store::{Keywords, ModSeq, SystemFlags};

    use super::*;

    fn meta(uid: u32, size: u64) -> MessageMeta {
        let blob = BlobId([uid as u8; 32]);
        MessageMeta {
            uid: Uid::new(uid).unwrap(),
            flags: SystemFlags::NONE,
            keywords: Keywords::new(),
            modseq: ModSeq(1),
            internal_date: 0,
            size,
            blob,
            email: facteur_store::EmailId(i64::from(uid)),
            thread: facteur_store::ThreadId(i64::from(uid)),
        }
    }

    fn n(number: u32) -> MessageNumber {
        MessageNumber::new(number).unwrap()
    }

    fn maildrop() -> Maildrop {
        Maildrop::new(UidValidity(7), &[meta(3, 100), meta(8, 200), meta(9, 50)])
    }

    #[test]
    fn deleted_messages_leave_stat_and_listings_but_keep_their_numbers() {
        let mut drop = maildrop();
        assert_eq!(drop.stat(), (3, 350));
        drop.mark_deleted(n(2)).unwrap();
        assert_eq!(drop.stat(), (2, 150));
        let listed: Vec<_> = drop.live().map(|(number, message)| (number.get(), message.size)).collect();
        assert_eq!(listed, [(1, 100), (3, 50)]);
        assert_eq!(drop.get(n(2)), Err(NoSuchMessage::Deleted(n(2))));
        assert_eq!(drop.mark_deleted(n(2)), Err(NoSuchMessage::Deleted(n(2))));
        assert_eq!(drop.get(n(4)), Err(NoSuchMessage::OutOfRange { count: 3 }));
        assert_eq!(drop.marked_uids(), [Uid::new(8).unwrap()]);
    }

    #[test]
    fn rset_unmarks_everything() {
        let mut drop = maildrop();
        drop.mark_deleted(n(1)).unwrap();
        drop.mark_deleted(n(3)).unwrap();
        drop.unmark_all();
        assert_eq!(drop.stat(), (3, 350));
        assert!(drop.marked_uids().is_empty());
    }

    #[test]
    fn unique_ids_derive_from_uidvalidity_and_uid_only() {
        let drop = maildrop();
        let first = drop.get(n(1)).unwrap();
        assert_eq!(drop.unique_id(first), "0000000700000003");
        // The same message seen in a later session, after older ones were deleted, keeps its id.
        let later = Maildrop::new(UidValidity(7), &[meta(3, 100)]);
        assert_eq!(later.unique_id(later.get(n(1)).unwrap()), "0000000700000003");
        let other = Maildrop::new(UidValidity(8), &[meta(3, 100)]);
        assert_ne!(other.unique_id(other.get(n(1)).unwrap()), "0000000700000003");
    }
}
