//! LIST (RFC 9051 §6.3.9) with LIST-EXTENDED selection and return options (RFC 5258), LIST-STATUS
//! (RFC 5819) and SPECIAL-USE attributes (RFC 6154 §2), and the IMAP4rev1 LSUB (RFC 3501 §6.3.9).
//!
//! Every LIST shows `\HasChildren`/`\HasNoChildren` and the special-use role: clients file sent mail by the
//! role, not the name. A level that has inferiors but no mailbox of its own (its mailbox was deleted) is
//! listed `\NoSelect`.

use std::collections::BTreeMap;

use facteur_imap_proto::{
    Data, ListCommand, ListExtendedItem, ListItem, ListPattern, ListReturn, ListSelection, MailboxAttr, MailboxName,
    StatusResponse,
};
use facteur_store::{Mailbox, SpecialUse};

use crate::commands::store_failure;
use crate::session::Session;

const DELIMITER: char = '/';

/// One name of the hierarchy: a mailbox, a level that only has inferiors, or (for LIST (SUBSCRIBED)) a
/// subscribed name with no mailbox.
#[derive(Default)]
struct Entry<'a> {
    mailbox: Option<&'a Mailbox>,
    has_children: bool,
    subscribed: bool,
}

impl Session<'_> {
    pub(crate) async fn list(&mut self, list: ListCommand) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let account = account.id;
        // RFC 5258 §3.1: RECURSIVEMATCH only qualifies another selection option (REMOTE does not count).
        let recursive = list.selection.contains(&ListSelection::RecursiveMatch);
        let qualified =
            list.selection.iter().any(|s| matches!(s, ListSelection::Subscribed | ListSelection::SpecialUse));
        if recursive && !qualified {
            return StatusResponse::bad(None, "RECURSIVEMATCH needs another selection option");
        }
        // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
        if list.patterns.iter().all(|p| p.0.is_empty()) && list.selection.is_empty() {
            self.client.data(Data::List(ListItem {
                attributes: vec![MailboxAttr::NoSelect],
                delimiter: Some(DELIMITER),
                mailbox: MailboxName::new(""),
                extended: Vec::new(),
            }));
            return StatusResponse::ok(None, "LIST completed");
        }
        let store = self.server.store.as_ref();
        let only_subscribed = list.selection.contains(&ListSelection::Subscribed);
        let only_special = list.selection.contains(&ListSelection::SpecialUse);
        let show_subscribed = only_subscribed || list.returns.contains(&ListReturn::Subscribed);
        let subscriptions = async {
            // A plain LIST, the common case, does not look at subscriptions.
            if show_subscribed { store.subscriptions(account).await } else { Ok(Vec::new()) }
        };
        let (mailboxes, subscriptions) = match tokio::try_join!(store.list_mailboxes(account), subscriptions) {
            Ok(found) => found,
            Err(error) => return store_failure(&error),
        };
        let status_items = list.returns.iter().find_map(|r| match r {
            ListReturn::Status(items) => Some(items.clone()),
            _ => None,
        });
        let patterns: Vec<String> = list.patterns.iter().map(|p| full_pattern(&list.reference, p)).collect();
        let matching = |name: &str| patterns.iter().any(|pattern| matches(pattern, name));
        // RFC 5258 §3.1: LIST (SUBSCRIBED) also shows subscribed names whose mailbox does not exist.
        let hierarchy = hierarchy(&mailboxes, &subscriptions, only_subscribed);
        for (name, entry) in &hierarchy {
            if !matching(name) {
                continue;
            }
            // RFC 5258 §3.5: with RECURSIVEMATCH, a name whose subscribed inferiors the patterns do not show
            // is listed with CHILDINFO, whether or not it is subscribed itself.
            let child_info = recursive
                && only_subscribed
                && subscriptions.iter().any(|subscribed| {
                    subscribed.strip_prefix(*name).is_some_and(|rest| rest.starts_with(DELIMITER))
                        && !matching(subscribed)
                });
            if ((only_subscribed && !entry.subscribed) && !child_info)
                || (only_special && entry.mailbox.and_then(|m| m.special_use).is_none())
            {
                continue;
            }
            let mut attributes = attributes(entry, show_subscribed);
            if only_subscribed && !entry.subscribed {
                attributes.retain(|attribute| *attribute != MailboxAttr::NoSelect);
            }
            let extended =
                if child_info { vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])] } else { Vec::new() };
            self.client.data(Data::List(ListItem {
                attributes,
                delimiter: Some(DELIMITER),
                mailbox: MailboxName::new(*name),
                extended,
            }));
            if let (Some(items), Some(mailbox)) = (&status_items, entry.mailbox) {
                // RFC 5819 §2: STATUS data right after its LIST entry.
                self.status_of(mailbox, items).await;
            }
        }
        StatusResponse::ok(None, "LIST completed")
    }

    /// RFC 3501 §6.3.9: the subscribed names.
    pub(crate) async fn lsub(&mut self, reference: &ListPattern, pattern: &ListPattern) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let subscriptions = match self.server.store.subscriptions(account.id).await {
            Ok(names) => names,
            Err(error) => return store_failure(&error),
        };
        let pattern = full_pattern(reference, pattern);
        let subscribed: BTreeMap<&str, bool> = subscriptions
            .iter()
            .flat_map(|name| {
                // RFC 3501 §6.3.9: with `%`, a level above a subscribed name is shown `\Noselect` when it is
                // not subscribed itself.
                let implied = name.match_indices(DELIMITER).map(|(at, _)| (&name[..at], false));
                let implied: Vec<(&str, bool)> = if pattern.contains('%') { implied.collect() } else { Vec::new() };
                implied.into_iter().chain(std::iter::once((name.as_str(), true)))
            })
            .fold(BTreeMap::new(), |mut names, (name, is_subscribed)| {
                *names.entry(name).or_insert(false) |= is_subscribed;
                names
            });
        for (name, is_subscribed) in subscribed.into_iter().filter(|(name, _)| matches(&pattern, name)) {
            self.client.data(Data::Lsub(ListItem {
                attributes: if is_subscribed { Vec::new() } else { vec![MailboxAttr::NoSelect] },
                delimiter: Some(DELIMITER),
                mailbox: MailboxName::new(name),
                extended: Vec::new(),
            }));
        }
        StatusResponse::ok(None, "LSUB completed")
    }
}

