//! The session states of RFC 5804 §1.7 and §2: before and after AUTHENTICATE, as types. Each handler matches
//! on them, so a command given in the wrong state meets a visible refusal.

use facteur_store::AccountId;

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Before AUTHENTICATE (or after UNAUTHENTICATE, §2.14.1): CAPABILITY, STARTTLS, AUTHENTICATE, NOOP,
    /// LOGOUT.
    NonAuthenticated,
    /// Logged in: the script commands.
    Authenticated(Owner),
}

/// The account whose scripts the session manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub account: AccountId,
    /// For logs and the OWNER capability (§1.7).
    pub address: String,
}
