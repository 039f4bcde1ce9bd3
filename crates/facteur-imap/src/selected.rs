//! The selected mailbox of one session: its own UID ↔ sequence-number map, and how it catches up with what
//! other sessions did.
//!
//! The map is what THIS client has been told. Messages another session expunged stay in it until the
//! EXPUNGE (or VANISHED) is sent, which RFC 9051 §7.5.1 forbids during FETCH, STORE and SEARCH: sequence
//! numbers the client uses therefore never shift under it. New messages are appended (UIDs ascend), with
//! EXISTS. Flag changes by others are reported as FETCH (FLAGS).

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use facteur_imap_proto::{Data, FetchItem, MessageNumber, MessageSet, SeqNum, SeqSet, Uid as WireUid};
use facteur_store::{Mailbox, MailboxId, MessageMeta, ModSeq, Store, StoreError, Uid};

use crate::convert;
use crate::io::Enabled;
use crate::recent::RecentClaims;

/// A mailbox as one session has it selected.
pub struct Selected {
    pub id: MailboxId,
    pub name: String,
    pub read_only: bool,
    /// UIDs by sequence number - 1, ascending.
    uids: Vec<Uid>,
    /// The mailbox HIGHESTMODSEQ this session has caught up with.
    known_modseq: ModSeq,
    /// Expunged by others, not yet announced (still in `uids`).
    pending_expunges: Vec<Uid>,
    /// Flag changes this session made and already reported, so catching up does not report them twice.
    own_changes: HashMap<Uid, ModSeq>,
    /// The change bus said this mailbox changed since the last catch-up.
    pub dirty: bool,
    /// UIDs that are `\Recent` for this session (IMAP4rev1): the ranges it claimed.
    recent: Vec<RangeInclusive<u32>>,
}

/// A message sequence number or UID the client named does not exist.
#[derive(Debug)]
pub struct InvalidSequence;

impl Selected {
    /// `mailbox` was read before `messages`, so anything newer than its HIGHESTMODSEQ is caught up later.
    pub fn new(
        mailbox: &Mailbox,
        messages: &[MessageMeta],
        read_only: bool,
        recent: Option<RangeInclusive<u32>>,
    ) -> Selected {
        Selected {
            id: mailbox.id,
            name: mailbox.name.clone(),
            read_only,
            uids: messages.iter().map(|m| m.uid).collect(),
            known_modseq: mailbox.highestmodseq,
            pending_expunges: Vec::new(),
            own_changes: HashMap::new(),
            dirty: false,
            recent: recent.into_iter().collect(),
        }
    }

    /// Whether `uid` is `\Recent` for this session.
    pub fn is_recent(&self, uid: Uid) -> bool {
        self.recent.iter().any(|range| range.contains(&uid.get()))
    }

    /// How many messages are `\Recent` for this session.
    pub fn recent_count(&self) -> u32 {
        self.recent.iter().map(|range| self.positions_in(range).count() as u32).sum()
    }

    /// The HIGHESTMODSEQ this session has caught up with.
    pub fn known_modseq(&self) -> ModSeq {
        self.known_modseq
    }

    /// `* n FETCH (UID u FLAGS (...) [MODSEQ (m)])` telling the client a message's flags.
    pub fn flags_update(&self, seq: u32, message: &MessageMeta, enabled: Enabled) -> Option<Data> {
        let recent = !enabled.rev2 && self.is_recent(message.uid);
        flags_update(seq, message, enabled, recent)
    }

    /// EXISTS as this client knows it.
    pub fn exists(&self) -> u32 {
        u32::try_from(self.uids.len()).unwrap_or(u32::MAX)
    }

    pub fn uids(&self) -> &[Uid] {
        &self.uids
    }

    /// The sequence number of `uid`, if the client knows the message.
    pub fn seq_of(&self, uid: Uid) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// The messages `set` names, as (sequence number, UID), ascending.
    ///
    /// RFC 9051 §6.4.8: UIDs that do not exist are ignored, but a sequence number beyond EXISTS is an error.
    pub fn resolve(&self, set: &MessageSet) -> Result<Vec<(u32, Uid)>, InvalidSequence> {
        match set {
            MessageSet::Seq(seqs) => self.resolve_seqs(seqs),
            MessageSet::Uid(uids) => Ok(self.resolve_uids(uids)),
        }
    }

