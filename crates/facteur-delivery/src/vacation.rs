//! Out-of-office replies at local delivery (RFC 3834), as the account's VacationResponse (RFC 8621 §8) says.
//!
//! A reply goes only where one is wanted and cannot loop:
//! - never to reports or bounces (empty return path), never to the account itself;
//! - never to automatic mail (`Auto-Submitted:` other than `no`), lists (`List-Id:` and the other RFC 2369
//!   fields), bulk (`Precedence: bulk|list|junk`) or daemons (`MAILER-DAEMON`, `owner-…`, `…-request`), RFC 3834
//!   §2;
//! - only if the account's address is in `To:` or `Cc:` (§2: not to mail it got as Bcc or through a list);
//! - at most once per sender per [`PERIOD_SECS`], decided by the store in one write (§2);
//! - sent from the null reverse path with `Auto-Submitted: auto-replied` (§3.1.7, §3.3), so nothing answers it.

use std::sync::Arc;

use facteur_message::header_fields;
use facteur_store::{AccountId, Store, Vacation};
use mail_builder::MessageBuilder;
use mail_builder::headers::text::Text;
use tracing::{info, warn};

use crate::envelope::Envelope;
use crate::outgoing;

/// One reply per sender per week, RFC 3834 §2's recommendation.
pub const PERIOD_SECS: i64 = 7 * 86_400;

/// After a message reached `accounts`: each one away answers, if the message is one to answer.
pub(crate) async fn answer(
    store: &Arc<dyn Store>,
    envelope: &Envelope,
    content: &[u8],
    accounts: &[AccountId],
    now: i64,
) {
    let sender = envelope.return_path.as_str();
    let Some(original) = Original::read(content) else { return };
    if sender.is_empty() || !original.wants_an_answer(sender) {
        return;
    }
    for &account in accounts {
        if let Err(error) = answer_for(store, account, sender, &original, now).await {
            warn!(account = account.0, %error, "out-of-office reply not sent");
        }
    }
}

async fn answer_for(
    store: &Arc<dyn Store>,
    account: AccountId,
    sender: &str,
    original: &Original,
    now: i64,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let vacation = store.vacation(account).await?;
    if !vacation.active_at(now) {
        return Ok(());
    }
    let Some(owner) = store.account(account).await? else { return Ok(()) };
    if sender.eq_ignore_ascii_case(&owner.address) || !original.addressed_to(&owner.address) {
        return Ok(());
    }
    if !store.claim_vacation_reply(account, sender, now, PERIOD_SECS).await? {
        return Ok(());
    }
    let reply = build_reply(&vacation, &owner.address, sender, original, now)?;
    // The reply has the null return path, so storing it cannot set off another reply.
    let expires_at = now.saturating_add(outgoing::REPLY_LIFETIME_SECS);
    outgoing::send(store, "", sender, reply, now, expires_at).await?;
    info!(user = %owner.address, to = %sender, "out-of-office reply sent");
    Ok(())
}

/// What the reply needs from the message it answers.
#[derive(Debug, Default)]
struct Original {
    subject: Option<String>,
    message_id: Option<String>,
    references: Option<String>,
    /// `To:` and `Cc:`, lowercase.
    recipients: String,
    automatic: bool,
}

impl Original {
    fn read(content: &[u8]) -> Option<Original> {
        let mut original = Original::default();
        for field in header_fields(content.get(..facteur_message::header_length(content))?) {
            let value = field.unfolded_value();
            let name = |wanted: &str| field.name_is(wanted);
            if name("Subject") && original.subject.is_none() {
                original.subject = Some(value);
            } else if name("Message-ID") && original.message_id.is_none() {
                original.message_id = Some(value.trim().to_owned());
            } else if name("References") {
                original.references = Some(value);
            } else if name("To") || name("Cc") {
                original.recipients.push_str(&value.to_lowercase());
                original.recipients.push(' ');
            } else if name("Auto-Submitted") {
                original.automatic |= !value.trim().eq_ignore_ascii_case("no");
            } else if name("Precedence") {
                original.automatic |= matches!(value.trim().to_ascii_lowercase().as_str(), "bulk" | "list" | "junk");
            } else if LIST_FIELDS.iter().any(|list| name(list)) {
                original.automatic = true;
            }
        }
        Some(original)
    }

