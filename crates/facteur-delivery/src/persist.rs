//! Making an accepted message durable: THE one place messages are written to the store, whoever accepted them
//! (an SMTP session, a submission, a delivery report of ours). The store decides where the bytes go (small
//! messages inside the group-committed transaction, large ones as files).
//!
//! Local recipients share one blob (`Return-Path:` + the trace fields + content)
//! delivered in one transaction, a fresh UID in each INBOX (or Junk mailbox); the store notifies the change
//! bus. Remote recipients (submission, and alias forwards) share another blob without `Return-Path:` (RFC
//! 5321 §4.4: only the final delivery adds it), queued with their DSN parameters.
//!
//! Header order: RFC 8601 §5 asks that `Authentication-Results:` go above the trace fields the receiving
//! host adds, so readers can tell which results are ours; RFC 5321 §4.4 puts `Return-Path:` at the very
//! beginning at final delivery. Both hold with `Return-Path:`, then ours, then our `Received:`.
//!
//! Both store calls are durable when they return, which is when the caller may say `250`. A caller still in an
//! SMTP dialogue ([`persist_in_dialogue`]) may instead hear that every recipient's Sieve script refused the
//! message (RFC 5429 `ereject`, and `reject` whose text goes whole): then nothing at all was written.

use std::sync::Arc;

use facteur_message::{Indexed, index};
use facteur_store::{AccountId, Notify, QueueId, QueuedEnvelope, QueuedRecipient, Store, StoreError};

use tracing::info;

use crate::envelope::{Destination, Envelope, return_path_header, xtext_encode};
use crate::filter::{self, Refusal, SieveFiltering};
use crate::spam;

/// One accepted message, to be stored.
#[derive(Debug)]
pub struct AcceptedMessage {
    pub envelope: Envelope,
    /// Header fields put on every copy, above the content: our `Authentication-Results:` (if the checks
    /// ran) above our `Received:`. Empty for a report of ours.
    pub trace: String,
    /// The message as the client sent it (dot-unstuffed), less forged results, plus our DKIM signatures.
    pub content: Vec<u8>,
    /// Which mailbox local copies go to, as sender authentication decided.
    pub filing: Filing,
    /// What the end of DATA found about whether the message is wanted; each account adds its own part
    /// (`None`: not judged: our own messages, submissions, `[spam]` off).
    pub spam: Option<facteur_spam::Judgement>,
    /// Unix seconds: INTERNALDATE of local copies.
    pub now: i64,
    /// Unix seconds: when queued copies give up.
    pub expires_at: i64,
    /// The local account that submitted it: its queued copy is that account's, held with the account's other
    /// mail (`crate::sending_policy`). `None` for mail received, forwarded, or reports of ours.
    pub sender_account: Option<AccountId>,
}

/// Where local copies are filed, as the receiving policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    Inbox,
    /// The account's `\Junk` mailbox (RFC 6154); INBOX with the `$Junk` keyword (RFC 5788's registry) for
    /// an account that deleted it.
    Junk,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    pub local_copies: usize,
    /// Whether the local copies went to Junk.
    pub junk: bool,
    pub queued: Option<QueueId>,
    /// Recipients (as the envelope names them) whose mailbox was full, while others got the message: the
    /// caller reports them to the sender ([`crate::report::report_full_mailboxes`]).
    pub over_quota: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// RFC 3463 X.2.2: a local recipient's mailbox is full; nothing was delivered.
    #[error("{address} is over quota")]
    OverQuota { address: String, source: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("storage task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// RFC 5429 §2.1.1: every recipient's script refused the message; nothing was written. Only from
    /// [`persist_in_dialogue`].
    #[error("refused by the recipients' Sieve filters")]
    Refused(Refusal),
}

/// Whether a refusal can still be said to whoever hands the message over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusals {
    /// An SMTP client waits for the answer to DATA (or BDAT LAST).
    InDialogue,
    /// Nobody waits (JMAP, our own messages and reports): a script's refusal is reported by message.
    Reported,
}

