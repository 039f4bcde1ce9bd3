//! EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): remove the `\Deleted` messages (of a UID set)
//! and tell the client which, as EXPUNGE or, with QRESYNC, VANISHED (RFC 7162 §3.2.10).

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{ResponseCode, SeqSet, StatusResponse, Uid as WireUid};
use facteur_store::{SystemFlags, Uid};

use crate::commands::store_failure;
use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) async fn expunge(&mut self, only: Option<SeqSet<WireUid>>) -> Result<StatusResponse, Ending> {
        let store = self.server.store.as_ref();
        let State::Selected(_, selected) = &mut self.state else {
            return Ok(StatusResponse::bad(None, "No mailbox selected"));
        };
        if selected.read_only {
            return Ok(StatusResponse::no(None, "Mailbox is read-only").with_code(ResponseCode::Cannot));
        }
        let messages = match store.messages(selected.id).await {
            Ok(messages) => messages,
            Err(error) => return Ok(store_failure(&error)),
        };
        let largest = messages.last().map_or(0, |m| m.uid.get());
        let deleted: Vec<Uid> = messages
            .iter()
            .filter(|m| m.flags.contains(SystemFlags::DELETED))
            .filter(|m| {
                only.as_ref().is_none_or(|set| WireUid::new(m.uid.get()).is_some_and(|uid| set.contains(uid, largest)))
            })
            .map(|m| m.uid)
            .collect();
        if deleted.is_empty() {
            return Ok(StatusResponse::ok(None, "EXPUNGE completed"));
        }
        let removed = match store.expunge(selected.id, &deleted).await {
            Ok(removed) => removed,
            Err(error) => return Ok(store_failure(&error)),
        };
        let enabled = self.client.enabled;
        for data in selected.expunged(&removed, enabled) {
            self.client.data(data);
        }
        Ok(StatusResponse::ok(None, "EXPUNGE completed"))
    }
}