/// Every name of the account's hierarchy, mailboxes and the levels above them, sorted; with
/// `with_unborn_subscriptions`, also the subscribed names that have no mailbox (and no levels for them).
fn hierarchy<'a>(
    mailboxes: &'a [Mailbox],
    subscriptions: &'a [String],
    with_unborn_subscriptions: bool,
) -> BTreeMap<&'a str, Entry<'a>> {
    let mut names: BTreeMap<&str, Entry<'_>> = BTreeMap::new();
    for mailbox in mailboxes {
        names.entry(&mailbox.name).or_default().mailbox = Some(mailbox);
        for (at, _) in mailbox.name.match_indices(DELIMITER) {
            names.entry(&mailbox.name[..at]).or_default().has_children = true;
        }
    }
    for name in subscriptions {
        match names.get_mut(name.as_str()) {
            Some(entry) => entry.subscribed = true,
            None if with_unborn_subscriptions => {
                names.insert(name, Entry { subscribed: true, ..Entry::default() });
            }
            None => {}
        }
    }
    names
}

fn attributes(entry: &Entry<'_>, show_subscribed: bool) -> Vec<MailboxAttr> {
    let mut attributes = Vec::new();
    if show_subscribed && entry.subscribed {
        attributes.push(MailboxAttr::Subscribed);
    }
    match entry.mailbox {
        // RFC 5258 §3.4: a subscribed name without a mailbox or inferiors does not exist (which implies
        // \NoSelect, so that is not repeated).
        None if !entry.has_children => {
            attributes.push(MailboxAttr::NonExistent);
            return attributes;
        }
        None => attributes.push(MailboxAttr::NoSelect),
        Some(mailbox) => {
            if let Some(role) = mailbox.special_use {
                attributes.push(special_use_attr(role));
            }
        }
    }
    attributes.push(if entry.has_children { MailboxAttr::HasChildren } else { MailboxAttr::HasNoChildren });
    attributes
}