/// Stores `message` for all its recipients; see the module documentation.
///
/// Local delivery happens first: it is the step that can be refused (quota) and then nothing at all has
/// been written. If queueing then failed (an I/O error), the client retries and local recipients get a
/// duplicate, the failure mode RFC 5321 §6.1 prefers to a loss.
/// Local copies go through their accounts' Sieve scripts as `filtering` says; a script's `reject` or `ereject`
/// is reported to the sender by message.
pub async fn persist(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    message: AcceptedMessage,
) -> Result<Persisted, PersistError> {
    persist_as(store, filtering, message, Refusals::Reported).await
}

/// [`persist`] for a caller in an SMTP dialogue: when every recipient is local and every one's script refuses
/// the message, nothing is written and [`PersistError::Refused`] says what to answer (RFC 5429 §2.1.1: a
/// Sieve implementation able to refuse in the protocol MUST; see `filter/refusal.rs`).
pub async fn persist_in_dialogue(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    message: AcceptedMessage,
) -> Result<Persisted, PersistError> {
    persist_as(store, filtering, message, Refusals::InDialogue).await
}

async fn persist_as(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    mut message: AcceptedMessage,
    refusals: Refusals,
) -> Result<Persisted, PersistError> {
    let accounts = local_accounts(&message.envelope);
    let remote = remote_recipients(&message.envelope);
    let trace = std::mem::take(&mut message.trace);
    let mut persisted =
        Persisted { local_copies: 0, junk: message.filing == Filing::Junk, queued: None, over_quota: Vec::new() };
    if !accounts.is_empty() {
        let groups = spam::copy_groups(store.as_ref(), &message, &accounts).await?;
        let junked: Vec<AccountId> = groups
            .iter()
            .filter(|group| group.filing == Filing::Junk)
            .flat_map(|group| group.accounts.iter().copied())
            .collect();
        persisted.junk = !junked.is_empty();
        // The first copy is delivered with the plan's targets; any other (an account judging the message
        // differently) goes as an edited copy does, with its own content.
        let mut plan = filter::Plan::default();
        let mut first: Option<(Arc<[u8]>, Indexed)> = None;
        for group in groups {
            let (content, indexed) = summarise(local_copy(&message, &group.spam_fields, &trace)).await?;
            let delivery = filter::Delivery {
                content: &content,
                summary: &indexed.summary,
                return_path: &message.envelope.return_path,
                filing: group.filing,
                now: message.now,
            };
            let recipient_of = |account| recipient_of(&message.envelope, account);
            let mut planned = filter::plan(store, filtering, &group.accounts, recipient_of, &delivery).await?;
            if first.is_none() {
                first = Some((content, indexed));
            } else if !planned.targets.is_empty() {
                let targets = std::mem::take(&mut planned.targets);
                planned.edited.push(filter::EditedCopy { content: content.to_vec(), targets });
            }
            plan.absorb(planned);
        }
        // A plan of refusals only wrote nothing (`fileinto :create`, the one action that writes while
        // planning, never goes with a reject: RFC 5429 §2.4), so a refusal leaves nothing behind. With a remote
        // recipient, or an account that takes the message, SMTP's one answer must be 250, and refusals are
        // reported by message (RFC 5429 §2.1.2).
        if refusals == Refusals::InDialogue
            && remote.is_empty()
            && let Some(refusal) = filter::refusal(&plan, &accounts)
        {
            info!(sender = %format!("<{}>", message.envelope.return_path), users = %refusal.owners().join(", "),
                "every recipient's sieve script refused the message: refused in the SMTP dialogue, nothing stored");
            return Err(PersistError::Refused(refusal));
        }
        let mut targets = plan.targets;
        let mut full = Vec::new();
        let delivered = loop {
            let Some((content, indexed)) = first.as_ref().filter(|_| !targets.is_empty()) else {
                break Vec::new();
            };
            let attempt = store.deliver_content(
                Arc::clone(content),
                indexed.summary.clone(),
                message.now,
                targets.clone(),
                indexed.thread.clone(),
                Some(indexed.text.clone()),
            );
            match attempt.await {
                Ok(delivered) => break delivered,
                // One full mailbox must not cost the others the message: deliver to the rest, and let the
                // caller report that one (the SMTP reply to DATA is one for all recipients).
                Err(StoreError::QuotaExceeded { address, .. }) if targets.len() > 1 || !remote.is_empty() => {
                    let id = store.account_by_address(&address).await?.map(|account| account.id);
                    targets.retain(|target| Some(target.account) != id);
                    full.push((address, id));
                    if targets.is_empty() {
                        break Vec::new();
                    }
                }
                Err(error) => return Err(refused(error)),
            }
        };
        persisted.local_copies = delivered.len();
        for edited in plan.edited {
            persisted.local_copies += deliver_edited(store, edited, message.now, &mut full).await?;
        }
        persisted.over_quota = recipients_of(&message.envelope, &full);
        let reached: Vec<AccountId> =
            accounts.iter().copied().filter(|account| !full.iter().any(|(_, id)| *id == Some(*account))).collect();
        // What the filters asked for (the out-of-office reply among it), once the message is safe; spam gets
        // no reply.
        let delivered = filter::Delivered {
            filtering,
            return_path: &message.envelope.return_path,
            trace: &trace,
            content: &message.content,
            now: message.now,
            expires_at: message.expires_at,
        };
        let mut follow_ups = plan.follow_ups;
        follow_ups.retain(|follow_up| {
            !(matches!(follow_up, filter::FollowUp::Vacation { .. }) && junked.contains(&follow_up.account()))
        });
        filter::carry_out_follow_ups(store, follow_ups, &reached, &delivered).await;
    }
    if !remote.is_empty() {
        let mut copy = trace.into_bytes();
        copy.extend_from_slice(&message.content);
        let envelope = &message.envelope;
        let queued = QueuedEnvelope {
            return_path: envelope.return_path.clone(),
            envid: envelope.envid.clone(),
            ret: envelope.ret,
            expires_at: message.expires_at,
            require_tls: envelope.require_tls,
            recipients: remote,
            account: message.sender_account,
        };
        persisted.queued = Some(store.enqueue_content(Arc::from(copy), queued).await?);
    }
    Ok(persisted)
}

