//! What an evaluation decided: the actions to take, whether the implicit keep applies, and what the caller
//! must remember. Conflicts and duplicates are settled here, as RFC 5228 §2.10 and RFC 5429 §2 ask.

use crate::environment::TrackingKey;
use crate::error::{Position, RuntimeError};

/// The result of [`crate::Script::evaluate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The explicit actions, in the order the script took them, duplicates collapsed.
    pub actions: Vec<Action>,
    /// `Some` when the implicit keep applies (RFC 5228 §2.10.2: no action cancelled it): file the message
    /// in the default mailbox with these flags (RFC 5232 §3: the internal flags variable at the end).
    pub implicit_keep: Option<Keep>,
    /// Records to keep once the message is delivered (duplicate ids, vacation replies): see
    /// [`crate::Environment::is_tracked`].
    pub tracking: Vec<Tracking>,
    /// When `editheader` changed the header (RFC 5293): the whole new header block, its final empty line
    /// included, to store and send in place of the original header (the body stays as it is).
    pub edited_header: Option<Vec<u8>>,
    /// When the script asked for a vacation reply that is not due, why (for the log).
    pub vacation_skipped: Option<VacationSkip>,
}

/// File into the default mailbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keep {
    /// IMAP flags and keywords to set (RFC 5232), as written (system flags keep their backslash).
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `keep` (RFC 5228 §4.3).
    Keep(Keep),
    /// `fileinto` (RFC 5228 §4.1): `create` asks for the mailbox to be created if missing (RFC 5490 §3.2);
    /// `copy` means it did not cancel the implicit keep (RFC 3894).
    FileInto { mailbox: String, flags: Vec<String>, create: bool, copy: bool },
    /// `redirect` (RFC 5228 §4.2) to an address checked by `facteur_primitives::Address`.
    Redirect { address: String, copy: bool },
    /// `discard` (RFC 5228 §4.4): only cancels the implicit keep.
    Discard,
    /// `reject` (RFC 5429 §2.2: answer with a report) or `ereject` (§2.1: refuse in the SMTP dialogue when
    /// still possible).
    Reject { reason: String, extended: bool },
    /// A vacation reply that is due (RFC 5230): the caller builds and sends it, then records
    /// [`VacationReply::tracking`].
    Vacation(VacationReply),
}

/// A vacation reply to send (RFC 5230 §4, RFC 3834).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VacationReply {
    /// The envelope sender of the message being answered.
    pub to: String,
    /// `:from`, when given; otherwise the caller's address for the owner (RFC 5230 §4.3).
    pub from: Option<String>,
    /// `:subject`, or "Auto: " and the original subject (RFC 5230 §4.4).
    pub subject: String,
    /// The reason text; with `mime`, a MIME entity (header and body) to send as the reply's body.
    pub reason: String,
    pub mime: bool,
    /// The original's `Message-ID`, for `In-Reply-To` and `References` (RFC 3834 §3.1.3).
    pub in_reply_to: Option<String>,
    /// How long this sender gets no second reply for this handle (`:days`, `:seconds`).
    pub period_secs: u64,
    pub handle: String,
}

/// Why a vacation reply was not due (RFC 5230 §4.5, §4.6, RFC 3834 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VacationSkip {
    /// The envelope sender is the null path (a bounce or report).
    NullSender,
    /// The sender is the owner.
    FromOwner,
    /// `MAILER-DAEMON`, `owner-…`, `…-request` and the like.
    SenderIsAutomatic,
    /// `Auto-Submitted:` other than `no`.
    AutoSubmitted,
    /// `Precedence: bulk|list|junk`, or `List-Id:` and the other list fields.
    MailingList,
    /// None of the owner's addresses is in `To:`, `Cc:`, `Bcc:` or their `Resent-` forms.
    NotAddressedToOwner,
    /// This sender was answered within the period.
    AlreadyAnswered,
}

