//! EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): remove the `\Deleted` messages (of a UID set)
//! and tell the client which, as EXPUNGE or, with QRESYNC, VANISHED (RFC 7162 §3.2.10).

use facteur_imap_proto::{ResponseCode, SeqSet, StatusResponse, Uid as WireUid};
use facteur_store::Uid;

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
        // `*` of UID EXPUNGE is the largest UID this session knows (RFC 9051 §6.4.9).
        let largest = selected.uids().last().map_or(0, |uid| uid.get());
        let within: Option<Vec<(Uid, Uid)>> = only.map(|set| {
            set.resolve(largest)
                .into_iter()
                .filter_map(|range| Some((Uid::new(*range.start())?, Uid::new(*range.end())?)))
                .collect()
        });
        let removed = match store.expunge_deleted(selected.id, within.as_deref()).await {
            Ok(removed) if removed.is_empty() => return Ok(StatusResponse::ok(None, "EXPUNGE completed")),
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
