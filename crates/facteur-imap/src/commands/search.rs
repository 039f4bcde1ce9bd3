//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH return options (RFC 4731, RFC 9051 §7.3.4) and
//! the MODSEQ criterion (RFC 7162 §3.1.5).
//!
//! Criteria on flags, sizes, dates and numbers use the metadata only; address and subject criteria the
//! stored summary (raw ENVELOPE strings and their decoded forms); HEADER, BODY and TEXT read the message.
//! Each message's summary and content are loaded only if the criteria need them. Matching is
//! case-insensitive substring matching on UTF-8 (the only charsets accepted are UTF-8 and US-ASCII); BODY and
//! TEXT compare the decoded text, accents folded ([`facteur_message::Searchable`]).

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{
    Data, ESearchItem, Flag, ResponseCode, SearchCommand, SearchKey, SearchReturn, StatusResponse, Uid as WireUid,
};
use facteur_message::{MessageSummary, Searchable, fold, header_fields};
use facteur_store::{MessageMeta, SystemFlags};

use crate::commands::store_failure;
use crate::convert;
use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

/// Messages whose metadata is read at once.
const SEARCH_BATCH: usize = 1024;

/// One message as the criteria see it.
struct Candidate<'a> {
    seq: u32,
    exists: u32,
    largest_uid: u32,
    meta: &'a MessageMeta,
    /// `\Recent` for this session.
    recent: bool,
    summary: Option<std::sync::Arc<MessageSummary>>,
    content: Option<Vec<u8>>,
    /// The decoded text BODY and TEXT compare.
    text: Option<Searchable>,
}

/// What the criteria need of each message besides its metadata.
#[derive(Debug, Clone, Copy, Default)]
struct Needs {
    summary: bool,
    content: bool,
    text: bool,
}

impl Needs {
    fn or(self, other: Needs) -> Needs {
        Needs {
            summary: self.summary || other.summary,
            content: self.content || other.content,
            text: self.text || other.text,
        }
    }
}

impl Session<'_> {
    pub(crate) async fn search(&mut self, command: SearchCommand) -> Result<StatusResponse, Ending> {
        let store = self.server.store.as_ref();
        let State::Selected(_, selected) = &mut self.state else {
            return Ok(StatusResponse::bad(None, "No mailbox selected"));
        };
        if let Some(charset) = &command.charset
            && !["UTF-8", "US-ASCII"].iter().any(|known| known.eq_ignore_ascii_case(charset))
        {
            return Ok(StatusResponse::no(None, "Unsupported charset")
                .with_code(ResponseCode::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()])));
        }
        let found = match matching(store, &self.server.summaries, selected, &command.criteria).await {
            Ok(found) => found,
            Err(refusal) => return Ok(refusal),
        };
        let numbers: Vec<u32> =
            found.iter().map(|(seq, meta)| if command.uid { meta.uid.get() } else { *seq }).collect();
        let mod_seq = mentions_modseq(&command.criteria)
            .then(|| result_modseq(&found, command.returns.as_deref().unwrap_or_default()))
            .flatten();
        if mentions_modseq(&command.criteria) {
            self.client.enable_condstore(selected.known_modseq());
        }
        let returns = match (&command.returns, self.client.enabled.rev2) {
            (Some(returns), _) => Some(returns.clone()),
            // RFC 9051 §6.4.4: IMAP4rev2 answers ESEARCH, ALL by default.
            (None, true) => Some(vec![SearchReturn::All]),
            (None, false) => None,
        };
        match returns {
            None => self.client.data(Data::Search { numbers, mod_seq }),
            Some(returns) => {
                let items = esearch_items(&returns, &numbers, mod_seq);
                self.client.data(Data::ESearch { tag: self.current_tag.clone(), uid: command.uid, items });
            }
        }
        Ok(StatusResponse::ok(None, "SEARCH completed"))
    }
}

