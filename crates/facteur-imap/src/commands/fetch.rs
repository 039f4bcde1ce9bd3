//! FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9) with CHANGEDSINCE and VANISHED (RFC 7162 §3.1.4, §3.2.6).
//!
//! ENVELOPE, BODYSTRUCTURE, RFC822.SIZE and FLAGS come from the stored summary and metadata; body sections
//! slice the stored message at the offsets ingest recorded. A header-only section of a message kept as a
//! file reads only the header's bytes. Responses stream: each message's FETCH leaves as the buffer fills.

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{
    FetchAttr, FetchCommand, FetchItem, MessageSet, ResponseCode, SeqNum, StatusResponse, Uid as WireUid,
};
use facteur_message::MessageSummary;
use facteur_store::{FlagChange, FlagOp, Keywords, MessageMeta, ModSeq, Store, SystemFlags, Uid};

use crate::binary;
use crate::commands::store_failure;
use crate::convert;
use crate::io::Ending;
use crate::sections::{apply_partial, locate};
use crate::selected::vanished;
use crate::session::Session;
use crate::state::State;
use crate::summaries::SummaryCache;

/// How the FLAGS of one message are shown.
#[derive(Clone, Copy)]
struct FlagsShown {
    /// This FETCH set `\Seen`: FLAGS is reported even if not asked for.
    seen_now: bool,
    /// `\Recent` for this session (IMAP4rev1).
    recent: bool,
}

/// What one message's FETCH needs beyond its metadata.
struct Needs {
    summary: bool,
    /// Bytes of the message needed from the start; `None` when no content is needed.
    content_until: Option<usize>,
}

impl Session<'_> {
    pub(crate) async fn fetch(&mut self, command: FetchCommand) -> Result<StatusResponse, Ending> {
        let server = self.server;
        let store = server.store.as_ref();
        let State::Selected(_, selected) = &mut self.state else {
            return Ok(StatusResponse::bad(None, "No mailbox selected"));
        };
        let uid_mode = matches!(command.set, MessageSet::Uid(_));
        if command.vanished && !(uid_mode && self.client.enabled.qresync && command.changed_since.is_some()) {
            return Ok(StatusResponse::bad(None, "VANISHED needs UID FETCH, QRESYNC and CHANGEDSINCE"));
        }
        if command.changed_since.is_some() || command.attrs.contains(&FetchAttr::ModSeq) {
            self.client.enable_condstore(selected.known_modseq());
        }
        let Ok(targets) = selected.resolve(&command.set) else {
            return Ok(StatusResponse::bad(None, "Invalid message sequence number"));
        };
        if let (true, Some(since), MessageSet::Uid(set)) = (command.vanished, command.changed_since, &command.set) {
            let largest = selected.uids().last().map_or(0, |uid| uid.get());
            match store.changes_since(selected.id, ModSeq(since)).await {
                Ok(changes) => {
                    let in_set: Vec<Uid> = changes
                        .vanished
                        .into_iter()
                        .filter(|uid| WireUid::new(uid.get()).is_some_and(|w| set.contains(w, largest.max(uid.get()))))
                        .collect();
                    if let Some(data) = vanished(&in_set, true) {
                        self.client.data(data);
                    }
                }
                Err(error) => return Ok(store_failure(&error)),
            }
        }
        let needs = needs(&command.attrs);
        let mut unknown_encoding = false;
        let sets_seen = !selected.read_only && command.attrs.iter().any(FetchAttr::sets_seen);
        for batch in batches(&targets) {
            let (Some((_, first)), Some((_, last))) = (batch.first(), batch.last()) else { continue };
            let mut metas = match store.messages_in_range(selected.id, *first, *last).await {
                Ok(metas) => metas,
                Err(error) => return Ok(store_failure(&error)),
            };
            let seen_now = if sets_seen {
                match mark_seen(store, selected, batch, &mut metas).await {
                    Ok(seen_now) => seen_now,
                    Err(error) => return Ok(store_failure(&error)),
                }
            } else {
                Vec::new()
            };
            for (seq, uid) in batch {
                // Expunged by another session and not yet announced: nothing left to show.
                let Some(meta) = find(&metas, *uid) else { continue };
                if command.changed_since.is_some_and(|since| meta.modseq.0 <= since) {
                    continue;
                }
                let flags = FlagsShown {
                    seen_now: seen_now.contains(uid),
                    recent: !self.client.enabled.rev2 && selected.is_recent(*uid),
                };
                // Its content went with the last reference to it (expunged meanwhile by another session):
                // nothing true can be said, and the EXPUNGE follows.
                let Some((items, undecodable)) =
                    items(store, &server.summaries, meta, &command, &needs, uid_mode, flags).await
                else {
                    continue;
                };
                unknown_encoding |= undecodable;
                if let Some(seq) = SeqNum::new(*seq) {
                    self.client.data(facteur_imap_proto::Data::Fetch { seq, items });
                }
                self.client.pump().await?;
            }
        }
        if unknown_encoding {
            // RFC 3516 §4.3: BINARY of a part whose encoding we cannot undo.
            return Ok(
                StatusResponse::no(None, "Unknown Content-Transfer-Encoding").with_code(ResponseCode::UnknownCte)
            );
        }
        Ok(StatusResponse::ok(None, "FETCH completed"))
    }
}

