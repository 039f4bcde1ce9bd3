//! The connection loop: read until the reader yields an event, hand it to the session, answer, repeat.
//! Limits wrap the loop (error count, idle timeout in the connection, sizes in the reader); command handlers
//! do not see sockets.

use facteur_imap_proto::{
    Command, CommandBody, CommandError, CommandReader, Event, ResponseCode, StatusKind, StatusResponse, Tag,
};
use facteur_net::{Connection, ShutdownSignal};
use facteur_primitives::metrics::{CommandTimer, protocols};
use facteur_store::{Change, StoreError};
use tokio::sync::broadcast::{self, error::TryRecvError};
use tracing::{debug, warn};

use crate::capability::{self, Situation};
use crate::dispatch;
use std::time::Duration;

use tokio::time::Instant;

use crate::io::{AUTOLOGOUT, Client, Ending, Input};
use crate::server::ImapServer;
use crate::state::State;

/// One client connection from greeting to goodbye.
pub struct Session<'a> {
    pub server: &'a ImapServer,
    pub client: Client,
    pub state: State,
    pub shutdown: ShutdownSignal,
    /// Store notifications: they only say "look again" for the selected mailbox.
    pub bus: broadcast::Receiver<Change>,
    /// STARTTLS was accepted: the handshake follows the tagged OK.
    pub tls_after_reply: bool,
    /// COMPRESS was accepted: compression starts right after the tagged OK (RFC 4978 §3).
    pub compress_after_reply: bool,
    /// The tag of the command being run (ESEARCH responses carry it, RFC 4731 §3.2).
    pub current_tag: Option<Tag>,
    /// When the command being received must be complete: set when the session starts waiting for one, kept
    /// while it arrives, so a client trickling a byte at a time is cut like a silent one.
    command_deadline: Option<Instant>,
}

/// May untagged EXPUNGE be sent after this command? RFC 9051 §7.5.1: not while responding to FETCH, STORE
/// or SEARCH (by sequence number, whose numbers it would shift); MOVE and EXPUNGE send their own.
fn expunges_allowed_after(body: &CommandBody) -> bool {
    match body {
        CommandBody::Fetch(fetch) => matches!(fetch.set, facteur_imap_proto::MessageSet::Uid(_)),
        CommandBody::Store(store) => matches!(store.set, facteur_imap_proto::MessageSet::Uid(_)),
        CommandBody::Copy { set, .. } | CommandBody::Move { set, .. } => {
            matches!(set, facteur_imap_proto::MessageSet::Uid(_))
        }
        CommandBody::Search(search) => search.uid,
        CommandBody::Sort(sort) => sort.uid,
        CommandBody::Thread(thread) => thread.uid,
        _ => true,
    }
}

/// Commands after which the store is asked for changes even without a bus notification.
fn always_catches_up(body: &CommandBody) -> bool {
    // COPY and MOVE may target the selected mailbox itself: its EXISTS belongs before their OK.
    matches!(
        body,
        CommandBody::Noop
            | CommandBody::Check
            | CommandBody::Idle
            | CommandBody::Copy { .. }
            | CommandBody::Move { .. }
    )
}

