//! Refusing a message in the SMTP dialogue when every recipient's script refuses it (RFC 5429 §2.1.1, §2.2,
//! §2.5). The client that is sending then hears `550 5.7.1` and the reason, and we send no report that a
//! forged sender would receive: the "Joe-job" backscatter RFC 5429 §1 was written against.
//!
//! - `ereject` MUST be refused in the protocol when that is possible (§2.1.1). Its reason becomes the reply's
//!   text, made safe: printable US-ASCII, at most [`MAX_LINES`] lines of [`MAX_LINE`] characters (§2.5 lets
//!   the server cut long lines into a multi-line reply); a reason with characters outside US-ASCII is
//!   replaced by a text of ours (§2.1.1 MUST: no SMTP extension for UTF-8 reply text is spoken here).
//! - `reject` MAY be refused in the protocol (§2.2) if its reason is US-ASCII and every recipient refuses;
//!   since `reject` "would always favor preserving the exact text of the refusal reason", it is refused in the
//!   dialogue only when its text fits the reply unchanged, and otherwise reported by message, as before.
//!   Refusing it in the dialogue is not the silent upgrade to `ereject` §2.3 forbids: the text is the owner's,
//!   whole, and the sender still learns it.
//! - When only some recipients refuse, the others get the message, and the senders are told of the refusing
//!   ones by a report (§2.1.2: SMTP has one answer to DATA for every recipient, so the server MUST accept and
//!   report; LMTP could refuse per recipient, but we do not speak it).
//! - A message refused in the dialogue leaves nothing behind: no copy, no follow-up, and no `duplicate` record
//!   (RFC 7352 §3 records delivered messages only; the sender may send it again and be judged afresh). Its
//!   scripts asked for no vacation reply, which `reject` excludes (RFC 5429 §2.4).

use facteur_store::AccountId;

use super::{FollowUp, Plan};

/// Reply lines at most (a bound on what a script can make us say).
pub(crate) const MAX_LINES: usize = 5;
/// Characters in one reply line at most: with `550-5.7.1 ` and CRLF, well within RFC 5321 §4.5.3.1.5's 512.
pub(crate) const MAX_LINE: usize = 200;

/// What we say for an `ereject` whose reason cannot be sent as it is.
const OUR_TEXT: &str = "Refused by the recipient's mail filter";
/// What we say when the recipients' scripts gave different reasons: one recipient's reason is not for the
/// others' senders to read as theirs.
const OUR_TEXT_FOR_SEVERAL: &str = "Refused by the recipients' mail filters";

/// A message every recipient's script refused, and the text of the `550 5.7.1` that says so: printable
/// US-ASCII lines, at most [`MAX_LINES`] of at most [`MAX_LINE`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    lines: Vec<String>,
    /// The owners whose scripts refused it, for the log.
    owners: Vec<String>,
}

impl Refusal {
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn owners(&self) -> &[String] {
        &self.owners
    }
}

/// The refusal to give in the dialogue, if every one of `accounts` refuses the message and each refusal may
/// be given there; `None` when anything is to be delivered or sent, or one `reject` must be reported.
pub(crate) fn refusal(plan: &Plan, accounts: &[AccountId]) -> Option<Refusal> {
    let only_refusals = plan.follow_ups.iter().all(|f| matches!(f, FollowUp::Reject { .. } | FollowUp::Track { .. }));
    if accounts.is_empty() || !plan.targets.is_empty() || !plan.edited.is_empty() || !only_refusals {
        return None;
    }
    let mut texts = Vec::new();
    let mut owners = Vec::new();
    for &account in accounts {
        let (owner, lines) = plan.follow_ups.iter().find_map(|follow_up| match follow_up {
            FollowUp::Reject { account: of, owner, reason, extended } if *of == account => {
                let lines = if *extended { Some(ereject_lines(reason)) } else { reject_lines(reason) };
                Some((owner, lines))
            }
            _ => None,
        })?;
        texts.push(lines?);
        owners.push(owner.clone());
    }
    let lines = match texts.split_first() {
        Some((first, others)) if others.iter().all(|text| text == first) => first.clone(),
        _ => vec![OUR_TEXT_FOR_SEVERAL.to_owned()],
    };
    Some(Refusal { lines, owners })
}

/// `ereject`'s reason as reply lines: always some, ours if the reason cannot be sent.
fn ereject_lines(reason: &str) -> Vec<String> {
    if !reason.is_ascii() {
        return vec![OUR_TEXT.to_owned()];
    }
    let mut lines = wrapped(reason);
    if lines.is_empty() {
        return vec![OUR_TEXT.to_owned()];
    }
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        if let Some(last) = lines.last_mut() {
            last.truncate(MAX_LINE - 4);
            last.push_str(" ...");
        }
    }
    lines
}

