//! What Sieve asked for besides the copies, carried out once they are stored: records kept (RFC 7352 §3:
//! only for a delivered message), redirects sent on, vacation replies (RFC 5230) and reject reports
//! (RFC 5429 §2.2) sent from the null path with `Auto-Submitted: auto-replied` (RFC 3834 §3.1.7, so nothing
//! answers them), and the one daily notice of a failing script.
//!
//! Each runs on its own: one that fails is logged, and neither the others nor the delivery are undone.

use std::sync::Arc;

use facteur_sieve::VacationReply;
use facteur_store::{AccountId, Store};
use mail_builder::MessageBuilder;
use mail_builder::headers::text::Text;
use tracing::{info, warn};

use facteur_message::header_length;

use super::{DELIVERED_TO, FollowUp, SieveFiltering};
use crate::outgoing;

/// A failing script's owner hears of it once a day, not once a message.
const FAILURE_NOTICE_PERIOD_SECS: i64 = 86_400;

/// The message the follow-ups are about.
pub(crate) struct Delivered<'a> {
    /// What our own messages to local addresses go through, as any delivery.
    pub filtering: &'a Arc<SieveFiltering>,
    pub return_path: &'a str,
    /// Our trace fields and the content, as queued copies carry them (no `Return-Path:`).
    pub trace: &'a str,
    pub content: &'a [u8],
    pub now: i64,
    pub expires_at: i64,
}

/// Carries out the follow-ups of the accounts that got their copies (`reached`).
pub(crate) async fn carry_out_follow_ups(
    store: &Arc<dyn Store>,
    follow_ups: Vec<FollowUp>,
    reached: &[AccountId],
    delivered: &Delivered<'_>,
) {
    for follow_up in follow_ups.into_iter().filter(|follow_up| reached.contains(&follow_up.account())) {
        let what = kind(&follow_up);
        if let Err(error) = Box::pin(carry_out(store, follow_up, delivered)).await {
            warn!(%error, what, "a sieve action could not be carried out");
        }
    }
}

fn kind(follow_up: &FollowUp) -> &'static str {
    match follow_up {
        FollowUp::Redirect { .. } => "redirect",
        FollowUp::Reject { .. } => "reject",
        FollowUp::Vacation { .. } => "vacation",
        FollowUp::Track { .. } => "record",
        FollowUp::ScriptFailed { .. } => "failure notice",
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn carry_out(store: &Arc<dyn Store>, follow_up: FollowUp, delivered: &Delivered<'_>) -> Result<(), Failure> {
    match follow_up {
        FollowUp::Track { account, key, until } => {
            store.track_sieve(account, &key, delivered.now, until).await?;
        }
        FollowUp::Redirect { owner, address, .. } => {
            let mut copy = format!("{DELIVERED_TO}: {owner}\r\n").into_bytes();
            copy.extend_from_slice(delivered.trace.as_bytes());
            copy.extend_from_slice(delivered.content);
            let sender = redirect_sender(store, delivered, &owner, &address).await?;
            send(store, &sender, &address, copy, delivered).await?;
            info!(user = %owner, to = %address, sender = %format!("<{sender}>"), "sieve redirected the message");
        }
        FollowUp::Vacation { account, owner, reply, claim } => {
            let to = reply.to.clone();
            if let Some((key, until)) = claim
                && !store.track_sieve(account, &key, delivered.now, until).await?
            {
                info!(user = %owner, %to, "sieve vacation reply not sent: another delivery just answered");
                return Ok(());
            }
            let message = vacation_reply(&owner, &reply, delivered.now)?;
            send(store, "", &to, message, delivered).await?;
            info!(user = %owner, %to, "sieve vacation reply sent");
        }
        FollowUp::Reject { owner, reason, .. } => {
            if delivered.return_path.is_empty() {
                info!(user = %owner, "sieve rejected a message from the null path: no report");
                return Ok(());
            }
            let report = reject_report(&owner, delivered.return_path, &reason, delivered)?;
            send(store, "", delivered.return_path, report, delivered).await?;
            info!(user = %owner, to = %delivered.return_path, "sieve rejected the message; the sender was told");
        }
        FollowUp::ScriptFailed { account, owner, script, error } => {
            let key = format!("failure\u{0}{script}\u{0}{error}");
            // Recorded first, and only the delivery that records it sends: the notice itself goes through the
            // failing script, which must not answer it with another notice.
            let until = delivered.now.saturating_add(FAILURE_NOTICE_PERIOD_SECS);
            if !store.track_sieve(account, &key, delivered.now, until).await? {
                return Ok(());
            }
            let notice = failure_notice(&owner, &script, &error, delivered.now)?;
            send(store, "", &owner, notice, delivered).await?;
        }
    }
    Ok(())
}

/// The envelope sender of a redirected copy, which RFC 5228 §4.2 leaves to us: the original's, so that bounces
/// reach whoever wrote the message; in SRS form (`crate::srs`) at the owner's domain when the copy leaves for
/// another domain and the sender is of another domain too, whose SPF policy would not let our servers send
/// as them. The null sender, our own domains' senders, and a sender SRS cannot carry stay as they are.
async fn redirect_sender(
    store: &Arc<dyn Store>,
    delivered: &Delivered<'_>,
    owner: &str,
    to: &str,
) -> Result<String, Failure> {
    let original = delivered.return_path;
    let Some(srs) = delivered.filtering.srs() else { return Ok(original.to_owned()) };
    let (Some(sender_domain), Some(to_domain), Some(our_domain)) = (domain(original), domain(to), domain(owner)) else {
        return Ok(original.to_owned());
    };
    if store.is_local_domain(&sender_domain).await? || store.is_local_domain(&to_domain).await? {
        return Ok(original.to_owned());
    }
    match srs.forward(original, &our_domain, delivered.now) {
        Some(rewritten) => Ok(rewritten),
        None => {
            info!(user = %owner, sender = %original, "SRS cannot carry this sender (too long, or quoted): the redirect keeps it");
            Ok(original.to_owned())
        }
    }
}

/// The domain of an address, lowercase; `None` for the null path.
fn domain(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, domain)| domain.to_ascii_lowercase()).filter(|domain| !domain.is_empty())
}

