//! Submission, once: what happens to a message one of our users sends, whichever face took it (SMTP on 587
//! and 465 today, JMAP's EmailSubmission and the webmail next). Faces never call each other; they all call
//! [`Submission::submit`]:
//!
//! 1. a message carrying the GTUBE test string is refused (`facteur_spam::content`): a user's client that
//!    sends it is testing that we refuse spam, and we do;
//! 2. the envelope sender and every `From:` address must be the account's own ([`crate::ownership`]; RFC 6409
//!    §6.1 and §8 let the MSA hold them to it, and we do, against spoofing);
//! 3. the account must be within its hourly limits ([`crate::sending_policy`], `[outbound]`);
//! 4. the message is DKIM-signed for its `From:` domain (RFC 6376 §5), off the async threads;
//! 5. it is persisted: local recipients get it at once, remote ones through the outbound queue, marked as the
//!    account's (held with its other mail if the account is held); then it is counted against the limits.
//!
//! A face still checks the envelope sender and the limits when it can ask before the content (SMTP's MAIL
//! FROM and RCPT), to refuse early; the checks here are the ones that count.

use std::sync::Arc;

use facteur_mailauth::{MailAuthError, Signer};
use facteur_primitives::{Address, domain_of, unix_now};
use facteur_store::{Account, Store, StoreError};
use tracing::{info, warn};

use crate::envelope::{Envelope, Unresolved, resolve_recipients};
use crate::filter::{Refusal, SieveFiltering};
use crate::ownership::{account_owns, from_header_addresses};
use crate::persist::{AcceptedMessage, Filing, PersistError, Persisted, persist, persist_in_dialogue};
use crate::sending_policy::{RateLimited, SendingPolicy};

/// The submission path: the store, the signer of our users' mail (`None` sends it unsigned), the Sieve
/// limits local recipients' scripts run under, and the rules on how much an account sends.
#[derive(Clone)]
pub struct Submission {
    store: Arc<dyn Store>,
    signer: Option<Arc<Signer>>,
    filtering: Arc<SieveFiltering>,
    policy: Arc<SendingPolicy>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission").field("signing", &self.signer.is_some()).finish_non_exhaustive()
    }
}

/// A message an authenticated user hands over.
#[derive(Debug)]
pub struct Submitted {
    pub envelope: Envelope,
    /// Our trace fields (`Received:`), put above the signature and the content.
    pub trace: String,
    pub content: Vec<u8>,
    /// Unix seconds: INTERNALDATE of local copies.
    pub now: i64,
    /// Unix seconds: when queued copies give up.
    pub expires_at: i64,
}

