//! What the caller provides while a script runs: the clock, the store's answers and the owner's identity.
//! The crate does no I/O; every question it must ask the world goes through [`Environment`].

/// Where an `include`d script lives (RFC 6609 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncludeLocation {
    /// The owner's own scripts (`:personal`, the default).
    Personal,
    /// Scripts the administrator shares with every account (`:global`).
    Global,
}

/// What kind of record a [`TrackingKey`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackingKind {
    /// A `duplicate` test's unique id (RFC 7352).
    Duplicate,
    /// A vacation reply sent to a sender (RFC 5230 §4.2): `value` is the sender's address.
    Vacation,
}

/// A record the caller keeps for a while, per account: "this id was seen", "this sender was answered".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingKey {
    pub kind: TrackingKind,
    /// The `:handle` (RFC 7352 §3.1, RFC 5230 §4.2): records of different handles never meet.
    pub handle: String,
    pub value: String,
}

/// The caller's side of an evaluation. Only `now` and `mailbox_exists` have no sensible default.
pub trait Environment {
    /// The current time, unix seconds (`currentdate`, RFC 5260 §5).
    fn now(&self) -> i64;

    /// The server's local time zone as minutes east of UTC: `date` and `currentdate` use it when the script
    /// names no `:zone` (RFC 5260 §4.1).
    fn local_offset_minutes(&self) -> i32 {
        0
    }

    /// Whether the owner has a mailbox of this name (`mailboxexists`, RFC 5490 §3.1).
    fn mailbox_exists(&mut self, name: &str) -> bool;

    /// Whether `key` was recorded and has not expired yet (`duplicate`, RFC 7352; vacation's once per period,
    /// RFC 5230 §4.2). Records are written by the caller from [`crate::Outcome::tracking`] once the message
    /// has been delivered: a failed delivery must not count as seen (RFC 7352 §3).
    fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        let _ = key;
        false
    }

    /// The source of the script `name` at `location`, or `None` when there is none (`include`, RFC 6609).
    /// The crate compiles it, detects loops and bounds the depth.
    fn include(&mut self, location: IncludeLocation, name: &str) -> Option<String> {
        let _ = (location, name);
        None
    }

    /// The owner's addresses besides the envelope recipient (aliases, identities): vacation answers only mail
    /// addressed to one of them and never mail from one of them (RFC 5230 §4.5).
    fn own_addresses(&self) -> Vec<String> {
        Vec::new()
    }

    /// How many steps (commands, tests and comparisons) the evaluation may take before it fails with
    /// [`crate::RuntimeError::StepBudgetExceeded`]; the caller then keeps the message.
    fn step_budget(&self) -> u64 {
        100_000
    }
}
