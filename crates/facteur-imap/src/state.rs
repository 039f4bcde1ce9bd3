//! The session states of RFC 9051 §3, as values: what a command may touch is what its state holds.

use facteur_store::Account;

use crate::selected::Selected;

/// Where a session is. `Logout` is the state after LOGOUT, before the connection closes.
pub enum State {
    NotAuthenticated,
    Authenticated(Account),
    Selected(Account, Box<Selected>),
    Logout,
}

impl State {
    /// The logged-in account, in the states that have one.
    pub fn account(&self) -> Option<&Account> {
        match self {
            State::Authenticated(account) | State::Selected(account, _) => Some(account),
            State::NotAuthenticated | State::Logout => None,
        }
    }

    /// Leaves the selected mailbox, if any (CLOSE, UNSELECT, a failed SELECT).
    pub fn deselect(&mut self) {
        let state = std::mem::replace(self, State::Logout);
        *self = match state {
            State::Selected(account, _) => State::Authenticated(account),
            other => other,
        };
    }
}
