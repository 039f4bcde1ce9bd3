//! DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), and what both do with a complete message: checks, the
//! sender check of `From:` and DKIM signing on submission, SPF/DKIM/DMARC checks on MX, trace headers,
//! persistence, the one final reply.

use std::borrow::Cow;

use facteur_delivery::{
    AcceptedMessage, FullMailboxes, PersistError, Persisted, Refusal, SubmitError, Submitted, persist_in_dialogue,
};
use facteur_primitives::metrics as metric;
use facteur_primitives::unix_now;
use facteur_store::Fate;

use facteur_net::Line;
use tracing::{info, warn};

use crate::body::{DataLine, DataReader, MessageBody, too_big};
use crate::commands::limits::rate_limited;
use crate::envelope::Envelope;
use crate::reply::Reply;
use crate::session::{DATA_LINE_MAX, Ending, Handled, Session};
use crate::settings::Face;
use crate::trace::{ReceivedFacts, TransactionId, received_header};

/// BDAT chunks are read in pieces of this size, each within the data timeout.
const CHUNK_PIECE: usize = 64 * 1024;

impl Session<'_> {
    pub(crate) async fn data(&mut self) -> Handled {
        let envelope = match self.state.take_envelope_for_data() {
            Ok(envelope) => envelope,
            Err(refusal) => return Ok(Some(refusal)),
        };
        // RFC 2034: 3xx replies carry no enhanced code.
        let go_ahead = Reply::bare(354, vec!["Start mail input; end with <CRLF>.<CRLF>".into()]);
        self.connection.write_all(&go_ahead.to_bytes()).await.map_err(|_| Ending::Gone)?;
        let mut reader = DataReader::new(self.server.settings.max_message_size);
        let data_timeout = self.server.settings.data_timeout;
        loop {
            match self.read_line_within(DATA_LINE_MAX, data_timeout).await? {
                Line::Complete(line) => {
                    if reader.push_line(&line) == DataLine::End {
                        break;
                    }
                }
                Line::TooLong => reader.push_overlong_line(),
            }
        }
        let untrusted = reader.ended_ambiguously();
        let reply = self.finish_message(envelope, reader.into_body()).await;
        if untrusted {
            self.answer(&reply).await?;
            return Err(Ending::Untrusted);
        }
        Ok(Some(reply))
    }

    /// One chunk. The chunk's octets are always read, whatever the reply, so the next command is found
    /// where the client put it (RFC 3030 §2) — except a chunk larger than any message we take, after which
    /// the session closes rather than read it.
    pub(crate) async fn bdat(&mut self, chunk_size: usize, is_last: bool) -> Handled {
        let max_size = self.server.settings.max_message_size;
        if chunk_size as u64 > max_size {
            self.state.finish_chunking();
            self.answer(&too_big()).await?;
            return Err(Ending::Untrusted);
        }
        let refusal = self.state.body_for_chunk(max_size).err();
        let mut piece = vec![0u8; chunk_size.min(CHUNK_PIECE)];
        let mut remaining = chunk_size;
        while remaining > 0 {
            let length = remaining.min(CHUNK_PIECE);
            self.read_exact_within(&mut piece[..length], self.server.settings.data_timeout).await?;
            if refusal.is_none()
                && let Ok(body) = self.state.body_for_chunk(max_size)
            {
                body.append(&piece[..length]);
            }
            remaining -= length;
        }
        if let Some(refusal) = refusal {
            return Ok(Some(refusal));
        }
        let over_limit = self.state.body_for_chunk(max_size).is_ok_and(|body| body.is_over_limit());
        if !is_last && !over_limit {
            return Ok(Some(Reply::new(250, "2.0.0", format!("{chunk_size} octets received"))));
        }
        let Some((envelope, body)) = self.state.finish_chunking() else {
            return Ok(Some(Reply::bad_sequence("Need MAIL and RCPT before BDAT")));
        };
        if over_limit {
            // The transaction ends here; further chunks get 503 and are read and dropped.
            return Ok(Some(too_big()));
        }
        Ok(Some(self.finish_message(envelope, body).await))
    }

    /// Judges, stores and answers for a complete message: the one reply to DATA or BDAT LAST.
    async fn finish_message(&mut self, envelope: Envelope, body: MessageBody) -> Reply {
        if let Err(refusal) = body.verdict(&envelope) {
            info!(code = refusal.code, status = refusal.status, size = body.size(), "message refused");
            let refused = recipients_of(&envelope);
            self.record_inbound(&envelope.sender.bracketed(), &refused, Fate::Refused, &refusal, None);
            return refusal;
        }
        let id = TransactionId::generate();
        let now = unix_now();
        let settings = &self.server.settings;
        let greeting = self.state.greeting.as_ref();
        let received = received_header(&ReceivedFacts {
            helo: greeting.map_or("unknown", |greeting| greeting.name.as_str()),
            peer: self.connection.peer_addr().ip(),
            hostname: &settings.hostname,
            extended: greeting.is_some_and(|greeting| greeting.extended),
            tls: self.state.tls,
            authenticated: self.state.authenticated.is_some(),
            smtputf8: envelope.smtputf8,
            id: &id,
            now,
        });
        let expires_at = now.saturating_add(i64::try_from(settings.queue_lifetime.as_secs()).unwrap_or(i64::MAX));
        let size = body.size();
        let sender = envelope.sender.bracketed();
        let recipients = envelope.recipients.len();
        let content = body.into_bytes();
        // Kept for a report if one of several recipients turns out to have a full mailbox.
        let original = (recipients > 1).then(|| content.clone());
        let arrival = Arrival { received, now, expires_at };
        let stored = match settings.face {
            Face::Submission => self.submit(&envelope, content, arrival).await,
            Face::Mx => self.receive(&envelope, content, arrival).await,
        };
        match stored {
            Ok(persisted) => {
                if let (false, Some(original)) = (persisted.over_quota.is_empty(), original) {
                    self.report_full_mailboxes(&envelope, &original, &persisted.over_quota, now).await;
                }
                // One id for the client, the log and `facteur queue show`: the queue's, when the message waits
                // in the queue; else (delivered here only) the transaction's, which the Received: field names.
                let reference = persisted.queued.map_or_else(|| id.to_string(), |queued| queued.0.to_string());
                info!(%id, queue_id = %reference, size, %sender, recipients, local = persisted.local_copies, junk = persisted.junk, "message accepted");
                let protocol = self.server.settings.face.metric_label();
                metrics::counter!(metric::MESSAGES_ACCEPTED_TOTAL, metric::labels::PROTOCOL => protocol).increment(1);
                let reply = Reply::new(250, "2.0.0", format!("OK queued as {reference}"));
                let accepted = recipients_of(&envelope);
                let accepted: Vec<String> =
                    accepted.into_iter().filter(|r| !persisted.over_quota.contains(r)).collect();
                self.record_inbound(&sender, &accepted, Fate::Accepted, &reply, persisted.queued);
                reply
            }
            Err(refusal) => {
                info!(%id, code = refusal.code, status = refusal.status, "message not accepted");
                self.record_inbound(&sender, &recipients_of(&envelope), Fate::Refused, &refusal, None);
                refusal
            }
        }
    }

    /// The message is stored for the others; the sender hears about the full mailboxes by a report. A report
    /// that cannot be stored is logged: the message itself is safe, and the answer to DATA stays 250.
    async fn report_full_mailboxes(&self, envelope: &Envelope, original: &[u8], full: &[String], now: i64) {
        let settings = &self.server.settings;
        let envelope = envelope.for_delivery();
        let refused = FullMailboxes {
            hostname: &settings.hostname,
            lifetime: settings.queue_lifetime,
            envelope: &envelope,
            original,
            full,
            now,
        };
        let reported = facteur_delivery::report_full_mailboxes(&self.server.store, &self.server.filtering, refused);
        if let Err(error) = reported.await {
            warn!(%error, refused = %full.join(", "), "mailbox full: the failure report could not be stored");
        }
    }

    /// MX: SPF/DKIM/DMARC and the receiving policy decide, then the one persist path.
    async fn receive(&self, envelope: &Envelope, content: Vec<u8>, arrival: Arrival) -> Result<Persisted, Reply> {
        let checked = self.check_inbound(envelope, content).await?;
        let spam = self.judge_spam(envelope, &checked.content, checked.authenticated_domain.as_deref()).await?;
        let message = AcceptedMessage {
            envelope: envelope.for_delivery(),
            trace: format!("{}{}", checked.authentication_results.unwrap_or_default(), arrival.received),
            content: checked.content,
            filing: checked.filing,
            spam,
            now: arrival.now,
            expires_at: arrival.expires_at,
            sender_account: None,
        };
        let persisted = persist_in_dialogue(&self.server.store, &self.server.filtering, message);
        persisted.await.map_err(|error| match error {
            PersistError::OverQuota { address, .. } => over_quota(&address),
            PersistError::Refused(refusal) => refused_by_filters(&refusal),
            PersistError::Store(error) => Reply::store_failure(&error, "storing a message"),
            error => storage_failure(&error),
        })
    }

    /// Submission: the one submission path of `facteur-delivery` (ownership of the sender and `From:`, our
    /// DKIM signature, persist); only the replies are SMTP's.
    async fn submit(&self, envelope: &Envelope, content: Vec<u8>, arrival: Arrival) -> Result<Persisted, Reply> {
        let Some(account) = &self.state.authenticated else {
            return Err(Reply::new(530, "5.7.0", "Authentication required"));
        };
        let Arrival { received, now, expires_at } = arrival;
        let message = Submitted { envelope: envelope.for_delivery(), trace: received, content, now, expires_at };
        self.server.submission.submit_in_dialogue(account, message).await.map_err(|error| match error {
            SubmitError::NotOwned { address, from_header } => {
                warn!(user = %account.address, %address, from_header, "refused a sender address the user does not own");
                let what = if from_header { "From: header address" } else { "Sender address" };
                Reply::new(553, "5.7.1", format!("{what} not owned by the authenticated user"))
            }
            SubmitError::OverQuota { address } => over_quota(&address),
            SubmitError::Refused(refusal) => refused_by_filters(&refusal),
            // 450 whichever limit: after DATA the whole message is refused, not one recipient.
            SubmitError::RateLimited(limited) => Reply { code: 450, ..rate_limited(&limited) },
            // RFC 3463 X.7.1: refused by policy; a 5xx, since sending it again would change nothing.
            SubmitError::Spam { rule } => Reply::new(554, "5.7.1", format!("Message refused as spam ({rule})")),
            SubmitError::Store(error) => Reply::store_failure(&error, "storing a submitted message"),
            error => storage_failure(&error),
        })
    }
}