/// The messages of the selected mailbox that `criteria` match, as (sequence number, metadata), in order.
pub(crate) async fn matching(
    store: &dyn facteur_store::Store,
    summaries: &crate::summaries::SummaryCache,
    selected: &crate::selected::Selected,
    criteria: &SearchKey,
) -> Result<Vec<(u32, MessageMeta)>, StatusResponse> {
    let looking = Looking { store, summaries, selected, criteria, needs: needs(criteria) };
    // The full-text index narrows a search for a text every match must contain to candidates, each then read
    // and checked like any message: the index decides nothing alone.
    if let Some(needle) = required_text(criteria) {
        let candidates = store.text_candidates(selected.id, &needle).await.map_err(|e| store_failure(&e))?;
        if let Some(candidates) = candidates {
            return Ok(looking.among(&candidates).await);
        }
    }
    let mut found: Vec<(u32, MessageMeta)> = Vec::new();
    // A slice of the mailbox at a time: metadata of a huge mailbox is never all in memory.
    for batch in selected.uids().chunks(SEARCH_BATCH) {
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else { continue };
        let metas = store.messages_in_range(selected.id, *first, *last).await.map_err(|e| store_failure(&e))?;
        found.extend(looking.among(&metas).await);
    }
    Ok(found)
}

/// One search's question, asked of message after message.
struct Looking<'a> {
    store: &'a dyn facteur_store::Store,
    summaries: &'a crate::summaries::SummaryCache,
    selected: &'a crate::selected::Selected,
    criteria: &'a SearchKey,
    needs: Needs,
}

impl Looking<'_> {
    /// Those of `metas` (by UID) that are in the session's view and match, with their sequence numbers.
    async fn among(&self, metas: &[MessageMeta]) -> Vec<(u32, MessageMeta)> {
        let mut found = Vec::new();
        for meta in metas {
            let Some(seq) = self.selected.seq_of(meta.uid) else { continue };
            if self.matches(seq, meta).await {
                found.push((seq, meta.clone()));
            }
        }
        found
    }

    async fn matches(&self, seq: u32, meta: &MessageMeta) -> bool {
        // A message whose content went meanwhile (expunged by another session) matches nothing.
        let content = match self.needs.content {
            false => None,
            true => match self.store.read_blob(meta.blob).await {
                Ok(content) => Some(content),
                Err(_) => return false,
            },
        };
        let summary = match self.needs.summary {
            false => None,
            true => match self.summaries.get(self.store, meta).await {
                Some(summary) => Some(summary),
                None => return false,
            },
        };
        let text = match (self.needs.text, &summary, &content) {
            (true, Some(summary), Some(content)) => Some(Searchable::of(content, &summary.body)),
            _ => None,
        };
        let candidate = Candidate {
            seq,
            exists: self.selected.exists(),
            largest_uid: self.selected.uids().last().map_or(0, |uid| uid.get()),
            meta,
            recent: self.selected.is_recent(meta.uid),
            summary,
            content,
            text,
        };
        matches(self.criteria, &candidate)
    }
}

/// A text every message the criteria match must contain (BODY or TEXT, alone or in a conjunction), folded: the
/// longest, which narrows most.
fn required_text(key: &SearchKey) -> Option<String> {
    match key {
        SearchKey::Body(needle) | SearchKey::Text(needle) => Some(folded(needle)),
        SearchKey::And(keys) => keys.iter().filter_map(required_text).max_by_key(|needle| needle.chars().count()),
        _ => None,
    }
}

/// RFC 7162 §3.1.5: the highest MODSEQ of the messages reported; with only MIN or only MAX (or both) that
/// is of those messages alone.
fn result_modseq(found: &[(u32, MessageMeta)], returns: &[SearchReturn]) -> Option<u64> {
    let only_extremes =
        !returns.is_empty() && returns.iter().all(|r| matches!(r, SearchReturn::Min | SearchReturn::Max));
    if !only_extremes {
        return found.iter().map(|(_, m)| m.modseq.0).max();
    }
    let mut reported = Vec::new();
    if returns.contains(&SearchReturn::Min) {
        reported.extend(found.first());
    }
    if returns.contains(&SearchReturn::Max) {
        reported.extend(found.last());
    }
    reported.iter().map(|(_, m)| m.modseq.0).max()
}