pub(crate) fn special_use_attr(role: SpecialUse) -> MailboxAttr {
    match role {
        SpecialUse::All => MailboxAttr::All,
        SpecialUse::Archive => MailboxAttr::Archive,
        SpecialUse::Drafts => MailboxAttr::Drafts,
        SpecialUse::Flagged => MailboxAttr::Flagged,
        SpecialUse::Junk => MailboxAttr::Junk,
        SpecialUse::Sent => MailboxAttr::Sent,
        SpecialUse::Trash => MailboxAttr::Trash,
    }
}

/// Reference and pattern joined (RFC 9051 §6.3.9), with INBOX spelled canonically.
fn full_pattern(reference: &ListPattern, pattern: &ListPattern) -> String {
    let joined = if reference.0.is_empty() || pattern.0.starts_with(DELIMITER) {
        pattern.0.clone()
    } else if reference.0.ends_with(DELIMITER) {
        format!("{}{}", reference.0, pattern.0)
    } else {
        format!("{}{DELIMITER}{}", reference.0, pattern.0)
    };
    let inbox_prefixed = joined.get(..5).is_some_and(|head| head.eq_ignore_ascii_case("INBOX"));
    let at_boundary = matches!(joined.as_bytes().get(5), None | Some(b'/'));
    if inbox_prefixed && at_boundary { format!("INBOX{}", &joined[5..]) } else { joined }
}

/// LIST wildcard matching: `*` matches anything, `%` anything but the delimiter. Dynamic programming over
/// (pattern, name) positions, so a pattern of many stars cannot take exponential time.
fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // reachable[j]: the pattern prefix processed so far can match name[..j].
    let mut reachable = vec![false; name.len() + 1];
    reachable[0] = true;
    for &p in &pattern {
        let mut next = vec![false; name.len() + 1];
        match p {
            '*' | '%' => next = wildcard_step(&reachable, &name, p == '%'),
            c => {
                for j in 0..name.len() {
                    if reachable[j] && name[j] == c {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[name.len()]
}

/// Positions reachable after a wildcard: from each reachable position, any number of further characters
/// (for `%`, none of them the delimiter).
fn wildcard_step(reachable: &[bool], name: &[char], stops_at_delimiter: bool) -> Vec<bool> {
    let mut next = vec![false; reachable.len()];
    let mut carrying = false;
    for j in 0..reachable.len() {
        carrying |= reachable[j];
        next[j] = carrying;
        if stops_at_delimiter && j < name.len() && name[j] == DELIMITER {
            carrying = false;
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_stops_at_the_delimiter_and_star_does_not() {
        assert!(matches("%", "Sent"));
        assert!(!matches("%", "Work/2024"));
        assert!(matches("*", "Work/2024"));
        assert!(matches("Work/%", "Work/2024"));
        assert!(matches("W*4", "Work/2024"));
        assert!(!matches("Work/%", "Work"));
        assert!(matches("INBOX", "INBOX"));
    }

    #[test]
    fn many_stars_against_a_long_name_finish_quickly() {
        let pattern = "*".repeat(500) + "x";
        assert!(!matches(&pattern, &"a".repeat(1000)));
    }

    #[test]
    fn reference_is_joined_and_inbox_normalised() {
        let pattern = |r: &str, p: &str| full_pattern(&ListPattern(r.into()), &ListPattern(p.into()));
        assert_eq!(pattern("", "inbox"), "INBOX");
        assert_eq!(pattern("Work/", "%"), "Work/%");
        assert_eq!(pattern("Work", "%"), "Work/%");
        assert_eq!(pattern("", "Inboxes"), "Inboxes");
    }
}