/// Why a submission was refused or failed; each face says it in its own words.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// RFC 6409 §6.1: the envelope sender, or (`from_header`) a `From:` address, is not the account's.
    #[error("{address} is not an address of the authenticated account")]
    NotOwned { address: String, from_header: bool },
    /// A recipient in one of our domains that nobody has (RFC 5321 550 5.1.1).
    #[error("{address}: no such user here")]
    UnknownRecipient { address: String },
    /// A recipient that is not an address at all.
    #[error("{address} is not a valid address")]
    InvalidRecipient { address: String },
    /// RFC 3463 X.2.2: a local recipient's mailbox is full; nothing was delivered.
    #[error("{address} is over quota")]
    OverQuota { address: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A task holding the message failed: the client must send it again.
    #[error("submission task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Every recipient's Sieve script refused the message (RFC 5429); nothing was stored or queued. Only from
    /// [`Submission::submit_in_dialogue`].
    #[error("refused by the recipients' Sieve filters")]
    Refused(Refusal),
    /// The account is at one of its hourly limits (`[outbound]`): try again later.
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// The message is spam by a rule no legitimate message breaks (`rule`: the GTUBE test string).
    #[error("message refused as spam ({rule})")]
    Spam { rule: &'static str },
}

impl From<PersistError> for SubmitError {
    fn from(error: PersistError) -> SubmitError {
        match error {
            PersistError::OverQuota { address, .. } => SubmitError::OverQuota { address },
            PersistError::Store(error) => SubmitError::Store(error),
            PersistError::Task(error) => SubmitError::Task(error),
            PersistError::Refused(refusal) => SubmitError::Refused(refusal),
        }
    }
}

impl Submission {
    /// Local recipients' scripts run under `facteur-sieve`'s default limits until [`Submission::with_filtering`].
    pub fn new(store: Arc<dyn Store>, signer: Option<Arc<Signer>>) -> Submission {
        Submission { store, signer, filtering: Arc::default(), policy: Arc::default() }
    }

    /// Applies `policy` (the binary's `[outbound]`) to what accounts send; none until then.
    pub fn with_policy(mut self, policy: Arc<SendingPolicy>) -> Submission {
        self.policy = policy;
        self
    }

    /// `Err(RateLimited)` if `account` may not send a message to `recipients` (more) recipients now; 0
    /// recipients asks whether it may start a message at all. For a face that can ask before the content.
    pub async fn check_limits(&self, account: &Account, recipients: u64, now: i64) -> Result<(), SubmitError> {
        match self.policy.check(self.store.as_ref(), account, recipients, now).await? {
            Some(limited) => {
                info!(account = %account.address, limit = limited.limit, what = %limited.what, used = limited.used, "submission refused: hourly limit reached");
                Err(SubmitError::RateLimited(limited))
            }
            None => Ok(()),
        }
    }

    /// Runs local recipients' Sieve scripts as `filtering` says (the binary's `[sieve]`).
    pub fn with_filtering(mut self, filtering: Arc<SieveFiltering>) -> Submission {
        self.filtering = filtering;
        self
    }

    /// Whether `account` may use `address` as a sender (for a face that names the sender before the content).
    pub async fn may_send_as(&self, account: &Account, address: &Address) -> Result<bool, StoreError> {
        account_owns(self.store.as_ref(), account, address).await
    }

    /// The envelope of a message a face names the recipients of without an SMTP dialogue (JMAP's
    /// EmailSubmission): each of our addresses resolved as RCPT resolves it, any other one for the queue, with
    /// the default DSN requests (failures and delays, RFC 3461 §4.1).
    pub async fn envelope(&self, return_path: &str, recipients: &[String]) -> Result<Envelope, SubmitError> {
        let recipients =
            resolve_recipients(self.store.as_ref(), recipients).await.map_err(|unresolved| match unresolved {
                Unresolved::Invalid(address) => SubmitError::InvalidRecipient { address },
                Unresolved::Unknown(address) => SubmitError::UnknownRecipient { address },
                Unresolved::Store(error) => SubmitError::Store(error),
            })?;
        Ok(Envelope { return_path: return_path.to_owned(), envid: None, ret: None, require_tls: false, recipients })
    }

    /// Checks, signs and stores `message` for `account`; see the module documentation. Durable when it returns.
    /// A recipient's Sieve `reject` or `ereject` is reported to the sender by message.
    pub async fn submit(&self, account: &Account, message: Submitted) -> Result<Persisted, SubmitError> {
        let accepted = self.accepted(account, message).await?;
        let recipients = recipient_addresses(&accepted.envelope);
        let persisted = persist(&self.store, &self.filtering, accepted).await?;
        self.count(account, recipients.len()).await;
        self.remember_correspondents(account, &recipients).await;
        Ok(persisted)
    }

    /// [`Submission::submit`] for a face still in an SMTP dialogue: a message every recipient's Sieve script
    /// refuses is not stored, and [`SubmitError::Refused`] says what to answer (RFC 5429 §2.1.1).
    pub async fn submit_in_dialogue(&self, account: &Account, message: Submitted) -> Result<Persisted, SubmitError> {
        let accepted = self.accepted(account, message).await?;
        let recipients = recipient_addresses(&accepted.envelope);
        let persisted = persist_in_dialogue(&self.store, &self.filtering, accepted).await?;
        self.count(account, recipients.len()).await;
        self.remember_correspondents(account, &recipients).await;
        Ok(persisted)
    }

    /// The people a user writes to (replies included) are the people whose mail they want: their mail is never
    /// junked (issue 18). The message is already safe: a failure here is logged, never returned.
    async fn remember_correspondents(&self, account: &Account, recipients: &[String]) {
        if let Err(error) = self.store.note_correspondents(account.id, recipients, unix_now()).await {
            warn!(user = %account.address, %error, "the recipients could not be remembered as correspondents");
        }
    }

    /// The message checked and signed, ready to persist.
    async fn accepted(&self, account: &Account, message: Submitted) -> Result<AcceptedMessage, SubmitError> {
        if facteur_spam::content::contains_gtube(&message.content) {
            // The account only, never the content: the log is no place for a user's mail.
            warn!(account = %account.address, "submission refused: the message contains the GTUBE test string");
            return Err(SubmitError::Spam { rule: "GTUBE" });
        }
        self.check_ownership(account, &message).await?;
        let recipients = message.envelope.recipients.len() as u64;
        self.check_limits(account, recipients, message.now).await?;
        let content = self.sign(&message.envelope, message.content).await?;
        Ok(AcceptedMessage {
            envelope: message.envelope,
            trace: message.trace,
            content,
            filing: Filing::Inbox,
            spam: None,
            now: message.now,
            expires_at: message.expires_at,
            sender_account: Some(account.id),
        })
    }

    /// Counts a stored message against the account's limits. The message is safe whatever happens here: a
    /// count that cannot be written is logged, and the message is not refused after the fact.
    async fn count(&self, account: &Account, recipients: usize) {
        let counted = self.policy.count_message(self.store.as_ref(), account, recipients as u64, unix_now()).await;
        if let Err(error) = counted {
            warn!(account = %account.address, %error, "submission: the message was stored but not counted against the hourly limits");
        }
    }

    async fn check_ownership(&self, account: &Account, message: &Submitted) -> Result<(), SubmitError> {
        // The null reverse-path is for reports from servers, never a user's mail (RFC 5321 §4.5.5).
        if message.envelope.return_path.is_empty() {
            return Err(SubmitError::NotOwned { address: "<>".to_owned(), from_header: false });
        }
        let sender = (message.envelope.return_path.clone(), false);
        let from = from_header_addresses(&message.content).into_iter().map(|address| (address, true));
        for (address, from_header) in std::iter::once(sender).chain(from) {
            let owned = match Address::parse(&address) {
                Ok(parsed) => self.may_send_as(account, &parsed).await?,
                Err(_) => false,
            };
            if !owned {
                return Err(SubmitError::NotOwned { address, from_header });
            }
        }
        Ok(())
    }

    /// `content` with our DKIM signature(s) prepended, for the domain of its `From:` (else of the envelope
    /// sender), which ownership has made ours. Without a key the message goes out unsigned: refusing our own
    /// user's mail would help nobody.
    async fn sign(&self, envelope: &Envelope, content: Vec<u8>) -> Result<Vec<u8>, SubmitError> {
        let Some(signer) = self.signer.clone() else {
            return Ok(content);
        };
        let Some(domain) = signing_domain(envelope, &content) else {
            warn!("message has no sender domain to sign for; sending it unsigned");
            return Ok(content);
        };
        // Hashing the body and the RSA signature are CPU work proportional to the message.
        let (domain, content, signatures) = tokio::task::spawn_blocking(move || {
            let signatures = signer.sign(&domain, &content);
            (domain, content, signatures)
        })
        .await?;
        match signatures {
            Ok(signatures) => {
                let mut signed = signatures.into_bytes();
                signed.extend_from_slice(&content);
                Ok(signed)
            }
            Err(MailAuthError::NoActiveKey { .. }) => {
                warn!(%domain, "no active DKIM key for the sender's domain; sending unsigned (see `facteur dkim`)");
                Ok(content)
            }
            Err(error) => {
                warn!(%domain, %error, "DKIM signing failed; sending unsigned");
                Ok(content)
            }
        }
    }
}

/// The From: domain, else the envelope sender's: the identity DMARC will align the signature with.
fn signing_domain(envelope: &Envelope, content: &[u8]) -> Option<String> {
    let from = from_header_addresses(content).into_iter().find_map(|address| domain_of(&address));
    from.or_else(|| domain_of(&envelope.return_path))
}

/// Every envelope recipient, as the user addressed them.
fn recipient_addresses(envelope: &Envelope) -> Vec<String> {
    envelope.recipients.iter().map(|recipient| recipient.address.clone()).collect()
}
