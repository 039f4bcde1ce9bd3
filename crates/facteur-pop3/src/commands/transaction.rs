//! The TRANSACTION state (RFC 1939 §5, §7): STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, and QUIT into
//! UPDATE. Everything works on the snapshot taken at login; DELE and RSET only change marks in it.

use facteur_message::MessageSummary;
use facteur_store::{BlobId, StoreError};

use crate::command::{Command, MessageNumber};
use crate::content::{self, DotStuffer};
use crate::maildrop::{Maildrop, MaildropMessage};
use crate::response::Response;
use crate::session::{Ending, Handled, Session};
use crate::state::{State, Transaction};

impl Session<'_> {
    pub(crate) async fn transaction_command(&mut self, command: Command) -> Handled {
        let response = match command {
            Command::Stat => self.on_maildrop(|maildrop| {
                let (count, octets) = maildrop.stat();
                Response::ok(format!("{count} {octets}"))
            }),
            Command::List(number) => self.on_maildrop(|maildrop| list(maildrop, number)),
            Command::Uidl(number) => self.on_maildrop(|maildrop| uidl(maildrop, number)),
            Command::Dele(number) => self.on_maildrop(|maildrop| match maildrop.mark_deleted(number) {
                Ok(()) => Response::ok(format!("Message {number} marked for deletion at QUIT")),
                Err(missing) => Response::err(missing.to_string()),
            }),
            Command::Rset => self.on_maildrop(|maildrop| {
                maildrop.unmark_all();
                let (count, octets) = maildrop.stat();
                Response::ok(format!("Maildrop has {count} messages ({octets} octets)"))
            }),
            Command::Noop => Response::ok(""),
            Command::Retr(number) => return self.send_message(number, None).await,
            Command::Top(number, lines) => return self.send_message(number, Some(lines)).await,
            Command::Quit => return self.enter_update(),
            Command::Capa => self.capabilities(),
            Command::User(_) | Command::Pass(_) | Command::Apop | Command::Auth { .. } | Command::Stls => {
                self.protocol_error(Response::err("Already logged in"))
            }
        };
        Ok(Some(response))
    }

    /// Runs a command that only looks at or marks the snapshot.
    fn on_maildrop(&mut self, command: impl FnOnce(&mut Maildrop) -> Response) -> Response {
        match self.transaction() {
            Some(transaction) => command(&mut transaction.maildrop),
            None => Response::err("Not logged in"),
        }
    }

    fn transaction(&mut self) -> Option<&mut Transaction> {
        match &mut self.state {
            State::Transaction(transaction) => Some(transaction),
            _ => None,
        }
    }

    /// RFC 1939 §6: QUIT from TRANSACTION enters UPDATE; the session applies it as it ends.
    fn enter_update(&mut self) -> Handled {
        if let State::Transaction(transaction) = std::mem::replace(&mut self.state, State::start()) {
            self.state = State::Update(transaction);
        }
        Err(Ending::Quit)
    }

    /// RETR (`lines` is `None`) and TOP: the stored bytes, dot-stuffed, in chunks.
    async fn send_message(&mut self, number: MessageNumber, lines: Option<u32>) -> Handled {
        let Some(transaction) = self.transaction() else {
            return Ok(Some(Response::err("Not logged in")));
        };
        let message = match transaction.maildrop.get(number) {
            Ok(message) => message.clone(),
            Err(missing) => return Ok(Some(Response::err(missing.to_string()))),
        };
        let bytes = match self.server.store.read_blob(message.blob).await {
            Ok(bytes) => bytes,
            Err(error) => return Ok(Some(unreadable(error))),
        };
        let (status, wire) = match lines {
            None => (format!("{} octets", message.size), &bytes[..]),
            Some(lines) => {
                let header_len = self.header_len(message.blob, &bytes).await;
                ("Top of message follows".to_owned(), content::top(&bytes, header_len, lines))
            }
        };
        self.write(&Response::ok(status).to_bytes()).await?;
        let mut stuffer = DotStuffer::new(wire);
        let mut chunk = Vec::with_capacity(content::CHUNK.min(wire.len() + 16));
        while stuffer.next_chunk(&mut chunk) {
            self.write(&chunk).await?;
        }
        if lines.is_none()
            && let Some(transaction) = self.transaction()
        {
            transaction.retrieved.insert(message.uid);
        }
        Ok(None)
    }

    /// Where the header ends, from the summary computed at delivery (parse once); recomputed only for a
    /// message stored without one.
    async fn header_len(&self, blob: BlobId, bytes: &[u8]) -> u64 {
        let stored = self.server.store.message_summary(blob).await.ok().flatten();
        match stored.as_deref().map(MessageSummary::from_bytes) {
            Some(Ok(summary)) => summary.header_len,
            _ => facteur_message::ingest(bytes).header_len,
        }
    }
}

/// LIST: one scan listing, or all of them (RFC 1939 §7).
fn list(maildrop: &Maildrop, number: Option<MessageNumber>) -> Response {
    listing(maildrop, number, |_, message| message.size.to_string())
}

/// UIDL: one unique-id listing, or all of them (RFC 1939 §7).
fn uidl(maildrop: &Maildrop, number: Option<MessageNumber>) -> Response {
    listing(maildrop, number, |maildrop, message| maildrop.unique_id(message))
}

fn listing(
    maildrop: &Maildrop,
    number: Option<MessageNumber>,
    value: impl Fn(&Maildrop, &MaildropMessage) -> String,
) -> Response {
    match number {
        Some(number) => match maildrop.get(number) {
            Ok(message) => Response::ok(format!("{number} {}", value(maildrop, message))),
            Err(missing) => Response::err(missing.to_string()),
        },
        None => {
            let (count, octets) = maildrop.stat();
            let lines = maildrop.live().map(|(number, message)| format!("{number} {}", value(maildrop, message)));
            Response::listing(format!("{count} messages ({octets} octets)"), lines.collect())
        }
    }
}

/// The message went away under us (expunged over IMAP since login), or the store failed.
fn unreadable(error: StoreError) -> Response {
    match error {
        StoreError::BlobMissing(_) => Response::err("Message was removed by another session"),
        error => Response::store_failure(&error, "reading a message"),
    }
}