/// `reject`'s reason as reply lines, only if it goes whole: US-ASCII, no control characters but line
/// breaks and tabs, and few enough lines.
fn reject_lines(reason: &str) -> Option<Vec<String>> {
    let plain = |c: char| c.is_ascii() && (!c.is_ascii_control() || matches!(c, '\r' | '\n' | '\t'));
    if !reason.chars().all(plain) {
        return None;
    }
    let lines = wrapped(reason);
    (!lines.is_empty() && lines.len() <= MAX_LINES).then_some(lines)
}

/// The reason's lines (CRLF, LF or CR ends a line), control characters as spaces, blank lines left out, each
/// line cut at spaces into pieces of at most [`MAX_LINE`] characters (within a word if it has none).
fn wrapped(reason: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for line in reason.split(['\r', '\n']) {
        let line: String = line.chars().map(|c| if c.is_ascii_control() { ' ' } else { c }).collect();
        let mut rest = line.trim();
        while rest.len() > MAX_LINE {
            // ASCII only here: every index is a character boundary.
            let cut = rest[..=MAX_LINE].rfind(' ').filter(|&at| at > 0).unwrap_or(MAX_LINE);
            lines.push(rest[..cut].trim_end().to_owned());
            rest = rest[cut..].trim_start();
        }
        if !rest.is_empty() {
            lines.push(rest.to_owned());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(follow_ups: Vec<FollowUp>) -> Plan {
        Plan { follow_ups, ..Plan::default() }
    }

    fn reject(account: i64, reason: &str, extended: bool) -> FollowUp {
        FollowUp::Reject {
            account: AccountId(account),
            owner: format!("u{account}@example.com"),
            reason: reason.into(),
            extended,
        }
    }

    #[test]
    fn ereject_reasons_become_printable_ascii_lines_within_bounds() {
        assert_eq!(ereject_lines("Go away.\r\nReally."), ["Go away.", "Really."]);
        assert_eq!(ereject_lines("No\u{7}bell\tplease"), ["No bell please"]);
        assert_eq!(ereject_lines("Pas de réclame"), [OUR_TEXT], "RFC 5429 §2.1.1: non-ASCII is replaced");
        assert_eq!(ereject_lines("  \r\n "), [OUR_TEXT]);
        let long = "word ".repeat(300);
        let lines = ereject_lines(&long);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines.iter().all(|line| line.len() <= MAX_LINE && !line.is_empty()), "{lines:?}");
        assert!(lines[MAX_LINES - 1].ends_with(" ..."));
        let unbroken = "x".repeat(450);
        assert_eq!(ereject_lines(&unbroken).iter().map(String::len).collect::<Vec<_>>(), [200, 200, 50]);
    }

    #[test]
    fn reject_is_refused_in_the_dialogue_only_when_its_text_goes_whole() {
        assert_eq!(reject_lines("No sales.\nThank you."), Some(vec!["No sales.".into(), "Thank you.".into()]));
        assert_eq!(reject_lines("Pas de réclame"), None, "RFC 5429 §2.2: US-ASCII only");
        assert_eq!(reject_lines("bell\u{7}"), None);
        assert_eq!(reject_lines(&"line\n".repeat(MAX_LINES + 1)), None, "it would be cut");
    }

    #[test]
    fn every_account_must_refuse_for_a_refusal() {
        let accounts = [AccountId(1), AccountId(2)];
        let both = plan_of(vec![reject(1, "No.", true), reject(2, "No.", false)]);
        let refusal = refusal(&both, &accounts).unwrap();
        assert_eq!(refusal.lines(), ["No."]);
        assert_eq!(refusal.owners(), ["u1@example.com", "u2@example.com"]);

        let one = plan_of(vec![reject(1, "No.", true)]);
        assert_eq!(super::refusal(&one, &accounts), None, "account 2 takes the message");
        let differing = plan_of(vec![reject(1, "No.", true), reject(2, "Never.", true)]);
        assert_eq!(super::refusal(&differing, &accounts).unwrap().lines(), [OUR_TEXT_FOR_SEVERAL]);
        let reported = plan_of(vec![reject(1, "No.", true), reject(2, "Non, merci à vous.", false)]);
        assert_eq!(super::refusal(&reported, &accounts), None, "a reject that must be reported is reported");
    }
}
