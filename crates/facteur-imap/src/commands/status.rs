//! STATUS (RFC 9051 §6.3.11) with SIZE (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.6), DELETED and
//! DELETED-STORAGE (RFC 9208 §4.2), and APPENDLIMIT
//! (RFC 7889). RECENT counts the messages no session has claimed as `\Recent` yet (see [`crate::recent`]).

use facteur_imap_proto::{Data, MailboxName, StatusItem, StatusResponse, StatusValue};
use facteur_store::{Mailbox, SystemFlags, Uid};

use crate::commands::quota::kibibytes;
use crate::commands::{no_such_mailbox, resolve_mailbox, store_failure};
use crate::session::Session;

impl Session<'_> {
    pub(crate) async fn status(&mut self, mailbox: &MailboxName, items: &[StatusItem]) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        match resolve_mailbox(self.server.store.as_ref(), account.id, mailbox).await {
            Ok(Some(found)) => {
                self.status_of_named(&found, mailbox, items).await;
                StatusResponse::ok(None, "STATUS completed")
            }
            Ok(None) => no_such_mailbox(),
            Err(error) => store_failure(&error),
        }
    }

    /// `* STATUS` for a mailbox under its own name (LIST-STATUS).
    pub(crate) async fn status_of(&mut self, mailbox: &Mailbox, items: &[StatusItem]) {
        let name = MailboxName::new(mailbox.name.clone());
        self.status_of_named(mailbox, &name, items).await;
    }

    /// Answers under the name the client used, which may be a special-folder alias.
    async fn status_of_named(&mut self, mailbox: &Mailbox, name: &MailboxName, items: &[StatusItem]) {
        let wants_deleted = items.iter().any(|item| matches!(item, StatusItem::Deleted | StatusItem::DeletedStorage));
        let (deleted, recent) = match (wants_deleted, items.contains(&StatusItem::Recent)) {
            (true, _) => self.count_deleted_and_recent(mailbox).await,
            (false, true) => (Deleted::default(), self.count_recent(mailbox).await),
            (false, false) => (Deleted::default(), 0),
        };
        let values = items
            .iter()
            .map(|item| match item {
                StatusItem::Messages => StatusValue::Messages(mailbox.exists),
                StatusItem::Recent => StatusValue::Recent(recent),
                StatusItem::UidNext => StatusValue::UidNext(mailbox.uidnext.get()),
                StatusItem::UidValidity => StatusValue::UidValidity(mailbox.uidvalidity.0),
                StatusItem::Unseen => StatusValue::Unseen(mailbox.unseen),
                StatusItem::Deleted => StatusValue::Deleted(deleted.messages),
                StatusItem::DeletedStorage => StatusValue::DeletedStorage(kibibytes(deleted.octets)),
                StatusItem::Size => StatusValue::Size(mailbox.size),
                StatusItem::HighestModSeq => StatusValue::HighestModSeq(mailbox.highestmodseq.0),
                StatusItem::AppendLimit => StatusValue::AppendLimit(Some(self.server.settings.limits.max_append)),
            })
            .collect();
        self.client.data(Data::Status { mailbox: name.clone(), items: values });
    }

    /// Messages no session has claimed as `\Recent` yet: only those above the last claim are read.
    async fn count_recent(&self, mailbox: &Mailbox) -> u32 {
        let recent = &self.server.recent;
        let Some(first) = Uid::new(recent.first_unclaimed(mailbox.id)) else { return 0 };
        let Some(last) = Uid::new(u32::MAX) else { return 0 };
        match self.server.store.messages_in_range(mailbox.id, first, last).await {
            Ok(messages) => recent.unclaimed(mailbox.id, messages.iter().map(|m| m.uid)),
            Err(error) => {
                store_failure(&error);
                0
            }
        }
    }

    /// Messages with `\Deleted` (how many, how large), and messages no session has claimed as `\Recent` yet.
    async fn count_deleted_and_recent(&self, mailbox: &Mailbox) -> (Deleted, u32) {
        match self.server.store.messages(mailbox.id).await {
            Ok(messages) => {
                let deleted = messages.iter().filter(|m| m.flags.contains(SystemFlags::DELETED));
                let deleted = deleted.fold(Deleted::default(), |sum, m| Deleted {
                    messages: sum.messages + 1,
                    octets: sum.octets.saturating_add(m.size),
                });
                let recent = self.server.recent.unclaimed(mailbox.id, messages.iter().map(|m| m.uid));
                (deleted, recent)
            }
            Err(error) => {
                store_failure(&error);
                (Deleted::default(), 0)
            }
        }
    }
}

/// The `\Deleted` messages of a mailbox: STATUS DELETED and DELETED-STORAGE (RFC 9208 §4.2).
#[derive(Debug, Default, Clone, Copy)]
struct Deleted {
    messages: u32,
    octets: u64,
}