/// RFC 4731 §3.1: `RETURN ()` means ALL; MIN, MAX, ALL are omitted when nothing matched.
pub(crate) fn esearch_items(returns: &[SearchReturn], numbers: &[u32], mod_seq: Option<u64>) -> Vec<ESearchItem> {
    let returns: Vec<SearchReturn> = if returns.is_empty() { vec![SearchReturn::All] } else { returns.to_vec() };
    let mut items = Vec::new();
    for wanted in returns {
        match wanted {
            SearchReturn::Min => items.extend(numbers.iter().min().copied().map(ESearchItem::Min)),
            SearchReturn::Max => items.extend(numbers.iter().max().copied().map(ESearchItem::Max)),
            SearchReturn::All if !numbers.is_empty() => items.push(ESearchItem::All(numbers.to_vec())),
            SearchReturn::Count => items.push(ESearchItem::Count(numbers.len() as u32)),
            SearchReturn::All | SearchReturn::Save => {}
        }
    }
    if let Some(mod_seq) = mod_seq.filter(|_| !numbers.is_empty()) {
        items.push(ESearchItem::ModSeq(mod_seq));
    }
    items
}

/// What the criteria need of each message.
fn needs(key: &SearchKey) -> Needs {
    match key {
        SearchKey::And(keys) => keys.iter().map(needs).fold(Needs::default(), Needs::or),
        SearchKey::Or(a, b) => needs(a).or(needs(b)),
        SearchKey::Not(inner) => needs(inner),
        SearchKey::Bcc(_)
        | SearchKey::Cc(_)
        | SearchKey::From(_)
        | SearchKey::To(_)
        | SearchKey::Subject(_)
        | SearchKey::SentBefore(_)
        | SearchKey::SentOn(_)
        | SearchKey::SentSince(_) => Needs { summary: true, ..Needs::default() },
        SearchKey::Header(..) => Needs { summary: true, content: true, text: false },
        SearchKey::Body(_) | SearchKey::Text(_) => Needs { summary: true, content: true, text: true },
        _ => Needs::default(),
    }
}

fn mentions_modseq(key: &SearchKey) -> bool {
    match key {
        SearchKey::ModSeq(_) => true,
        SearchKey::And(keys) => keys.iter().any(mentions_modseq),
        SearchKey::Or(a, b) => mentions_modseq(a) || mentions_modseq(b),
        SearchKey::Not(inner) => mentions_modseq(inner),
        _ => false,
    }
}

fn matches(key: &SearchKey, message: &Candidate<'_>) -> bool {
    let meta = message.meta;
    let summary = message.summary.as_ref();
    let internal_day = convert::day_of(meta.internal_date);
    let sent_day = summary.and_then(|s| s.sort.sent_day);
    match key {
        SearchKey::All => true,
        SearchKey::And(keys) => keys.iter().all(|k| matches(k, message)),
        SearchKey::Or(a, b) => matches(a, message) || matches(b, message),
        SearchKey::Not(inner) => !matches(inner, message),
        SearchKey::SequenceSet(set) => set.resolve(message.exists).iter().any(|r| r.contains(&message.seq)),
        SearchKey::Uid(set) => {
            WireUid::new(meta.uid.get()).is_some_and(|uid| set.contains(uid, message.largest_uid.max(meta.uid.get())))
        }
        SearchKey::Flag(flag) => has_flag(meta, flag),
        SearchKey::NotFlag(flag) => !has_flag(meta, flag),
        // RFC 3501 §6.4.4: NEW is recent and unseen.
        SearchKey::New => message.recent && !meta.flags.contains(SystemFlags::SEEN),
        SearchKey::Recent => message.recent,
        SearchKey::Old => !message.recent,
        SearchKey::From(text) => {
            summary.is_some_and(|s| addresses_contain(&s.envelope.from, s.sort.from.as_ref(), text))
        }
        SearchKey::To(text) => summary.is_some_and(|s| addresses_contain(&s.envelope.to, s.sort.to.as_ref(), text)),
        SearchKey::Cc(text) => summary.is_some_and(|s| addresses_contain(&s.envelope.cc, s.sort.cc.as_ref(), text)),
        SearchKey::Bcc(text) => summary.is_some_and(|s| addresses_contain(&s.envelope.bcc, None, text)),
        SearchKey::Subject(text) => summary.is_some_and(|s| {
            contains(s.envelope.subject.as_deref().unwrap_or("").as_bytes(), text)
                || contains(s.sort.subject.as_deref().unwrap_or("").as_bytes(), text)
        }),
        SearchKey::Header(name, text) => match (summary, &message.content) {
            (Some(summary), Some(content)) => {
                let block = content.get(summary.header()).unwrap_or_default();
                header_fields(block)
                    .any(|field| field.name_is(name) && contains(field.unfolded_value().as_bytes(), text))
            }
            _ => false,
        },
        SearchKey::Body(needle) => message.text.as_ref().is_some_and(|text| text.body_contains(&folded(needle))),
        SearchKey::Text(needle) => message.text.as_ref().is_some_and(|text| text.text_contains(&folded(needle))),
        SearchKey::Before(date) => internal_day < convert::days_from_civil(*date),
        SearchKey::On(date) => internal_day == convert::days_from_civil(*date),
        SearchKey::Since(date) => internal_day >= convert::days_from_civil(*date),
        SearchKey::SentBefore(date) => sent_day.is_some_and(|day| day < convert::days_from_civil(*date)),
        SearchKey::SentOn(date) => sent_day.is_some_and(|day| day == convert::days_from_civil(*date)),
        SearchKey::SentSince(date) => sent_day.is_some_and(|day| day >= convert::days_from_civil(*date)),
        SearchKey::Larger(size) => meta.size > *size,
        SearchKey::Smaller(size) => meta.size < *size,
        SearchKey::ModSeq(modseq) => meta.modseq.0 >= *modseq,
    }
}

