//! What each local account sends, kept where every node sees it (issue 18): the messages and recipients it
//! submitted and when (the hourly rate limits and its usual volume), the final outcomes of its last remote
//! deliveries (its bounce rate), and whether its outgoing mail is held. The store counts and keeps; the rules
//! (limits, thresholds, when to hold) are `facteur-delivery`'s (`sending_policy.rs`).

use crate::ids::AccountId;

/// What an account submitted since a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendingUsage {
    pub messages: u64,
    pub recipients: u64,
}

/// The final outcomes of an account's last remote deliveries (a recipient delivered or bounced; deferrals
/// are not outcomes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeTally {
    pub outcomes: u64,
    pub bounced: u64,
}

/// An account whose queued mail is not attempted until the operator releases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHold {
    pub account: AccountId,
    /// The account's address (what the operator names it by).
    pub address: String,
    /// Why, with the figures, as the log said it.
    pub reason: String,
    /// Unix seconds.
    pub since: i64,
}
