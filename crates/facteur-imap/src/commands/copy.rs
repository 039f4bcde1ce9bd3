//! COPY and MOVE, and their UID forms (RFC 9051 §6.4.7-8, RFC 6851), answering COPYUID (RFC 4315 §3).
//! The destination may be a special-folder alias ("Deleted Items" is the account's \Trash).

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{MailboxName, MessageSet, ResponseCode, SeqSet, StatusResponse, Uid as WireUid};
use facteur_store::{SpecialUse, Uid};

use crate::commands::{resolve_mailbox, store_failure};
use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) async fn copy(
        &mut self,
        set: &MessageSet,
        destination: &MailboxName,
        moving: bool,
    ) -> Result<StatusResponse, Ending> {
        let store = self.server.store.as_ref();
        let State::Selected(account, selected) = &mut self.state else {
            return Ok(StatusResponse::bad(None, "No mailbox selected"));
        };
        if moving && selected.read_only {
            return Ok(StatusResponse::no(None, "Mailbox is read-only").with_code(ResponseCode::Cannot));
        }
        let Ok(targets) = selected.resolve(set) else {
            return Ok(StatusResponse::bad(None, "Invalid message sequence number"));
        };
        let target = match resolve_mailbox(store, account.id, destination).await {
            Ok(Some(target)) => target,
            Ok(None) => {
                return Ok(StatusResponse::no(None, "No such mailbox").with_code(ResponseCode::TryCreate));
            }
            Err(error) => return Ok(store_failure(&error)),
        };
        let uids: Vec<Uid> = targets.iter().map(|(_, uid)| *uid).collect();
        if uids.is_empty() {
            return Ok(StatusResponse::ok(None, "Nothing to do"));
        }
        let result = if moving {
            store.move_messages(selected.id, &uids, target.id).await
        } else {
            store.copy(selected.id, &uids, target.id).await
        };
        let pairs = match result {
            Ok(pairs) => pairs,
            Err(error) => return Ok(store_failure(&error)),
        };
        let source_role = if target.special_use == Some(SpecialUse::Junk) {
            None
        } else {
            store.mailbox(selected.id).await.ok().flatten().and_then(|source| source.special_use)
        };
        let placed: Vec<Uid> = pairs.iter().map(|(_, to)| *to).collect();
        // Into Junk is "this is spam", out of it "this is not" (issue 18): the user's classifier learns.
        facteur_spam::training::learn_from_move(store, account.id, source_role, &target, &placed).await;
        let code = copy_uid(target.uidvalidity.0, &pairs);
        let done = if moving { "MOVE completed" } else { "COPY completed" };
        if !moving {
            let reply = StatusResponse::ok(None, done);
            return Ok(match code {
                Some(code) => reply.with_code(code),
                None => reply,
            });
        }
        // RFC 6851 §4.3: COPYUID comes untagged, before the expunges of the moved messages.
        if let Some(code) = code {
            self.client.untagged_ok(code, "Moved");
        }
        let moved: Vec<Uid> = pairs.iter().map(|(from, _)| *from).collect();
        let enabled = self.client.enabled;
        for data in selected.expunged(&moved, enabled) {
            self.client.data(data);
        }
        Ok(StatusResponse::ok(None, done))
    }
}

fn copy_uid(uid_validity: u32, pairs: &[(Uid, Uid)]) -> Option<ResponseCode> {
    // Both sets in the same order: pairs ascend by source UID, and new UIDs are handed out in that order.
    let source = SeqSet::from_numbers(pairs.iter().filter_map(|(from, _)| WireUid::new(from.get())))?;
    let destination = SeqSet::from_numbers(pairs.iter().filter_map(|(_, to)| WireUid::new(to.get())))?;
    Some(ResponseCode::CopyUid { uid_validity, source, destination })
}