fn has_flag(meta: &MessageMeta, flag: &Flag) -> bool {
    let system = match flag {
        Flag::Seen => SystemFlags::SEEN,
        Flag::Answered => SystemFlags::ANSWERED,
        Flag::Flagged => SystemFlags::FLAGGED,
        Flag::Deleted => SystemFlags::DELETED,
        Flag::Draft => SystemFlags::DRAFT,
        Flag::Keyword(keyword) => return meta.keywords.iter().any(|k| k.eq_ignore_ascii_case(keyword)),
        Flag::Recent | Flag::Extension(_) => return false,
    };
    meta.flags.contains(system)
}

fn addresses_contain(
    list: &[facteur_message::Address],
    decoded: Option<&facteur_message::SortAddress>,
    text: &[u8],
) -> bool {
    let raw = list.iter().any(|address| {
        let spelled = format!(
            "{} <{}@{}>",
            address.name.as_deref().unwrap_or(""),
            address.mailbox.as_deref().unwrap_or(""),
            address.host.as_deref().unwrap_or("")
        );
        contains(spelled.as_bytes(), text)
    });
    raw || decoded.is_some_and(|d| contains(d.display.as_bytes(), text))
}

/// A search string as [`Searchable`] compares it.
fn folded(needle: &[u8]) -> String {
    fold(&String::from_utf8_lossy(needle))
}

/// Case-insensitive substring (RFC 9051 §6.4.4); an empty needle matches everything.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    let haystack = String::from_utf8_lossy(haystack).to_lowercase();
    let needle = String::from_utf8_lossy(needle).to_lowercase();
    haystack.contains(&needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_search_ignores_case_also_beyond_ascii() {
        assert!(contains(b"Re: \xc3\x89T\xc3\x89 2025", "été".as_bytes()));
        assert!(!contains(b"hello", b"world"));
        assert!(contains(b"anything", b""));
    }

    #[test]
    fn only_a_text_every_match_must_contain_narrows_through_the_index() {
        let body = |text: &str| SearchKey::Body(text.as_bytes().to_vec());
        assert_eq!(required_text(&body("Café")).as_deref(), Some("cafe"));
        let both = SearchKey::And(vec![SearchKey::All, body("thé"), SearchKey::Text(b"longer one".to_vec())]);
        assert_eq!(required_text(&both).as_deref(), Some("longer one"));
        assert_eq!(required_text(&SearchKey::Or(Box::new(body("a")), Box::new(SearchKey::All))), None);
        assert_eq!(required_text(&SearchKey::Not(Box::new(body("abc")))), None);
    }

    #[test]
    fn esearch_omits_min_max_all_when_nothing_matched() {
        let items = esearch_items(&[SearchReturn::Min, SearchReturn::Count, SearchReturn::All], &[], None);
        assert_eq!(items, vec![ESearchItem::Count(0)]);
        let items = esearch_items(&[], &[2, 3, 4], None);
        assert_eq!(items, vec![ESearchItem::All(vec![2, 3, 4])]);
    }
}
