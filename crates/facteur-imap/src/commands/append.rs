//! APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315 §3), LITERAL+ (RFC 7888) and APPENDLIMIT (RFC 7889).
//!
//! The message arrives in chunks from the reader. Small ones are gathered in memory and stored with
//! `deliver_content` (inside the database, sharing the group commit); larger ones are streamed to a blob
//! file as they arrive and never held whole while being received. A destination that is a special-folder
//! alias ("Sent Items") lands in the account's mailbox for that role. A message sent as literal8 has its binary
//! parts re-encoded as base64 first (RFC 3516 §4.4).

use std::io::Write;
use std::sync::Arc;

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{AppendStart, Event, ResponseCode, SeqSet, StatusResponse, Tag, Uid as WireUid};
use facteur_message::{Indexed, encode_binary_parts, index};
use facteur_store::{BlobWriter, Delivered, Delivery, DeliveryTarget, Mailbox, Store, StoreError};
use tracing::warn;

use crate::commands::{resolve_mailbox, store_failure};
use crate::convert;
use crate::io::{Ending, Input};
use crate::session::Session;

/// Where the message data goes while it arrives.
enum Sink {
    Memory(Vec<u8>),
    File(Box<BlobWriter>),
}

impl Session<'_> {
    /// Receives the APPEND that `start` opens, up to its end, and answers it.
    pub(crate) async fn append(&mut self, mut start: AppendStart) -> Result<(), Ending> {
        let tag = start.tag.clone();
        let Some(account) = self.state.account().map(|a| a.id) else {
            self.client.reader.reject_append();
            return self.answer(tagged(StatusResponse::bad(None, "Log in first"), &tag)).await;
        };
        let store = self.server.store.as_ref();
        let target = match resolve_mailbox(store, account, &start.mailbox).await {
            Ok(Some(target)) => target,
            Ok(None) => {
                self.client.reader.reject_append();
                let no = StatusResponse::no(None, "No such mailbox").with_code(ResponseCode::TryCreate);
                return self.answer(tagged(no, &tag)).await;
            }
            Err(error) => {
                self.client.reader.reject_append();
                return self.answer(tagged(store_failure(&error), &tag)).await;
            }
        };
        let mut delivered: Vec<Delivered> = Vec::new();
        loop {
            let outcome = self.receive_message(&start, account, &target).await?;
            match outcome {
                Ok(copy) => delivered.push(copy),
                Err(refusal) => return self.answer(tagged(refusal, &tag)).await,
            }
            // MULTIAPPEND (RFC 3502) is not advertised, but a further message is taken the same way.
            match self.next_append_event().await? {
                Some(next) => start = next,
                None => break,
            }
        }
        // Forced: the new message may be in the selected mailbox, and EXISTS must precede the OK.
        self.catch_up(true, true).await?;
        let uids = SeqSet::from_numbers(delivered.iter().filter_map(|d| WireUid::new(d.uid.get())));
        let ok = StatusResponse::ok(None, "APPEND completed");
        let ok = match uids {
            Some(uids) => ok.with_code(ResponseCode::AppendUid { uid_validity: target.uidvalidity.0, uids }),
            None => ok,
        };
        self.answer(tagged(ok, &tag)).await
    }

    /// Waits for the end of the APPEND command, or the start of a further message.
    async fn next_append_event(&mut self) -> Result<Option<AppendStart>, Ending> {
        loop {
            match self.client.reader.next_event() {
                Ok(Event::AppendEnd(_)) => return Ok(None),
                Ok(Event::AppendStart(next)) => return Ok(Some(next)),
                Ok(Event::NeedMore) => self.wait_for_more().await?,
                Ok(_) | Err(_) => return Ok(None),
            }
        }
    }

    async fn wait_for_more(&mut self) -> Result<(), Ending> {
        self.client.flush().await?;
        let deadline = tokio::time::Instant::now() + self.patience();
        match self.client.receive(&mut self.shutdown, deadline).await? {
            Input::Received => Ok(()),
            Input::Closed => Err(Ending::Gone),
            Input::Shutdown => Err(self.client.goodbye("Server shutting down").await),
        }
    }

    /// Receives one message's data and stores it.
    async fn receive_message(
        &mut self,
        start: &AppendStart,
        account: facteur_store::AccountId,
        target: &Mailbox,
    ) -> Result<Result<Delivered, StatusResponse>, Ending> {
        let store = self.server.store.as_ref();
        // A binary (literal8) message is re-encoded before it is stored, so it is gathered whole; its size is
        // bounded by APPENDLIMIT like any other.
        let mut sink = if start.binary || start.literal_len <= self.server.settings.append_in_memory_max {
            Sink::Memory(Vec::with_capacity(start.literal_len as usize))
        } else {
            match store.blobs().writer() {
                Ok(writer) => Sink::File(Box::new(writer)),
                Err(error) => {
                    self.client.reader.reject_append();
                    return Ok(Err(store_failure(&error)));
                }
            }
        };
        if start.needs_continuation {
            self.client.continue_request("Ready for literal data");
        }
        let mut write_failed = None;
        // The reader's AppendEnd (or the next message's AppendStart) is left for `next_append_event`.
        while !received_all(&sink, start.literal_len) {
            match self.client.reader.next_event() {
                Ok(Event::AppendData(chunk)) => {
                    let written = match &mut sink {
                        Sink::Memory(buffer) => {
                            buffer.extend_from_slice(&chunk);
                            Ok(())
                        }
                        Sink::File(writer) => writer.write_all(&chunk),
                    };
                    if let Err(error) = written {
                        write_failed.get_or_insert(error);
                    }
                }
                Ok(Event::NeedMore) => self.wait_for_more().await?,
                Ok(_) => break,
                Err(error) => return Ok(Err(StatusResponse::bad(None, error.to_string()))),
            }
        }
        if let Some(error) = write_failed {
            warn!(%error, "APPEND: writing the message to a blob failed");
            return Ok(Err(
                StatusResponse::no(None, "Cannot store the message now").with_code(ResponseCode::Unavailable)
            ));
        }
        let (flags, keywords) = convert::split_flags(&start.flags);
        let internal_date = match &start.date {
            Some(date) => convert::unix_time(date),
            None => facteur_primitives::unix_now(),
        };
        let destination = DeliveryTarget { account, mailbox: Some(target.id), flags, keywords };
        let stored = match sink {
            Sink::Memory(content) => {
                // RFC 3516 §4.4: binary parts are stored as base64, so BODY[] can return them (BINARY[] decodes).
                let content = match start.binary {
                    true => encode_binary_parts(&content).unwrap_or(content),
                    false => content,
                };
                let indexed = index(&content);
                store
                    .deliver_content(
                        Arc::from(content),
                        indexed.summary,
                        internal_date,
                        vec![destination],
                        indexed.thread,
                        Some(indexed.text),
                    )
                    .await
            }
            Sink::File(writer) => deliver_streamed(store, *writer, internal_date, destination).await,
        };
        Ok(match stored {
            Ok(mut copies) if !copies.is_empty() => Ok(copies.remove(0)),
            Ok(_) => Err(StatusResponse::no(None, "Not stored").with_code(ResponseCode::ServerBug)),
            Err(error) => Err(store_failure(&error)),
        })
    }
}

/// Whether the sink has the whole literal (the reader then has the end of the command next).
fn received_all(sink: &Sink, expected: u64) -> bool {
    let len = match sink {
        Sink::Memory(buffer) => buffer.len() as u64,
        Sink::File(writer) => writer.len(),
    };
    len >= expected
}

/// Finishes the blob file (fsync, off the async threads), computes its summary, and delivers it.
async fn deliver_streamed(
    store: &dyn Store,
    writer: BlobWriter,
    internal_date: i64,
    target: DeliveryTarget,
) -> Result<Vec<Delivered>, StoreError> {
    let blob = tokio::task::spawn_blocking(move || writer.finish()).await.map_err(|_| StoreError::Closed)??;
    let content = store.blobs().read(blob)?;
    let indexed = tokio::task::spawn_blocking(move || index(&content)).await.map_err(|_| StoreError::Closed)?;
    let Indexed { summary, thread, text } = indexed;
    store.deliver(Delivery { blob, summary, internal_date, targets: vec![target], thread, text: Some(text) }).await
}

fn tagged(mut status: StatusResponse, tag: &Tag) -> StatusResponse {
    status.tag = Some(tag.clone());
    status
}