/// Sends through [`outgoing::send_filtered`]: our own messages from the null path, retried for a while; a redirect
/// from the original sender, for as long as the original would have been.
async fn send(
    store: &Arc<dyn Store>,
    return_path: &str,
    to: &str,
    content: Vec<u8>,
    delivered: &Delivered<'_>,
) -> Result<(), Failure> {
    let expires_at = match return_path {
        "" => delivered.now.saturating_add(outgoing::REPLY_LIFETIME_SECS),
        _ => delivered.expires_at,
    };
    outgoing::send_filtered(store, delivered.filtering, return_path, to, content, delivered.now, expires_at).await
}

/// The reply RFC 5230 §5 describes: from the owner (or `:from`), to the sender, threaded with the original,
/// marked automatic.
fn vacation_reply(owner: &str, reply: &VacationReply, now: i64) -> Result<Vec<u8>, std::io::Error> {
    let from = reply.from.clone().unwrap_or_else(|| owner.to_owned());
    let mut builder = MessageBuilder::new()
        .from(from)
        .to(reply.to.clone())
        .header("Subject", Text::new(reply.subject.replace(['\r', '\n'], " ")))
        .header("Auto-Submitted", Text::new("auto-replied"))
        .date(now);
    if let Some(id) = reply.in_reply_to.as_deref().map(|id| id.trim().trim_matches(['<', '>']).to_owned()) {
        builder = builder.in_reply_to(id.clone()).references(id);
    }
    if !reply.mime {
        return builder.text_body(reply.reason.clone()).write_to_vec();
    }
    // `:mime` (RFC 5230 §4.7): the reason is a whole MIME entity, its own header included; it becomes the
    // reply's body as it is, below our header fields less the ones about a body.
    let built = builder.text_body(String::new()).write_to_vec()?;
    let mut message = Vec::with_capacity(built.len() + reply.reason.len());
    for field in facteur_message::header_fields(&built[..header_length(&built)]) {
        let about_the_body = field.name.len() >= 8 && field.name[..8].eq_ignore_ascii_case(b"content-");
        if !about_the_body && !field.name_is("MIME-Version") {
            message.extend_from_slice(field.raw);
        }
    }
    message.extend_from_slice(b"MIME-Version: 1.0\r\n");
    message.extend_from_slice(reply.reason.replace("\r\n", "\n").replace('\n', "\r\n").as_bytes());
    Ok(message)
}

/// RFC 5429 §2.2: the sender hears that the owner's filter refused the message, and why; the original's
/// header goes along so they can tell which message it was.
fn reject_report(
    owner: &str,
    sender: &str,
    reason: &str,
    delivered: &Delivered<'_>,
) -> Result<Vec<u8>, std::io::Error> {
    let domain = owner.rsplit_once('@').map_or("localhost", |(_, domain)| domain);
    let header = &delivered.content[..header_length(delivered.content)];
    let text = format!(
        "Your message to {owner} was refused by the recipient's mail filter.\r\n\r\nThe reason given:\r\n\r\n{reason}\r\n"
    );
    MessageBuilder::new()
        .from(("Mail Delivery System".to_owned(), format!("MAILER-DAEMON@{domain}")))
        .to(sender.to_owned())
        .header("Subject", Text::new(format!("Rejected: your message to {owner}")))
        .header("Auto-Submitted", Text::new("auto-replied"))
        .date(delivered.now)
        .text_body(text)
        .attachment("text/rfc822-headers", "original-headers.txt", header.to_vec())
        .write_to_vec()
}

/// The owner's notice: which script, what went wrong, and that their mail is safe.
fn failure_notice(owner: &str, script: &str, error: &str, now: i64) -> Result<Vec<u8>, std::io::Error> {
    let domain = owner.rsplit_once('@').map_or("localhost", |(_, domain)| domain);
    let text = format!(
        "Your mail filter (the Sieve script \"{script}\") could not run on a message delivered to you:\r\n\r\n\
         {error}\r\n\r\nThe message was delivered to your Inbox as if there were no filter, and so will be the \
         next ones until the script is fixed. You will get this notice at most once a day.\r\n"
    );
    MessageBuilder::new()
        .from(("Mail filter".to_owned(), format!("postmaster@{domain}")))
        .to(owner.to_owned())
        .header("Subject", Text::new(format!("Your mail filter \"{script}\" failed")))
        .header("Auto-Submitted", Text::new("auto-generated"))
        .date(now)
        .text_body(text)
        .write_to_vec()
}