    fn resolve_seqs(&self, set: &SeqSet<SeqNum>) -> Result<Vec<(u32, Uid)>, InvalidSequence> {
        let mut out = Vec::new();
        for range in set.resolve(self.exists()) {
            if *range.end() as usize > self.uids.len() {
                return Err(InvalidSequence);
            }
            out.extend(range.map(|seq| (seq, self.uids[seq as usize - 1])));
        }
        Ok(out)
    }

    fn resolve_uids(&self, set: &SeqSet<WireUid>) -> Vec<(u32, Uid)> {
        let largest = self.uids.last().map_or(0, |uid| uid.get());
        let mut out = Vec::new();
        for range in set.resolve(largest) {
            out.extend(self.positions_in(&range));
        }
        out
    }

    fn positions_in(&self, range: &RangeInclusive<u32>) -> impl Iterator<Item = (u32, Uid)> + '_ {
        let start = self.uids.partition_point(|uid| uid.get() < *range.start());
        let end = self.uids.partition_point(|uid| uid.get() <= *range.end());
        (start..end).map(|i| (i as u32 + 1, self.uids[i]))
    }

    /// Remembers flag changes this session reported itself (STORE, FETCH setting \Seen).
    pub fn note_own_change(&mut self, uid: Uid, modseq: ModSeq) {
        self.own_changes.insert(uid, modseq);
    }

    /// Removes messages from the map and returns what to tell the client, in order: EXPUNGE numbers as each
    /// is valid when read (RFC 9051 §7.5.1: each EXPUNGE shifts the numbers after it), or one VANISHED.
    pub fn expunged(&mut self, removed: &[Uid], enabled: Enabled) -> Vec<Data> {
        let mut indexes: Vec<usize> = removed.iter().filter_map(|uid| self.uids.binary_search(uid).ok()).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let gone: HashSet<Uid> = indexes.iter().map(|&i| self.uids[i]).collect();
        self.uids.retain(|uid| !gone.contains(uid));
        self.pending_expunges.retain(|uid| !gone.contains(uid));
        if enabled.qresync {
            let mut uids: Vec<Uid> = gone.into_iter().collect();
            uids.sort_unstable();
            return vanished(&uids, false).into_iter().collect();
        }
        // Ascending, each number lowered by the expunges announced before it.
        indexes.iter().enumerate().filter_map(|(k, &i)| SeqNum::new((i - k) as u32 + 1)).map(Data::Expunge).collect()
    }

    /// Catches up with the store: returns the untagged responses to send now. Expunges are held back unless
    /// `allow_expunge` (RFC 9051 §7.5.1: not during FETCH, STORE, SEARCH).
    pub async fn catch_up(
        &mut self,
        store: &dyn Store,
        recent: &RecentClaims,
        allow_expunge: bool,
        enabled: Enabled,
    ) -> Result<Vec<Data>, StoreError> {
        self.dirty = false;
        let highest = store.highest_modseq(self.id).await?;
        let mut out = Vec::new();
        if highest > self.known_modseq {
            let changes = store.changes_since(self.id, self.known_modseq).await?;
            self.known_modseq = highest;
            let gone: Vec<Uid> = changes.vanished.iter().copied().filter(|uid| self.seq_of(*uid).is_some()).collect();
            for uid in gone {
                if !self.pending_expunges.contains(&uid) {
                    self.pending_expunges.push(uid);
                }
            }
            if allow_expunge {
                out.extend(self.announce_expunges(enabled));
            }
            self.report_changes(&changes.changed, recent, enabled, &mut out);
        } else if allow_expunge && !self.pending_expunges.is_empty() {
            out.extend(self.announce_expunges(enabled));
        }
        self.own_changes.clear();
        Ok(out)
    }

    fn announce_expunges(&mut self, enabled: Enabled) -> Vec<Data> {
        let mut pending = std::mem::take(&mut self.pending_expunges);
        pending.sort_unstable();
        self.expunged(&pending, enabled)
    }

    /// New messages (EXISTS) and flag changes of known ones (FETCH).
    fn report_changes(
        &mut self,
        changed: &[MessageMeta],
        recent: &RecentClaims,
        enabled: Enabled,
        out: &mut Vec<Data>,
    ) {
        let largest_known = self.uids.last().copied();
        let mut flag_updates = Vec::new();
        let mut added = false;
        for message in changed {
            if largest_known.is_none_or(|largest| message.uid > largest) {
                self.uids.push(message.uid);
                added = true;
            } else if self.own_changes.get(&message.uid) != Some(&message.modseq)
                && !self.pending_expunges.contains(&message.uid)
                && let Some(seq) = self.seq_of(message.uid)
            {
                flag_updates.push((seq, message));
            }
        }
        if added {
            out.push(Data::Exists(self.exists()));
            // The new messages are recent for this session if no other claimed them first.
            if !self.read_only
                && let Some(newest) = self.uids.last()
            {
                let first = recent.claim(self.id, *newest);
                if first <= newest.get() {
                    self.recent.push(first..=newest.get());
                }
            }
            if !enabled.rev2 {
                out.push(Data::Recent(self.recent_count()));
            }
        }
        for (seq, message) in flag_updates {
            if let Some(data) = self.flags_update(seq, message, enabled) {
                out.push(data);
            }
        }
    }
}

