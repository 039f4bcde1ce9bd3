//! SORT and UID SORT (RFC 5256 §3) with DISPLAYFROM/DISPLAYTO (RFC 5957) and ESORT's RETURN (RFC 5267 §3).
//!
//! The messages the search program matches are ordered by the criteria in turn, then by sequence number
//! (§3: ties keep mailbox order; REVERSE never applies to that last key). The keys come from the stored
//! summary: decoded subject, first addresses, the Date header; no message is read.

use std::cmp::Ordering;
use std::sync::Arc;

use facteur_imap_proto::{Data, ResponseCode, SortCommand, SortCriterion, SortKey, StatusResponse};
use facteur_message::{MessageSummary, SortAddress};
use facteur_store::MessageMeta;

use crate::base_subject::base_subject;
use crate::commands::search::{esearch_items, matching};
use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

/// One matched message with what the criteria compare.
pub(crate) struct Sortable {
    pub seq: u32,
    pub meta: MessageMeta,
    pub summary: Option<Arc<MessageSummary>>,
    /// Computed once per message, as comparisons repeat it.
    pub base_subject: String,
    /// The subject had `Re:`, `Fwd:` or the like (for THREAD).
    pub is_reply: bool,
}

impl Sortable {
    /// RFC 5256 §2.2: the Date header in UTC, or INTERNALDATE when there is none usable.
    pub fn sent_date(&self) -> i64 {
        self.summary.as_ref().and_then(|s| s.sort.date).unwrap_or(self.meta.internal_date)
    }

    fn address(&self, pick: fn(&MessageSummary) -> Option<&SortAddress>) -> Option<&SortAddress> {
        self.summary.as_deref().and_then(pick)
    }
}

impl Session<'_> {
    pub(crate) async fn sort(&mut self, command: SortCommand) -> Result<StatusResponse, Ending> {
        if !["UTF-8", "US-ASCII"].iter().any(|known| known.eq_ignore_ascii_case(&command.charset)) {
            return Ok(StatusResponse::no(None, "Unsupported charset")
                .with_code(ResponseCode::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()])));
        }
        // ARRIVAL and SIZE are in the store's rows: sorting by them alone (what most clients ask, newest first)
        // reads no summary, which on a large mailbox is most of the work.
        let needs_summaries = command.criteria.iter().any(|c| !matches!(c.key, SortKey::Arrival | SortKey::Size));
        let mut sorted = match self.matching_with_keys(&command.search, needs_summaries).await {
            Ok(found) => found,
            Err(refusal) => return Ok(refusal),
        };
        sorted.sort_by(|a, b| compare(a, b, &command.criteria));
        let numbers: Vec<u32> = sorted.iter().map(|m| if command.uid { m.meta.uid.get() } else { m.seq }).collect();
        match &command.returns {
            None => self.client.data(Data::Sort { numbers, mod_seq: None }),
            // RFC 5267 §3.1: ESORT answers ESEARCH; MIN and MAX are the first and last in sort order.
            Some(returns) => {
                let mut items = esearch_items(returns, &numbers, None);
                for item in &mut items {
                    match item {
                        facteur_imap_proto::ESearchItem::Min(n) => *n = numbers.first().copied().unwrap_or(*n),
                        facteur_imap_proto::ESearchItem::Max(n) => *n = numbers.last().copied().unwrap_or(*n),
                        _ => {}
                    }
                }
                self.client.data(Data::ESearch { tag: self.current_tag.clone(), uid: command.uid, items });
            }
        }
        Ok(StatusResponse::ok(None, "SORT completed"))
    }

    /// The messages `search` matches, with their summaries and base subjects (for SORT and THREAD) when
    /// `with_summaries`.
    pub(crate) async fn matching_with_keys(
        &mut self,
        search: &facteur_imap_proto::SearchKey,
        with_summaries: bool,
    ) -> Result<Vec<Sortable>, StatusResponse> {
        let store = self.server.store.as_ref();
        let State::Selected(_, selected) = &self.state else {
            return Err(StatusResponse::bad(None, "No mailbox selected"));
        };
        let found = matching(store, &self.server.summaries, selected, search).await?;
        let mut out = Vec::with_capacity(found.len());
        for (seq, meta) in found {
            let summary = match with_summaries {
                true => self.server.summaries.get(store, &meta).await,
                false => None,
            };
            let subject = summary.as_ref().and_then(|s| s.sort.subject.as_deref()).unwrap_or_default();
            let (base_subject, is_reply) = base_subject(subject);
            out.push(Sortable { seq, meta, summary, base_subject, is_reply });
        }
        Ok(out)
    }
}

/// The criteria in turn, then the sequence number.
fn compare(a: &Sortable, b: &Sortable, criteria: &[SortCriterion]) -> Ordering {
    criteria
        .iter()
        .map(|criterion| {
            let order = compare_by(a, b, criterion.key);
            if criterion.reverse { order.reverse() } else { order }
        })
        .find(|order| order.is_ne())
        .unwrap_or_else(|| a.seq.cmp(&b.seq))
}

fn compare_by(a: &Sortable, b: &Sortable, key: SortKey) -> Ordering {
    match key {
        SortKey::Arrival => a.meta.internal_date.cmp(&b.meta.internal_date),
        SortKey::Date => a.sent_date().cmp(&b.sent_date()),
        SortKey::Size => a.meta.size.cmp(&b.meta.size),
        SortKey::Subject => casemapped(&a.base_subject).cmp(&casemapped(&b.base_subject)),
        SortKey::From => mailbox_key(a, b, |s| s.sort.from.as_ref()),
        SortKey::To => mailbox_key(a, b, |s| s.sort.to.as_ref()),
        SortKey::Cc => mailbox_key(a, b, |s| s.sort.cc.as_ref()),
        SortKey::DisplayFrom => display_key(a, b, |s| s.sort.from.as_ref()),
        SortKey::DisplayTo => display_key(a, b, |s| s.sort.to.as_ref()),
    }
}

/// RFC 5256 §3: the local part of the first address, an empty string when there is none.
fn mailbox_key(a: &Sortable, b: &Sortable, pick: fn(&MessageSummary) -> Option<&SortAddress>) -> Ordering {
    let key = |m: &Sortable| casemapped(m.address(pick).map_or("", |address| address.mailbox.as_str()));
    key(a).cmp(&key(b))
}

/// RFC 5957 §3: the display name, or the address when there is none.
fn display_key(a: &Sortable, b: &Sortable, pick: fn(&MessageSummary) -> Option<&SortAddress>) -> Ordering {
    let key = |m: &Sortable| casemapped(m.address(pick).map_or("", |address| address.display.as_str()));
    key(a).cmp(&key(b))
}

/// A case-insensitive comparison key: i;ascii-casemap (RFC 4790 §9.2), the SORT default, maps to upper case,
/// which puts `[` and `_` after the letters.
fn casemapped(text: &str) -> String {
    text.to_uppercase()
}