/// What this server adds to a message it accepts: its `Received:` field, and when.
struct Arrival {
    received: String,
    /// Unix seconds: INTERNALDATE of local copies.
    now: i64,
    /// Unix seconds: when queued copies give up.
    expires_at: i64,
}

/// RFC 3463 X.2.2: a local recipient's mailbox is full; nothing was delivered.
fn over_quota(address: &str) -> Reply {
    info!(%address, "message refused: mailbox over quota");
    Reply::new(552, "5.2.2", "Mailbox full")
}

/// RFC 5429 §2.1.1, §2.5: every recipient's Sieve script refused the message; 550 with the enhanced code it
/// recommends and the reason, one reply line per line of it (made safe by `facteur-delivery`).
fn refused_by_filters(refusal: &Refusal) -> Reply {
    Reply { code: 550, status: Some("5.7.1"), lines: refusal.lines().iter().cloned().map(Cow::Owned).collect() }
}

/// Nothing was stored (a task failed, not the store: those go to [`Reply::store_failure`]): the client
/// keeps the message and tries again (RFC 5321 §4.2.5's 451).
fn storage_failure(error: &dyn std::error::Error) -> Reply {
    warn!(%error, "message could not be stored");
    Reply::local_error()
}

/// The envelope's recipients, as they were given.
fn recipients_of(envelope: &Envelope) -> Vec<String> {
    envelope.recipients.iter().map(|recipient| recipient.mailbox.to_string()).collect()
}