    /// RFC 3834 §2: not automatic, not a list, not a daemon.
    fn wants_an_answer(&self, sender: &str) -> bool {
        let local = sender.rsplit_once('@').map_or(sender, |(local, _)| local).to_ascii_lowercase();
        let daemon = local == "mailer-daemon"
            || local == "postmaster"
            || local.starts_with("owner-")
            || local.ends_with("-request");
        !self.automatic && !daemon
    }

    /// Whether `address` (or a `+tag` of it) is among `To:` and `Cc:`.
    fn addressed_to(&self, address: &str) -> bool {
        let address = address.to_lowercase();
        let Some((local, domain)) = address.split_once('@') else { return false };
        self.recipients.contains(&address)
            || self.recipients.contains(&format!("{local}+")) && self.recipients.contains(&format!("@{domain}"))
    }
}

/// RFC 2369 and RFC 2919 fields: mail that came through a list.
const LIST_FIELDS: [&str; 7] =
    ["List-Id", "List-Post", "List-Unsubscribe", "List-Help", "List-Subscribe", "List-Owner", "List-Archive"];

fn build_reply(
    vacation: &Vacation,
    from: &str,
    to: &str,
    original: &Original,
    now: i64,
) -> Result<Vec<u8>, std::io::Error> {
    // RFC 3834 §3.1.5: a subject of its own, else "Auto:" and the original's.
    let subject = vacation
        .subject
        .clone()
        .filter(|subject| !subject.trim().is_empty())
        .unwrap_or_else(|| format!("Auto: {}", original.subject.as_deref().unwrap_or("your message")));
    let mut builder = MessageBuilder::new()
        .from(from.to_owned())
        .to(to.to_owned())
        .header("Subject", Text::new(subject.replace(['\r', '\n'], " ")))
        .header("Auto-Submitted", Text::new("auto-replied"))
        .date(now);
    // RFC 3834 §3.1.2-3: In-Reply-To and References name the original.
    if let Some(id) = original.message_id.as_deref().map(|id| id.trim_matches(['<', '>']).to_owned()) {
        let mut references: Vec<String> = original
            .references
            .as_deref()
            .map(|refs| facteur_primitives::ThreadKeys::from_headers(None, None, Some(refs)).references)
            .unwrap_or_default();
        references.push(id.clone());
        builder = builder.in_reply_to(id).references(references);
    }
    let text = vacation.text_body.clone().unwrap_or_default();
    builder = match &vacation.html_body {
        Some(html) => builder.text_body(text).html_body(html.clone()),
        None => builder.text_body(text),
    };
    builder.write_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original(headers: &str) -> Original {
        Original::read(format!("{headers}\r\n\r\nbody\r\n").as_bytes()).unwrap_or_default()
    }

    #[test]
    fn lists_bulk_automatic_and_daemons_get_no_answer() {
        let person = original("From: bob@x.test\r\nTo: alice@example.test\r\nSubject: lunch?");
        assert!(person.wants_an_answer("bob@x.test"));
        assert!(person.addressed_to("alice@example.test"));
        assert!(!person.addressed_to("carol@example.test"), "Bcc and list copies are not answered");
        for automatic in ["Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: <l.x.test>", "Precedence: junk"]
        {
            assert!(
                !original(&format!("To: alice@example.test\r\n{automatic}")).wants_an_answer("bob@x.test"),
                "{automatic}"
            );
        }
        assert!(original("Auto-Submitted: no").wants_an_answer("bob@x.test"));
        for daemon in ["MAILER-DAEMON@x.test", "owner-list@x.test", "list-request@x.test"] {
            assert!(!person.wants_an_answer(daemon), "{daemon}");
        }
    }

    #[test]
    fn the_reply_is_marked_automatic_and_threads_with_the_original() {
        let vacation = Vacation { enabled: true, text_body: Some("Back on Monday.".into()), ..Default::default() };
        let original = original("Subject: lunch?\r\nMessage-ID: <m1@x.test>\r\nReferences: <m0@x.test>");
        let reply = build_reply(&vacation, "alice@example.test", "bob@x.test", &original, 1_700_000_000).unwrap();
        let text = String::from_utf8_lossy(&reply);
        assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");
        assert!(text.contains("Subject: Auto: lunch?"), "{text}");
        assert!(text.contains("In-Reply-To: <m1@x.test>"), "{text}");
        assert!(text.contains("References: <m0@x.test> <m1@x.test>"), "{text}");
        assert!(text.contains("Back on Monday."), "{text}");
    }
}
