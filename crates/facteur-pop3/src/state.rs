//! The session states of RFC 1939 §3: AUTHORIZATION → TRANSACTION → UPDATE, as types. Each command handler
//! matches on them, so a command given in the wrong state meets a visible refusal.

use std::collections::BTreeSet;

use facteur_store::{AccountId, MailboxId, Uid};

use crate::lock::MaildropLock;
use crate::maildrop::Maildrop;

/// Where a session is.
#[derive(Debug)]
pub enum State {
    /// RFC 1939 §4: identifying the user. `user` is the name a USER command gave, waiting for PASS.
    Authorization { user: Option<String> },
    /// RFC 1939 §5: logged in, working on the snapshot, holding the maildrop lock.
    Transaction(Box<Transaction>),
    /// RFC 1939 §6: entered only by QUIT from TRANSACTION. No command is read any more; the marked deletions
    /// are applied and the session ends. A session that ends in any other state deletes nothing.
    Update(Box<Transaction>),
}

impl State {
    pub fn start() -> State {
        State::Authorization { user: None }
    }
}

/// What a logged-in session holds.
#[derive(Debug)]
pub struct Transaction {
    pub account: AccountId,
    /// For logs.
    pub address: String,
    pub inbox: MailboxId,
    pub maildrop: Maildrop,
    /// Messages sent with RETR. They are flagged `\Seen` in one store write when the session ends (QUIT or
    /// not: they were downloaded either way), rather than one write per RETR.
    pub retrieved: BTreeSet<Uid>,
    /// Released at the end of the session: before QUIT is answered, or when the transaction is dropped,
    /// however else the session ends.
    pub lock: MaildropLock,
}