/// An account's local copy: `Return-Path:` first (RFC 5321 §4.4), then its spam verdict, then our trace
/// fields (`Authentication-Results:`, `Received:`), then the content.
fn local_copy(message: &AcceptedMessage, spam_fields: &str, trace: &str) -> Vec<u8> {
    let mut copy = return_path_header(&message.envelope.return_path).into_bytes();
    copy.reserve(spam_fields.len() + trace.len() + message.content.len());
    copy.extend_from_slice(spam_fields.as_bytes());
    copy.extend_from_slice(trace.as_bytes());
    copy.extend_from_slice(&message.content);
    copy
}

/// A delivery the store refused: over quota (RFC 3463 X.2.2) or a storage failure.
fn refused(error: StoreError) -> PersistError {
    match error {
        StoreError::QuotaExceeded { ref address, .. } => {
            PersistError::OverQuota { address: address.clone(), source: error }
        }
        other => PersistError::Store(other),
    }
}

/// The envelope recipients that reach none of their accounts because those are `full`: an alias reaching a
/// full mailbox and another one still got the message.
fn recipients_of(envelope: &Envelope, full: &[(String, Option<AccountId>)]) -> Vec<String> {
    let is_full = |account: &AccountId| full.iter().any(|(_, id)| *id == Some(*account));
    envelope
        .recipients
        .iter()
        .filter(|recipient| match &recipient.destination {
            Destination::Local(resolution) => {
                !resolution.accounts.is_empty()
                    && resolution.accounts.iter().all(is_full)
                    && resolution.forwards.is_empty()
            }
            Destination::Remote => false,
        })
        .map(|recipient| recipient.address.clone())
        .collect()
}

/// The parse-once summary of a local copy, computed off the async threads (it is CPU work proportional to the
/// message's size).
async fn summarise(copy: Vec<u8>) -> Result<(Arc<[u8]>, Indexed), PersistError> {
    let summarised = tokio::task::spawn_blocking(move || {
        let indexed = index(&copy);
        (Arc::from(copy), indexed)
    })
    .await?;
    Ok(summarised)
}