/// Most messages whose metadata is read at once.
const BATCH: usize = 256;

/// The targets in runs of at most [`BATCH`] messages with close UIDs, so that each run is one indexed read
/// of the store and a FETCH 1:* of a huge mailbox never holds all its metadata at once.
fn batches(targets: &[(u32, Uid)]) -> Vec<&[(u32, Uid)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=targets.len() {
        let ends_here = i == targets.len()
            || i - start >= BATCH
            || targets[i].1.get().saturating_sub(targets[i - 1].1.get()) > BATCH as u32;
        if ends_here {
            out.push(&targets[start..i]);
            start = i;
        }
    }
    out
}

/// Sets `\Seen` on the unseen messages of `batch` (a non-PEEK body fetch, RFC 9051 §6.4.5); returns them.
async fn mark_seen(
    store: &dyn Store,
    selected: &mut crate::selected::Selected,
    batch: &[(u32, Uid)],
    metas: &mut [MessageMeta],
) -> Result<Vec<Uid>, facteur_store::StoreError> {
    let unseen: Vec<Uid> = batch
        .iter()
        .filter_map(|(_, uid)| find(metas, *uid))
        .filter(|meta| !meta.flags.contains(SystemFlags::SEEN))
        .map(|meta| meta.uid)
        .collect();
    if unseen.is_empty() {
        return Ok(Vec::new());
    }
    let change = FlagChange { op: FlagOp::Add, flags: SystemFlags::SEEN, keywords: Keywords::new() };
    let stored = store.store_flags(selected.id, &unseen, change, None).await?;
    let mut seen_now = Vec::with_capacity(stored.changed.len());
    for changed in stored.changed {
        selected.note_own_change(changed.uid, changed.modseq);
        seen_now.push(changed.uid);
        if let Ok(at) = metas.binary_search_by_key(&changed.uid, |m| m.uid) {
            metas[at] = changed;
        }
    }
    Ok(seen_now)
}

fn find(metas: &[MessageMeta], uid: Uid) -> Option<&MessageMeta> {
    metas.binary_search_by_key(&uid, |m| m.uid).ok().map(|at| &metas[at])
}

fn needs(attrs: &[FetchAttr]) -> Needs {
    let mut needs = Needs { summary: false, content_until: None };
    for attr in attrs {
        match attr {
            FetchAttr::Envelope | FetchAttr::Body | FetchAttr::BodyStructure => needs.summary = true,
            FetchAttr::BodySection { .. }
            | FetchAttr::Rfc822Header
            | FetchAttr::Rfc822Text
            | FetchAttr::Rfc822
            | FetchAttr::Binary { .. }
            | FetchAttr::BinarySize { .. } => {
                needs.summary = true;
                needs.content_until = Some(usize::MAX);
            }
            _ => {}
        }
    }
    needs
}

