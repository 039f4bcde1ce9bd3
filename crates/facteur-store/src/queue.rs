//! The outbound queue's data: messages waiting to be relayed and the state of each recipient. The delivery
//! engine that works the queue lives in `facteur-smtp`.

use std::fmt;
use std::str::FromStr;

use crate::account::Address;
use crate::blob::BlobId;
use crate::error::{Result, StoreError};
use crate::ids::{AccountId, QueueId};

/// DSN `RET` (RFC 3461 §4.3): what a bounce should carry back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    Full,
    Headers,
}

/// DSN `NOTIFY` (RFC 3461 §4.1) as a bitset; `NEVER` is the empty set. `Notify::default()` is "not given",
/// which RFC 3461 §4.1 says to treat as FAILURE,DELAY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Notify(u8);

impl Notify {
    pub const NEVER: Notify = Notify(0);
    pub const SUCCESS: Notify = Notify(1);
    pub const FAILURE: Notify = Notify(1 << 1);
    pub const DELAY: Notify = Notify(1 << 2);

    pub fn from_bits(bits: u8) -> Notify {
        Notify(bits & 0b111)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, other: Notify) -> bool {
        self.0 & other.0 == other.0
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify(Notify::FAILURE.0 | Notify::DELAY.0)
    }
}

impl std::ops::BitOr for Notify {
    type Output = Notify;
    fn bitor(self, rhs: Notify) -> Notify {
        Notify(self.0 | rhs.0)
    }
}

/// A message handed to the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    /// Must have been stored with the blob store first; the queue holds a reference on it until removed.
    pub blob: BlobId,
    /// The envelope sender; empty for the null reverse-path of bounces (RFC 5321 §4.5.5).
    pub return_path: String,
    /// DSN `ENVID` (RFC 3461 §4.4).
    pub envid: Option<String>,
    pub ret: Option<Ret>,
    /// When to give up and bounce, unix seconds.
    pub expires_at: i64,
    /// `REQUIRETLS` (RFC 8689).
    pub require_tls: bool,
    pub recipients: Vec<QueuedRecipient>,
    /// The local account that submitted it: its mail is held as one ([`crate::sending`]). `None` for our
    /// reports and for mail forwarded on.
    pub account: Option<AccountId>,
}

/// A message handed to the queue with its bytes ([`Store::enqueue_content`](crate::Store::enqueue_content)):
/// everything of a [`QueuedMessage`] but the blob, which the store derives from the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEnvelope {
    /// The envelope sender; empty for the null reverse-path of bounces (RFC 5321 §4.5.5).
    pub return_path: String,
    /// DSN `ENVID` (RFC 3461 §4.4).
    pub envid: Option<String>,
    pub ret: Option<Ret>,
    /// When to give up and bounce, unix seconds.
    pub expires_at: i64,
    /// `REQUIRETLS` (RFC 8689): only over verified TLS to servers that offer REQUIRETLS, else not at all.
    pub require_tls: bool,
    pub recipients: Vec<QueuedRecipient>,
    /// The local account that submitted it, if one did.
    pub account: Option<AccountId>,
}

impl QueuedEnvelope {
    /// The queued message this envelope makes with the content stored as `blob`.
    pub fn with_blob(self, blob: BlobId) -> QueuedMessage {
        let QueuedEnvelope { return_path, envid, ret, expires_at, require_tls, recipients, account } = self;
        QueuedMessage { blob, return_path, envid, ret, expires_at, require_tls, recipients, account }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRecipient {
    pub address: String,
    /// DSN `ORCPT` (RFC 3461 §4.2), as received (`addr-type;xtext`).
    pub orcpt: Option<String>,
    pub notify: Notify,
}

/// Where a recipient of a queued message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientStatus {
    /// To be tried (again) at `next_attempt`.
    Pending,
    Delivered,
    /// Permanently failed, or expired.
    Failed,
    /// Kept aside by the operator; not tried until released.
    Held,
}

impl RecipientStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientStatus::Pending => "pending",
            RecipientStatus::Delivered => "delivered",
            RecipientStatus::Failed => "failed",
            RecipientStatus::Held => "held",
        }
    }
}

impl fmt::Display for RecipientStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecipientStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        [RecipientStatus::Pending, RecipientStatus::Delivered, RecipientStatus::Failed, RecipientStatus::Held]
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(())
    }
}

/// A queued message and the state of each of its recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub id: QueueId,
    pub blob: BlobId,
    pub return_path: String,
    pub envid: Option<String>,
    pub ret: Option<Ret>,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
    /// `REQUIRETLS` (RFC 8689).
    pub require_tls: bool,
    pub recipients: Vec<QueueRecipient>,
    /// The local account that submitted it, if one did.
    pub account: Option<AccountId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRecipient {
    pub address: String,
    pub orcpt: Option<String>,
    pub notify: Notify,
    pub status: RecipientStatus,
    pub attempts: u32,
    /// Unix seconds.
    pub next_attempt: i64,
    /// The last SMTP reply (or local error) seen for this recipient.
    pub last_reply: Option<String>,
}

/// The outcome of one delivery attempt to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub status: RecipientStatus,
    pub next_attempt: i64,
    pub reply: Option<String>,
}

/// An operator's action on queued messages (`facteur queue retry|hold|release|delete --bounce`). None of them
/// counts as a delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    /// Pending recipients become due now.
    RetryNow,
    /// Pending recipients are set aside: not tried, not expired, until released.
    Hold,
    /// Held recipients become pending and due now.
    Release,
    /// The message expires now: held recipients become pending again, and the engine's next pass gives up on
    /// every pending one and tells the sender (RFC 3464 DSN), as at the end of the queue lifetime.
    ExpireNow,
}

/// Most recipients per queued message (RFC 5321 §4.5.3.1.8 requires accepting at least 100).
pub(crate) const MAX_RECIPIENTS: usize = 1000;

pub(crate) fn ret_to_text(ret: Ret) -> &'static str {
    match ret {
        Ret::Full => "full",
        Ret::Headers => "hdrs",
    }
}

pub(crate) fn ret_from_text(text: &str) -> Option<Ret> {
    match text {
        "full" => Some(Ret::Full),
        "hdrs" => Some(Ret::Headers),
        _ => None,
    }
}

/// Checks the envelope before anything is stored. Recipients are kept as given (remote local parts may be
/// case-sensitive), only checked.
pub(crate) fn validate(return_path: &str, recipients: &[QueuedRecipient]) -> Result<()> {
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(StoreError::InvalidAddress(String::new(), "a queued message needs 1 to 1000 recipients".into()));
    }
    if !return_path.is_empty() {
        Address::parse(return_path)?;
    }
    for recipient in recipients {
        Address::parse(&recipient.address)?;
    }
    Ok(())
}