/// A copy whose header a filter edited: its own content and index, delivered on its own. A full mailbox
/// loses its copy (reported like the others) without costing the rest theirs.
async fn deliver_edited(
    store: &Arc<dyn Store>,
    edited: filter::EditedCopy,
    now: i64,
    full: &mut Vec<(String, Option<AccountId>)>,
) -> Result<usize, PersistError> {
    let (content, indexed) = summarise(edited.content).await?;
    let targets = edited.targets.clone();
    let attempt = store.deliver_content(content, indexed.summary, now, targets, indexed.thread, Some(indexed.text));
    match attempt.await {
        Ok(delivered) => Ok(delivered.len()),
        Err(StoreError::QuotaExceeded { address, .. }) => {
            full.push((address, edited.targets.first().map(|target| target.account)));
            Ok(0)
        }
        Err(error) => Err(refused(error)),
    }
}

/// The envelope address that reached `account` (the first, when several did): a filter's `envelope :to`.
fn recipient_of(envelope: &Envelope, account: AccountId) -> String {
    envelope
        .recipients
        .iter()
        .find(|recipient| match &recipient.destination {
            Destination::Local(resolution) => resolution.accounts.contains(&account),
            Destination::Remote => false,
        })
        .map(|recipient| recipient.address.clone())
        .unwrap_or_default()
}

/// Every local account, once, however many recipient addresses lead to it.
fn local_accounts(envelope: &Envelope) -> Vec<AccountId> {
    let mut accounts = Vec::new();
    for recipient in &envelope.recipients {
        if let Destination::Local(resolution) = &recipient.destination {
            for account in &resolution.accounts {
                if !accounts.contains(account) {
                    accounts.push(*account);
                }
            }
        }
    }
    accounts
}

/// Remote recipients with their DSN parameters, and the remote targets of local aliases (whose ORCPT is
/// the address the sender actually used, RFC 3461 §4.2).
fn remote_recipients(envelope: &Envelope) -> Vec<QueuedRecipient> {
    let mut queued: Vec<QueuedRecipient> = Vec::new();
    let mut add = |address: String, orcpt: Option<String>, notify: Notify| {
        if !queued.iter().any(|existing| existing.address.eq_ignore_ascii_case(&address)) {
            queued.push(QueuedRecipient { address, orcpt, notify });
        }
    };
    for recipient in &envelope.recipients {
        match &recipient.destination {
            Destination::Remote => add(recipient.address.clone(), recipient.orcpt.clone(), recipient.notify),
            Destination::Local(resolution) => {
                let orcpt =
                    recipient.orcpt.clone().or_else(|| Some(format!("rfc822;{}", xtext_encode(&recipient.address))));
                for forward in &resolution.forwards {
                    add(forward.clone(), orcpt.clone(), recipient.notify);
                }
            }
        }
    }
    queued
}

#[cfg(test)]
mod tests {
    use facteur_store::Resolution;

    use super::*;
    use crate::envelope::Recipient;

    fn recipient(address: &str, destination: Destination) -> Recipient {
        Recipient { address: address.to_owned(), destination, notify: Notify::default(), orcpt: None }
    }

    fn null_sender() -> Envelope {
        Envelope { return_path: String::new(), envid: None, ret: None, require_tls: false, recipients: Vec::new() }
    }

    #[test]
    fn accounts_reached_by_several_addresses_get_one_copy() {
        let mut envelope = null_sender();
        let alice = Resolution { accounts: vec![AccountId(1)], forwards: vec![] };
        let team = Resolution { accounts: vec![AccountId(1), AccountId(2)], forwards: vec![] };
        envelope.recipients.push(recipient("alice@example.com", Destination::Local(alice)));
        envelope.recipients.push(recipient("team@example.com", Destination::Local(team)));
        assert_eq!(local_accounts(&envelope), [AccountId(1), AccountId(2)]);
    }

    #[test]
    fn alias_forwards_are_queued_with_the_original_recipient_as_orcpt() {
        let mut envelope = null_sender();
        let forwarding = Resolution { accounts: vec![], forwards: vec!["carol@other.net".into()] };
        envelope.recipients.push(recipient("carol@example.com", Destination::Local(forwarding)));
        envelope.recipients.push(recipient("dave@remote.org", Destination::Remote));
        let queued = remote_recipients(&envelope);
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[0].address, "carol@other.net");
        assert_eq!(queued[0].orcpt.as_deref(), Some("rfc822;carol@example.com"));
        assert_eq!(queued[1].address, "dave@remote.org");
        assert_eq!(queued[1].orcpt, None);
    }
}
