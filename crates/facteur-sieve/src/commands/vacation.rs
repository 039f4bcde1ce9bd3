//! RFC 5230 `vacation` with RFC 6131 `:seconds`: whether a reply is due (§4.5, §4.6, RFC 3834 §2) and what
//! it says. The caller sends it and records that it did (`Outcome::tracking`), so that one sender gets one
//! reply per period (§4.2).

use super::Command;
use super::actions::bare_address;
use crate::capability::Capability;
use crate::environment::{TrackingKey, TrackingKind};
use crate::error::{CompileError, Position, RuntimeError};
use crate::message::{decoded_value, unfolded_value};
use crate::outcome::{Action, Tracking, VacationReply, VacationSkip};
use crate::run::{Run, Scope};
use crate::syntax::CommandNode;
use crate::text::Text;
use crate::validate::arguments::Args;
use crate::validate::{Validator, no_tests_or_block};

/// RFC 5230 §4.1: seven days when the script says nothing.
const DEFAULT_PERIOD_SECS: u64 = 7 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vacation {
    period_secs: Option<u64>,
    subject: Option<Text>,
    from: Option<Text>,
    addresses: Vec<Text>,
    mime: bool,
    handle: Option<Text>,
    reason: Text,
    position: Position,
}

pub(crate) fn validate(v: &mut Validator, node: &CommandNode) -> Result<Command, CompileError> {
    v.need(Capability::Vacation, node.position, "vacation")?;
    no_tests_or_block(node)?;
    let mut args = Args::new(&node.name, node.position, &node.arguments);
    let mut vacation = Vacation {
        period_secs: None,
        subject: None,
        from: None,
        addresses: Vec::new(),
        mime: false,
        handle: None,
        reason: Text::default(),
        position: node.position,
    };
    while let Some((tag, at)) = args.tag() {
        match tag {
            "days" | "seconds" => {
                if tag == "seconds" {
                    v.need(Capability::VacationSeconds, at, ":seconds")?;
                }
                let number = args.number("the period")?;
                let secs = if tag == "days" { number.saturating_mul(86_400) } else { number };
                if vacation.period_secs.replace(secs).is_some() {
                    return Err(CompileError::at(at, "vacation: one of :days and :seconds"));
                }
            }
            "subject" => vacation.subject = Some(string(v, &mut args, "the subject")?),
            "from" => vacation.from = Some(string(v, &mut args, "the from address")?),
            "handle" => vacation.handle = Some(string(v, &mut args, "the handle")?),
            "addresses" => {
                let (values, list_at) = args.string_list("the addresses")?;
                vacation.addresses = v.texts(values, list_at)?;
            }
            "mime" => vacation.mime = true,
            _ => return Err(args.unknown_tag(tag, at)),
        }
    }
    vacation.reason = string(v, &mut args, "the reason")?;
    args.done()?;
    if let Some(from) = vacation.from.as_ref().and_then(Text::constant) {
        check_from(from).map_err(|message| CompileError::at(node.position, message))?;
    }
    Ok(Command::Vacation(Box::new(vacation)))
}

fn string(v: &Validator, args: &mut Args, what: &str) -> Result<Text, CompileError> {
    let (value, at) = args.string(what)?;
    v.text(value, at)
}

/// RFC 5230 §4.3: `:from` must be an address (a display name may come with it).
fn check_from(value: &str) -> Result<(), String> {
    let address = bare_address(value);
    facteur_primitives::Address::parse(address)
        .map(|_| ())
        .map_err(|error| format!("vacation: :from {value:?} is not an address: {error}"))
}

impl Vacation {
    pub(crate) fn execute(&self, run: &mut Run, scope: &mut Scope) -> Result<(), RuntimeError> {
        let reason = run.expand(scope, &self.reason);
        let subject = self.subject.as_ref().map(|s| run.expand(scope, s));
        let from = self.from.as_ref().map(|s| run.expand(scope, s));
        if let Some(from) = &from {
            check_from(from).map_err(|message| RuntimeError::at(self.position, message))?;
        }
        let handle = match &self.handle {
            Some(handle) => run.expand(scope, handle),
            // RFC 5230 §4.2: without :handle, replies with the same arguments share one.
            None => format!(
                "{reason}{}{}{}",
                subject.as_deref().unwrap_or("<default-subject>"),
                from.as_deref().unwrap_or("<default-from>"),
                if self.mime { "<MIME>" } else { "<NO-MIME>" }
            ),
        };
        let own = self.own_addresses(run, scope);
        let period_secs = self.period_secs.unwrap_or(DEFAULT_PERIOD_SECS).clamp(
            run.limits.vacation_min_period_secs,
            run.limits.vacation_max_period_secs.max(run.limits.vacation_min_period_secs),
        );
        let sender = run.envelope.from.clone();
        let key =
            TrackingKey { kind: TrackingKind::Vacation, handle: handle.clone(), value: sender.to_ascii_lowercase() };
        if let Some(skip) =
            skip_reason(run, &sender, &own).or_else(|| run.is_tracked(&key).then_some(VacationSkip::AlreadyAnswered))
        {
            // Not due, yet still a vacation action for the conflict rules (RFC 5429 §2.1: with reject).
            run.actions.check_vacation(self.position)?;
            run.vacation_skipped = Some(skip);
            return Ok(());
        }
        let original_subject = run.header_values("subject").first().map(|value| decoded_value(value));
        let reply = VacationReply {
            to: sender,
            from,
            subject: subject
                .unwrap_or_else(|| format!("Auto: {}", original_subject.unwrap_or_default()).trim_end().to_owned()),
            reason,
            mime: self.mime,
            in_reply_to: run.header_values("message-id").first().map(|value| unfolded_value(value)),
            period_secs,
            handle,
        };
        run.add_action(Action::Vacation(reply), self.position)?;
        run.tracking.push(Tracking { key, period_secs });
        Ok(())
    }

