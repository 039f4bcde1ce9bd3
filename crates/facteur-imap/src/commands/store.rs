//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE and MODIFIED (RFC 7162 §3.1.3).

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{
    MessageSet, ResponseCode, SeqNum, SeqSet, StatusResponse, StoreCommand, StoreMode, Uid as WireUid,
};
use facteur_store::{FlagChange, FlagOp, ModSeq, Uid};

use crate::commands::store_failure;
use crate::convert;
use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) async fn store(&mut self, command: StoreCommand) -> Result<StatusResponse, Ending> {
        let store = self.server.store.as_ref();
        let State::Selected(_, selected) = &mut self.state else {
            return Ok(StatusResponse::bad(None, "No mailbox selected"));
        };
        if selected.read_only {
            return Ok(StatusResponse::no(None, "Mailbox is read-only").with_code(ResponseCode::Cannot));
        }
        let Ok(targets) = selected.resolve(&command.set) else {
            return Ok(StatusResponse::bad(None, "Invalid message sequence number"));
        };
        if command.unchanged_since.is_some() {
            self.client.enable_condstore(selected.known_modseq());
        }
        let (flags, keywords) = convert::split_flags(&command.flags);
        let op = match command.mode {
            StoreMode::Replace => FlagOp::Set,
            StoreMode::Add => FlagOp::Add,
            StoreMode::Remove => FlagOp::Remove,
        };
        let uids: Vec<Uid> = targets.iter().map(|(_, uid)| *uid).collect();
        let change = FlagChange { op, flags, keywords };
        let stored = match store.store_flags(selected.id, &uids, change, command.unchanged_since.map(ModSeq)).await {
            Ok(stored) => stored,
            Err(error) => return Ok(store_failure(&error)),
        };
        let enabled = self.client.enabled;
        for message in &stored.changed {
            selected.note_own_change(message.uid, message.modseq);
        }
        if !command.silent || command.unchanged_since.is_some() {
            // RFC 9051 §6.4.6: the new flags of every message named, changed or not; RFC 7162 §3.1.3: with
            // UNCHANGEDSINCE, even .SILENT reports the new MODSEQ of the changed ones.
            let report = if command.silent {
                stored.changed.clone()
            } else {
                let (Some(first), Some(last)) = (uids.first(), uids.last()) else {
                    return Ok(StatusResponse::ok(None, "STORE completed"));
                };
                match store.messages_in_range(selected.id, *first, *last).await {
                    Ok(all) => all.into_iter().filter(|m| uids.binary_search(&m.uid).is_ok()).collect(),
                    Err(error) => return Ok(store_failure(&error)),
                }
            };
            for message in report.iter().filter(|m| !stored.conflicts.contains(&m.uid)) {
                if let Some(seq) = selected.seq_of(message.uid)
                    && let Some(data) = selected.flags_update(seq, message, enabled)
                {
                    self.client.data(data);
                }
            }
        }
        if stored.conflicts.is_empty() {
            return Ok(StatusResponse::ok(None, "STORE completed"));
        }
        let modified = match command.set {
            MessageSet::Uid(_) => {
                SeqSet::from_numbers(stored.conflicts.iter().filter_map(|u| WireUid::new(u.get()))).map(MessageSet::Uid)
            }
            MessageSet::Seq(_) => SeqSet::from_numbers(
                stored.conflicts.iter().filter_map(|u| selected.seq_of(*u)).filter_map(SeqNum::new),
            )
            .map(MessageSet::Seq),
        };
        Ok(match modified {
            Some(set) => StatusResponse::ok(None, "Conditional STORE failed for some messages")
                .with_code(ResponseCode::Modified(set)),
            None => StatusResponse::ok(None, "STORE completed"),
        })
    }
}