/// A record to keep for `period_secs` (or refresh, for `duplicate :last`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub key: TrackingKey,
    pub period_secs: u64,
}

/// The actions as they accumulate during a run.
#[derive(Debug, Default)]
pub(crate) struct Actions {
    list: Vec<Action>,
    keep_cancelled: bool,
    redirects: usize,
}

impl Actions {
    pub(crate) fn add(
        &mut self,
        action: Action,
        position: Position,
        max_actions: usize,
        max_redirects: usize,
    ) -> Result<(), RuntimeError> {
        self.check_conflicts(&action, position)?;
        if cancels_implicit_keep(&action) {
            self.keep_cancelled = true;
        }
        if self.merge_duplicate(&action) {
            return Ok(());
        }
        if matches!(action, Action::Redirect { .. }) {
            self.redirects += 1;
            if self.redirects > max_redirects {
                return Err(RuntimeError::at(position, format!("more than {max_redirects} redirects")));
            }
        }
        if self.list.len() >= max_actions {
            return Err(RuntimeError::at(position, format!("more than {max_actions} actions")));
        }
        self.list.push(action);
        Ok(())
    }

    /// The conflict rules for a vacation that is not due: RFC 5429 §2.1 forbids it beside reject all the same.
    pub(crate) fn check_vacation(&self, position: Position) -> Result<(), RuntimeError> {
        if self.list.iter().any(|a| matches!(a, Action::Reject { .. })) {
            return Err(RuntimeError::at(position, "reject and ereject conflict with vacation"));
        }
        Ok(())
    }

    pub(crate) fn has_vacation(&self) -> bool {
        self.list.iter().any(|a| matches!(a, Action::Vacation(_)))
    }

    /// RFC 5429 §2.1, §2.2: reject and ereject deliver nothing and answer the sender, so they go with no
    /// action that delivers (keep, fileinto, redirect) or answers (vacation), nor with another reject.
    fn check_conflicts(&self, action: &Action, position: Position) -> Result<(), RuntimeError> {
        let rejects = |a: &Action| matches!(a, Action::Reject { .. });
        let delivers_or_answers = |a: &Action| {
            matches!(a, Action::Keep(_) | Action::FileInto { .. } | Action::Redirect { .. } | Action::Vacation(_))
        };
        if rejects(action) && self.list.iter().any(rejects) {
            return Err(RuntimeError::at(position, "a second reject or ereject"));
        }
        if rejects(action) && self.list.iter().any(delivers_or_answers)
            || delivers_or_answers(action) && self.list.iter().any(rejects)
        {
            return Err(RuntimeError::at(
                position,
                "reject and ereject conflict with keep, fileinto, redirect and vacation",
            ));
        }
        if matches!(action, Action::Vacation(_)) && self.has_vacation() {
            return Err(RuntimeError::at(position, "a second vacation action"));
        }
        Ok(())
    }