/// The FETCH items of one message, in the order asked, UID first for UID FETCH (RFC 9051 §6.4.9); true
/// when a BINARY item could not be decoded.
async fn items(
    store: &dyn Store,
    summaries: &SummaryCache,
    meta: &MessageMeta,
    command: &FetchCommand,
    needs: &Needs,
    uid_mode: bool,
    shown: FlagsShown,
) -> Option<(Vec<FetchItem>, bool)> {
    let flags = || {
        let mut flags = convert::flags(meta.flags, &meta.keywords);
        if shown.recent {
            flags.push(facteur_imap_proto::Flag::Recent);
        }
        FetchItem::Flags(flags)
    };
    let summary = if needs.summary { Some(summaries.get(store, meta).await?) } else { None };
    let content_end = match (&summary, needs.content_until) {
        (Some(summary), Some(_)) => Some(content_needed(&command.attrs, summary)),
        _ => None,
    };
    let content = match (content_end, &summary) {
        (Some(end), Some(summary)) => match stored_header(summary, end) {
            Some(header) => header,
            None => read_content(store, meta, end).await?,
        },
        _ => Vec::new(),
    };
    let wire_uid = WireUid::new(meta.uid.get());
    let mut out = Vec::with_capacity(command.attrs.len() + 2);
    let mut undecodable = false;
    if uid_mode && !command.attrs.contains(&FetchAttr::Uid) {
        out.extend(wire_uid.map(FetchItem::Uid));
    }
    for attr in &command.attrs {
        let item = match attr {
            FetchAttr::Flags => flags(),
            FetchAttr::InternalDate => FetchItem::InternalDate(convert::internal_date(meta.internal_date)),
            FetchAttr::Rfc822Size => FetchItem::Rfc822Size(meta.size),
            FetchAttr::Uid => match wire_uid {
                Some(uid) => FetchItem::Uid(uid),
                None => continue,
            },
            FetchAttr::ModSeq => FetchItem::ModSeq(meta.modseq.0),
            FetchAttr::Envelope | FetchAttr::Body | FetchAttr::BodyStructure => {
                let Some(summary) = &summary else { continue };
                match attr {
                    FetchAttr::Envelope => FetchItem::Envelope(Box::new(convert::envelope(&summary.envelope))),
                    FetchAttr::Body => FetchItem::Body(Box::new(convert::body_structure(&summary.body))),
                    _ => FetchItem::BodyStructure(Box::new(convert::body_structure(&summary.body))),
                }
            }
            FetchAttr::Rfc822 => FetchItem::Rfc822(Some(content.clone())),
            FetchAttr::Rfc822Header | FetchAttr::Rfc822Text => {
                let Some(summary) = &summary else { continue };
                let range = if *attr == FetchAttr::Rfc822Header { summary.header() } else { summary.text() };
                let bytes = content.get(range).unwrap_or_default().to_vec();
                if *attr == FetchAttr::Rfc822Header {
                    FetchItem::Rfc822Header(Some(bytes))
                } else {
                    FetchItem::Rfc822Text(Some(bytes))
                }
            }
            FetchAttr::BodySection { section, partial, .. } => {
                let Some(summary) = &summary else { continue };
                let data = apply_partial(locate(summary, section).extract(&content), *partial);
                FetchItem::BodySection { section: section.clone(), origin: partial.map(|p| p.offset), data: Some(data) }
            }
            FetchAttr::Binary { part, partial, .. } => {
                let Some(summary) = &summary else { continue };
                match binary_content(summary, part, &content) {
                    Some(data) => FetchItem::Binary {
                        part: part.clone(),
                        origin: partial.map(|p| p.offset),
                        data: Some(apply_partial(data, *partial)),
                    },
                    None => {
                        undecodable = true;
                        continue;
                    }
                }
            }
            FetchAttr::BinarySize { part } => {
                let Some(summary) = &summary else { continue };
                match binary_content(summary, part, &content) {
                    Some(data) => FetchItem::BinarySize { part: part.clone(), size: data.len() as u64 },
                    None => {
                        undecodable = true;
                        continue;
                    }
                }
            }
        };
        out.push(item);
    }
    if shown.seen_now && !command.attrs.contains(&FetchAttr::Flags) {
        // RFC 9051 §6.4.5: the \Seen the fetch set is reported with it.
        out.push(flags());
    }
    if command.changed_since.is_some() && !command.attrs.contains(&FetchAttr::ModSeq) {
        out.push(FetchItem::ModSeq(meta.modseq.0));
    }
    Some((out, undecodable))
}

/// The decoded content of a part (RFC 3516 §4.2); the whole message and multiparts come as they are.
fn binary_content(summary: &MessageSummary, part: &[u32], content: &[u8]) -> Option<Vec<u8>> {
    if part.is_empty() {
        return Some(content.to_vec());
    }
    let Some(found) = summary.part(part) else { return Some(Vec::new()) };
    let body = content.get(found.body()).unwrap_or_default();
    if found.is_multipart() || found.message.is_some() {
        return Some(body.to_vec());
    }
    binary::decode(&found.encoding, body)
}

/// How many bytes from the start the requested sections need: the header alone for the usual header-first
/// synchronisation, so a large message is not read for it.
fn content_needed(attrs: &[FetchAttr], summary: &MessageSummary) -> usize {
    let mut end = 0;
    for attr in attrs {
        let needed = match attr {
            FetchAttr::BodySection { section, .. } => locate(summary, section).end(),
            FetchAttr::Rfc822Header => summary.header().end,
            FetchAttr::Rfc822Text | FetchAttr::Rfc822 | FetchAttr::Binary { .. } | FetchAttr::BinarySize { .. } => {
                usize::MAX
            }
            _ => 0,
        };
        end = end.max(needed);
    }
    end
}

/// The first `end` bytes of the message from the header its summary keeps, when they lie within it.
fn stored_header(summary: &MessageSummary, end: usize) -> Option<Vec<u8>> {
    let header = summary.header.as_deref()?.as_bytes();
    header.get(..end).map(<[u8]>::to_vec)
}

/// The first `end` bytes of the message (all of it for `usize::MAX`), read no further wherever it is stored.
async fn read_content(store: &dyn Store, meta: &MessageMeta, end: usize) -> Option<Vec<u8>> {
    match u64::try_from(end) {
        Ok(end) if end < meta.size => store.read_blob_prefix(meta.blob, end).await.ok(),
        _ => store.read_blob(meta.blob).await.ok(),
    }
}
