//! The end of a session, and the UPDATE state (RFC 1939 §6).
//!
//! Only a session that said QUIT in TRANSACTION is in UPDATE, and only then are the marked messages removed:
//! all of them in one store call, atomically, so IMAP sessions see them expunged together. A connection
//! that drops, times out or is cut by shutdown ends in TRANSACTION and deletes nothing; a crash never gets
//! here at all. Either way the messages sent with RETR are flagged `\Seen` for IMAP clients.

use facteur_store::{FlagChange, FlagOp, Keywords, SpecialUse, Store, StoreError, SystemFlags, Uid};
use tracing::{info, warn};

use crate::response::{Response, ResponseCode};
use crate::session::Session;
use crate::settings::DeleAction;
use crate::state::{State, Transaction};

/// What the Trash mailbox is called when the account has none and DELE must create one.
const TRASH_NAME: &str = "Trash";

impl Session<'_> {
    /// Tells the store what the final state means; returns the answer to QUIT.
    pub(crate) async fn settle_final_state(&mut self) -> Response {
        let (answer, transaction) = match std::mem::replace(&mut self.state, State::start()) {
            State::Authorization { .. } => return self.signing_off(""),
            State::Transaction(transaction) => {
                self.flag_retrieved_as_seen(&transaction, &[]).await;
                (self.signing_off(""), transaction)
            }
            State::Update(transaction) => (self.update(&transaction).await, transaction),
        };
        // Before the answer: a client that logs in again as soon as it has it (here or on another node) must
        // find the maildrop free.
        transaction.lock.release().await;
        answer
    }

    async fn update(&self, transaction: &Transaction) -> Response {
        let marked = transaction.maildrop.marked_uids();
        let expunging = self.server.settings.dele_action == DeleAction::Expunge;
        // Flags of messages about to be expunged would be written for nothing. `marked` is ascending.
        let skip = if expunging { &marked[..] } else { &[] };
        self.flag_retrieved_as_seen(transaction, skip).await;
        if marked.is_empty() {
            return self.signing_off("");
        }
        match self.remove(transaction, &marked).await {
            Ok(()) => {
                let action = self.server.settings.dele_action;
                info!(user = %transaction.address, messages = marked.len(), ?action, "deleted at QUIT");
                self.signing_off(&format!(" ({} messages deleted)", marked.len()))
            }
            Err(error) => {
                warn!(user = %transaction.address, %error, "deletions at QUIT failed; nothing was removed");
                // RFC 1939 §6: "-ERR some deleted messages not removed".
                Response::err_with(ResponseCode::SysTemp, "Some deleted messages not removed, try again")
            }
        }
    }

    /// One store call: the change is all or nothing.
    async fn remove(&self, transaction: &Transaction, uids: &[Uid]) -> Result<(), StoreError> {
        let store = &self.server.store;
        match self.server.settings.dele_action {
            DeleAction::Expunge => store.expunge(transaction.inbox, uids).await.map(drop),
            DeleAction::Trash => {
                let trash = trash_mailbox(store.as_ref(), transaction).await?;
                store.move_messages(transaction.inbox, uids, trash).await.map(drop)
            }
        }
    }

    async fn flag_retrieved_as_seen(&self, transaction: &Transaction, skip: &[Uid]) {
        let uids: Vec<Uid> =
            transaction.retrieved.iter().filter(|uid| skip.binary_search(uid).is_err()).copied().collect();
        if uids.is_empty() {
            return;
        }
        let seen = FlagChange { op: FlagOp::Add, flags: SystemFlags::SEEN, keywords: Keywords::new() };
        if let Err(error) = self.server.store.store_flags(transaction.inbox, &uids, seen, None).await {
            warn!(user = %transaction.address, %error, "could not flag retrieved messages as seen");
        }
    }

    fn signing_off(&self, detail: &str) -> Response {
        Response::ok(format!("{} POP3 server signing off{detail}", self.server.settings.hostname))
    }
}

/// The account's Trash (special-use `\Trash`), created if it has none.
async fn trash_mailbox(store: &dyn Store, transaction: &Transaction) -> Result<facteur_store::MailboxId, StoreError> {
    if let Some(trash) = store.mailbox_by_role(transaction.account, SpecialUse::Trash).await? {
        return Ok(trash.id);
    }
    let trash = store.create_mailbox(transaction.account, TRASH_NAME, Some(SpecialUse::Trash)).await?;
    // Subscribed, so IMAP clients that show subscribed folders only find what POP3 set aside.
    store.set_subscribed(transaction.account, TRASH_NAME, true).await?;
    Ok(trash)
}