    /// RFC 5228 §2.10.3: the same mailbox twice (keep is the default mailbox), the same redirect address
    /// twice, discard twice: one action. The later flags win, as with Pigeonhole.
    fn merge_duplicate(&mut self, action: &Action) -> bool {
        for existing in &mut self.list {
            match (existing, action) {
                (Action::Discard, Action::Discard) => return true,
                (Action::Redirect { address: a, copy: c }, Action::Redirect { address: b, copy: d })
                    if same_address(a, b) =>
                {
                    *c = *c && *d;
                    return true;
                }
                (existing, new) if stored_in(existing).is_some() && stored_in(existing) == stored_in(new) => {
                    merge_store(existing, new);
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    pub(crate) fn into_outcome(self, flags: Vec<String>) -> (Vec<Action>, Option<Keep>) {
        let implicit = (!self.keep_cancelled).then_some(Keep { flags });
        (self.list, implicit)
    }
}

fn cancels_implicit_keep(action: &Action) -> bool {
    match action {
        Action::Keep(_) | Action::Discard | Action::Reject { .. } => true,
        Action::FileInto { copy, .. } | Action::Redirect { copy, .. } => !copy,
        Action::Vacation(_) => false,
    }
}

/// The mailbox an action stores into, `INBOX` for keep (RFC 3501 §5.1: `INBOX` is case-insensitive).
fn stored_in(action: &Action) -> Option<String> {
    match action {
        Action::Keep(_) => Some("INBOX".into()),
        Action::FileInto { mailbox, .. } if mailbox.eq_ignore_ascii_case("INBOX") => Some("INBOX".into()),
        Action::FileInto { mailbox, .. } => Some(mailbox.clone()),
        _ => None,
    }
}

fn merge_store(existing: &mut Action, new: &Action) {
    let new_flags = match new {
        Action::Keep(keep) => keep.flags.clone(),
        Action::FileInto { flags, .. } => flags.clone(),
        _ => return,
    };
    match existing {
        Action::Keep(keep) => keep.flags = new_flags,
        Action::FileInto { flags, create, copy, .. } => {
            *flags = new_flags;
            if let Action::FileInto { create: c, copy: k, .. } = new {
                *create |= *c;
                *copy &= *k;
            } else {
                *copy = false;
            }
        }
        _ => {}
    }
}

/// Local parts are case-sensitive, domains are not (RFC 5321 §2.4).
fn same_address(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(actions: &mut Actions, action: Action) -> Result<(), RuntimeError> {
        actions.add(action, Position::default(), 32, 4)
    }

    fn file(mailbox: &str, copy: bool) -> Action {
        Action::FileInto { mailbox: mailbox.into(), flags: Vec::new(), create: false, copy }
    }

    #[test]
    fn duplicates_collapse_and_later_flags_win() {
        let mut actions = Actions::default();
        assert!(add(&mut actions, Action::Keep(Keep { flags: vec!["a".into()] })).is_ok());
        assert!(
            add(
                &mut actions,
                Action::FileInto { mailbox: "inbox".into(), flags: vec!["b".into()], create: false, copy: false }
            )
            .is_ok()
        );
        assert!(add(&mut actions, Action::Redirect { address: "a@B.c".into(), copy: false }).is_ok());
        assert!(add(&mut actions, Action::Redirect { address: "a@b.C".into(), copy: false }).is_ok());
        assert!(add(&mut actions, Action::Redirect { address: "A@b.c".into(), copy: false }).is_ok());
        let (list, implicit) = actions.into_outcome(Vec::new());
        assert_eq!(list.len(), 3);
        assert_eq!(list[0], Action::Keep(Keep { flags: vec!["b".into()] }));
        assert_eq!(implicit, None);
    }

    #[test]
    fn copies_keep_the_implicit_keep() {
        let mut actions = Actions::default();
        assert!(add(&mut actions, file("A", true)).is_ok());
        assert!(add(&mut actions, Action::Redirect { address: "x@y.z".into(), copy: true }).is_ok());
        assert!(actions.into_outcome(Vec::new()).1.is_some());
    }

    #[test]
    fn reject_conflicts_with_delivery_and_vacation_but_not_discard() {
        let reject = || Action::Reject { reason: "no".into(), extended: false };
        let mut actions = Actions::default();
        assert!(add(&mut actions, reject()).is_ok());
        assert!(add(&mut actions, Action::Discard).is_ok());
        assert!(add(&mut actions, file("A", true)).is_err());
        assert!(add(&mut actions, reject()).is_err());
        let mut actions = Actions::default();
        assert!(add(&mut actions, file("A", false)).is_ok());
        assert!(add(&mut actions, reject()).is_err());
    }

    #[test]
    fn redirects_are_limited() {
        let mut actions = Actions::default();
        for n in 0..4 {
            assert!(add(&mut actions, Action::Redirect { address: format!("u{n}@x.y"), copy: false }).is_ok());
        }
        assert!(add(&mut actions, Action::Redirect { address: "u9@x.y".into(), copy: false }).is_err());
    }
}