    /// The owner's addresses: the envelope recipient, the caller's list and `:addresses` (RFC 5230 §4.5).
    fn own_addresses(&self, run: &Run, scope: &Scope) -> Vec<String> {
        let mut own = vec![run.envelope.to.clone()];
        own.extend(run.env.own_addresses());
        own.extend(run.expand_all(scope, &self.addresses).iter().map(|a| bare_address(a).to_owned()));
        own.retain(|address| !address.is_empty());
        own
    }
}

/// RFC 5230 §4.5, §4.6 and RFC 3834 §2: no reply to bounces, to oneself, to daemons and lists, to automatic
/// mail, nor to mail that does not name the owner as a recipient.
fn skip_reason(run: &Run, sender: &str, own: &[String]) -> Option<VacationSkip> {
    if sender.is_empty() {
        return Some(VacationSkip::NullSender);
    }
    if own.iter().any(|address| same_mailbox(address, sender)) {
        return Some(VacationSkip::FromOwner);
    }
    if is_automatic_sender(sender) {
        return Some(VacationSkip::SenderIsAutomatic);
    }
    let header = |name: &str| run.header_values(name).into_iter().map(unfolded_value).collect::<Vec<_>>();
    if header("auto-submitted").iter().any(|value| !value.trim().eq_ignore_ascii_case("no")) {
        return Some(VacationSkip::AutoSubmitted);
    }
    let bulk = header("precedence")
        .iter()
        .any(|value| matches!(value.trim().to_ascii_lowercase().as_str(), "bulk" | "list" | "junk"));
    if bulk || LIST_FIELDS.iter().any(|name| !run.header_values(name).is_empty()) {
        return Some(VacationSkip::MailingList);
    }
    let addressed = RECIPIENT_FIELDS.iter().flat_map(|name| header(name)).any(|field| {
        facteur_message::parse_address_list(field.as_bytes())
            .iter()
            .filter_map(facteur_message::Address::addr_spec)
            .any(|recipient| own.iter().any(|address| same_mailbox(address, &recipient)))
    });
    if !addressed {
        return Some(VacationSkip::NotAddressedToOwner);
    }
    None
}

/// RFC 2369 and RFC 2919 fields: mail that came through a list.
const LIST_FIELDS: [&str; 7] =
    ["list-id", "list-owner", "list-subscribe", "list-post", "list-unsubscribe", "list-help", "list-archive"];

/// RFC 5230 §4.5: where the owner must be named for a reply to be due.
const RECIPIENT_FIELDS: [&str; 6] = ["to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"];

/// RFC 5230 §4.6: senders that are programs.
fn is_automatic_sender(sender: &str) -> bool {
    let local = sender.rsplit_once('@').map_or(sender, |(local, _)| local).to_ascii_lowercase();
    matches!(local.as_str(), "mailer-daemon" | "listserv" | "majordomo")
        || local.starts_with("owner-")
        || local.ends_with("-request")
}

/// The same mailbox: case-insensitive (as the store keys accounts), a `+detail` ignored (RFC 5233).
fn same_mailbox(a: &str, b: &str) -> bool {
    let strip = |address: &str| -> String {
        let lower = address.trim().to_lowercase();
        match lower.rsplit_once('@') {
            Some((local, domain)) => format!("{}@{domain}", local.split_once('+').map_or(local, |(user, _)| user)),
            None => lower,
        }
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemons_and_subaddresses() {
        assert!(is_automatic_sender("MAILER-DAEMON@x.y"));
        assert!(is_automatic_sender("owner-list@x.y"));
        assert!(is_automatic_sender("list-request@x.y"));
        assert!(!is_automatic_sender("alice@x.y"));
        assert!(same_mailbox("Me+tag@Example.net", "me@example.net"));
        assert!(!same_mailbox("me@example.net", "you@example.net"));
    }
}