impl<'a> Session<'a> {
    pub fn new(server: &'a ImapServer, connection: Connection, shutdown: ShutdownSignal) -> Session<'a> {
        let reader = CommandReader::new(server.settings.limits.clone());
        let bus = server.store.subscribe();
        Session {
            server,
            client: Client::new(connection, reader),
            state: State::NotAuthenticated,
            shutdown,
            bus,
            tls_after_reply: false,
            compress_after_reply: false,
            current_tag: None,
            command_deadline: None,
        }
    }

    pub async fn run(mut self) {
        let ending = self.serve().await;
        debug!(?ending, "IMAP session ended");
        if !matches!(ending, Err(Ending::Gone)) {
            let _ = self.client.connection.close().await;
        }
    }

    async fn serve(&mut self) -> Result<(), Ending> {
        let greeting = format!("{} Facteur IMAP server ready", self.server.settings.hostname);
        self.client.untagged_ok(ResponseCode::Capability(self.capabilities()), &greeting);
        loop {
            let event = self.client.reader.next_event();
            if !matches!(event, Ok(Event::NeedMore)) {
                self.command_deadline = None;
            }
            match event {
                Ok(Event::NeedMore) => self.wait_for_input().await?,
                Ok(Event::Continue { .. }) => self.client.continue_request("Ready for literal data"),
                Ok(Event::Command(command)) => self.command(command).await?,
                Ok(Event::AppendStart(start)) => self.append(start).await?,
                // Data of an APPEND the session refused; the reader skips it itself.
                Ok(Event::AppendData(_) | Event::AppendEnd(_)) => {}
                Err(error) => self.refuse_malformed(error).await?,
            }
            if matches!(self.state, State::Logout) {
                self.client.flush().await?;
                return Err(Ending::Logout);
            }
        }
    }

    async fn wait_for_input(&mut self) -> Result<(), Ending> {
        self.client.flush().await?;
        let patience = self.patience();
        let deadline = *self.command_deadline.get_or_insert_with(|| Instant::now() + patience);
        match self.client.receive(&mut self.shutdown, deadline).await? {
            Input::Received => Ok(()),
            Input::Closed => Err(Ending::Gone),
            Input::Shutdown => Err(self.client.goodbye("Server shutting down").await),
        }
    }

    /// How long the client may take to send a command: the connection's idle timeout before login, 30 minutes
    /// after (RFC 9051 §5.4).
    pub fn patience(&self) -> Duration {
        if self.state.account().is_some() { AUTOLOGOUT } else { self.client.connection.idle_timeout() }
    }

    /// What CAPABILITY says now.
    pub fn capabilities(&self) -> Vec<String> {
        let tls = self.client.connection.is_tls();
        capability::capabilities(Situation {
            authenticated: self.state.account().is_some(),
            starttls_available: !tls && self.client.connection.starttls_available(),
            may_send_password: tls || self.server.settings.allow_plaintext_auth,
            channel_binding: self.client.connection.tls_exporter().is_some(),
            append_limit: self.server.settings.limits.max_append,
        })
    }

    async fn command(&mut self, command: Command) -> Result<(), Ending> {
        let Command { tag, body } = command;
        self.current_tag = Some(tag.clone());
        let allow_expunge = expunges_allowed_after(&body);
        let force = always_catches_up(&body);
        let timer_is_idle = matches!(body, CommandBody::Idle);
        let timer = CommandTimer::start(protocols::IMAP, body.name());
        let mut reply = dispatch::dispatch(self, body).await?;
        self.catch_up(allow_expunge, force).await?;
        reply.tag = Some(tag);
        self.answer(reply).await?;
        // IDLE lasts as long as the client wants: counted, not timed.
        if timer_is_idle {
            timer.count();
        } else {
            timer.stop();
        }
        if self.tls_after_reply {
            self.upgrade_to_tls().await?;
        }
        if self.compress_after_reply {
            self.compress_after_reply = false;
            self.client.flush().await?;
            let pipelined = self.client.reader.take_unprocessed();
            self.client.start_compression(&pipelined);
        }
        Ok(())
    }

    /// Sends a tagged answer, counting BADs: a client that keeps sending nonsense is closed.
    pub async fn answer(&mut self, reply: StatusResponse) -> Result<(), Ending> {
        let bad = reply.kind == StatusKind::Bad;
        self.client.status(reply);
        if bad {
            self.client.errors += 1;
            if self.client.errors >= self.server.settings.max_errors {
                return Err(self.client.goodbye("Too many invalid commands").await);
            }
        }
        self.client.pump().await
    }

    async fn refuse_malformed(&mut self, error: CommandError) -> Result<(), Ending> {
        let mut bad = StatusResponse::bad(error.tag.clone(), error.to_string());
        if error.is_too_big() {
            bad = bad.with_code(ResponseCode::TooBig);
        }
        self.answer(bad).await
    }

    /// Reports what other sessions did to the selected mailbox, where the protocol allows it.
    pub async fn catch_up(&mut self, allow_expunge: bool, force: bool) -> Result<(), Ending> {
        let State::Selected(_, selected) = &mut self.state else { return Ok(()) };
        loop {
            match self.bus.try_recv() {
                Ok(change) if change.mailbox == selected.id => selected.dirty = true,
                Ok(_) => {}
                Err(TryRecvError::Lagged(_)) => selected.dirty = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        if !(selected.dirty || force) {
            return Ok(());
        }
        let enabled = self.client.enabled;
        match selected.catch_up(self.server.store.as_ref(), &self.server.recent, allow_expunge, enabled).await {
            Ok(updates) => {
                for data in updates {
                    self.client.data(data);
                }
                Ok(())
            }
            Err(StoreError::NoSuchMailbox(_)) => Err(self.client.goodbye("The selected mailbox was deleted").await),
            Err(error) => {
                warn!(%error, "store error while catching up with the selected mailbox");
                Ok(())
            }
        }
    }
}