fn flags_update(seq: u32, message: &MessageMeta, enabled: Enabled, recent: bool) -> Option<Data> {
    let mut flags = convert::flags(message.flags, &message.keywords);
    if recent {
        flags.push(facteur_imap_proto::Flag::Recent);
    }
    let mut items = vec![FetchItem::Uid(WireUid::new(message.uid.get())?), FetchItem::Flags(flags)];
    if enabled.condstore {
        items.push(FetchItem::ModSeq(message.modseq.0));
    }
    Some(Data::Fetch { seq: SeqNum::new(seq)?, items })
}

/// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10), if there is anything to say.
pub fn vanished(uids: &[Uid], earlier: bool) -> Option<Data> {
    let set = SeqSet::from_numbers(uids.iter().filter_map(|uid| WireUid::new(uid.get())))?;
    Some(Data::Vanished { earlier, uids: set })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selected(uids: &[u32]) -> Selected {
        Selected {
            id: MailboxId(1),
            name: "INBOX".into(),
            read_only: false,
            uids: uids.iter().map(|&n| Uid::new(n).unwrap()).collect(),
            known_modseq: ModSeq(1),
            pending_expunges: Vec::new(),
            own_changes: HashMap::new(),
            dirty: false,
            recent: Vec::new(),
        }
    }

    fn uid(n: u32) -> Uid {
        Uid::new(n).unwrap()
    }

    #[test]
    fn expunge_numbers_account_for_the_expunges_announced_before_them() {
        let mut mailbox = selected(&[10, 20, 30, 40, 50]);
        let out = mailbox.expunged(&[uid(20), uid(40), uid(99)], Enabled::default());
        let seq = |n| Data::Expunge(SeqNum::new(n).unwrap());
        assert_eq!(out, vec![seq(2), seq(3)]);
        assert_eq!(mailbox.uids(), &[uid(10), uid(30), uid(50)]);
    }

    #[test]
    fn qresync_sessions_get_one_vanished_instead() {
        let mut mailbox = selected(&[1, 2, 3, 4]);
        let enabled = Enabled { qresync: true, condstore: true, ..Enabled::default() };
        let out = mailbox.expunged(&[uid(2), uid(3)], enabled);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Data::Vanished { earlier: false, uids } if uids.to_string() == "2:3"));
    }

    #[test]
    fn sequence_numbers_beyond_exists_are_refused_but_missing_uids_ignored() {
        let mailbox = selected(&[5, 7]);
        let seqs = MessageSet::Seq(
            SeqSet::from_ranges(vec![facteur_imap_proto::SeqRange {
                start: facteur_imap_proto::SeqBound::Value(SeqNum::new(1).unwrap()),
                end: facteur_imap_proto::SeqBound::Value(SeqNum::new(3).unwrap()),
            }])
            .unwrap(),
        );
        assert!(mailbox.resolve(&seqs).is_err());
        let uids = MessageSet::Uid(
            SeqSet::from_ranges(vec![facteur_imap_proto::SeqRange {
                start: facteur_imap_proto::SeqBound::Value(WireUid::new(6).unwrap()),
                end: facteur_imap_proto::SeqBound::Last,
            }])
            .unwrap(),
        );
        assert_eq!(mailbox.resolve(&uids).unwrap(), vec![(2, uid(7))]);
    }
}
