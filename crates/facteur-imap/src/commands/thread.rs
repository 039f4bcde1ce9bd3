//! THREAD and UID THREAD (RFC 5256 §3) with ORDEREDSUBJECT and REFERENCES (see [`crate::threading`]).
//!
//! Message-ID and In-Reply-To come from the stored ENVELOPE, References from the header block the summary
//! keeps (read from the message only for the rare header that is not UTF-8).

use facteur_imap_proto::{Data, ResponseCode, StatusResponse, ThreadAlgorithm, ThreadCommand};
use facteur_message::header_fields;
use facteur_store::Store;

use crate::commands::sort::Sortable;
use crate::io::Ending;
use crate::session::Session;
use crate::threading::{Threadable, msg_ids, ordered_subject, references};

impl Session<'_> {
    pub(crate) async fn thread(&mut self, command: ThreadCommand) -> Result<StatusResponse, Ending> {
        if !["UTF-8", "US-ASCII"].iter().any(|known| known.eq_ignore_ascii_case(&command.charset)) {
            return Ok(StatusResponse::no(None, "Unsupported charset")
                .with_code(ResponseCode::BadCharset(vec!["UTF-8".into(), "US-ASCII".into()])));
        }
        if let ThreadAlgorithm::Other(name) = &command.algorithm {
            return Ok(StatusResponse::bad(None, format!("Unknown threading algorithm {name}")));
        }
        let found = match self.matching_with_keys(&command.search, true).await {
            Ok(found) => found,
            Err(refusal) => return Ok(refusal),
        };
        let store = self.server.store.as_ref();
        let mut messages = Vec::with_capacity(found.len());
        for sortable in found {
            messages.push(threadable(store, sortable, command.uid).await);
        }
        let threads = match command.algorithm {
            ThreadAlgorithm::OrderedSubject => ordered_subject(messages),
            _ => references(messages),
        };
        self.client.data(Data::Thread(threads));
        Ok(StatusResponse::ok(None, "THREAD completed"))
    }
}

async fn threadable(store: &dyn Store, message: Sortable, uid: bool) -> Threadable {
    let date = message.sent_date();
    let summary = message.summary.as_deref();
    let envelope = summary.map(|s| &s.envelope);
    let message_id = envelope.and_then(|e| e.message_id.as_deref()).and_then(|id| msg_ids(id).into_iter().next());
    let mut chain = match summary {
        Some(summary) => references_of(store, summary, &message.meta).await,
        None => Vec::new(),
    };
    // RFC 5256 §5 step 1A: without References, the first In-Reply-To msg-id.
    if chain.is_empty() {
        chain.extend(envelope.and_then(|e| e.in_reply_to.as_deref()).and_then(|v| msg_ids(v).into_iter().next()));
    }
    Threadable {
        number: if uid { message.meta.uid.get() } else { message.seq },
        seq: message.seq,
        date,
        // Subjects are compared with i;ascii-casemap, as SORT does (RFC 5256 §4).
        base_subject: message.base_subject.to_uppercase(),
        is_reply: message.is_reply,
        message_id,
        references: chain,
    }
}

/// The msg-ids of the References field.
async fn references_of(
    store: &dyn Store,
    summary: &facteur_message::MessageSummary,
    meta: &facteur_store::MessageMeta,
) -> Vec<String> {
    let read;
    let header = match summary.header.as_deref() {
        Some(header) => header.as_bytes(),
        None => {
            read = store.read_blob_prefix(meta.blob, summary.header_len).await.unwrap_or_default();
            &read[..]
        }
    };
    header_fields(header)
        .find(|field| field.name_is("References"))
        .map(|field| msg_ids(&field.unfolded_value()))
        .unwrap_or_default()
}
