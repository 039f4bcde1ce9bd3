//! Which state may run which command (RFC 9051 §6), and the one match that routes a command to its family.

use facteur_imap_proto::{CommandBody, StatusResponse};

use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

/// The state a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// RFC 9051 §6.1: CAPABILITY, NOOP, LOGOUT (and ID, RFC 2971).
    Any,
    /// RFC 9051 §6.2: STARTTLS, AUTHENTICATE, LOGIN.
    NotAuthenticated,
    /// RFC 9051 §6.3: also valid in the selected state.
    Authenticated,
    /// RFC 9051 §6.4.
    Selected,
}

fn needs(body: &CommandBody) -> Needs {
    use CommandBody as C;
    match body {
        C::Capability | C::Noop | C::Logout | C::Id(_) => Needs::Any,
        C::StartTls | C::Authenticate { .. } | C::Login { .. } => Needs::NotAuthenticated,
        C::Enable(_)
        | C::Select { .. }
        | C::Examine { .. }
        | C::Create { .. }
        | C::Delete(_)
        | C::Rename { .. }
        | C::Subscribe(_)
        | C::Unsubscribe(_)
        | C::List(_)
        | C::Lsub { .. }
        | C::Namespace
        | C::Status { .. }
        | C::Idle
        | C::GetQuota(_)
        | C::GetQuotaRoot(_)
        | C::SetQuota { .. }
        | C::Compress(_) => Needs::Authenticated,
        C::Check
        | C::Close
        | C::Unselect
        | C::Expunge
        | C::UidExpunge(_)
        | C::Search(_)
        | C::Fetch(_)
        | C::Store(_)
        | C::Copy { .. }
        | C::Move { .. }
        | C::Sort(_)
        | C::Thread(_) => Needs::Selected,
    }
}

/// The refusal for a command in the wrong state, each case visible.
fn refusal(needs: Needs, state: &State) -> Option<&'static str> {
    match (needs, state) {
        (_, State::Logout) => Some("Logging out"),
        (Needs::Any, _) => None,
        (Needs::NotAuthenticated, State::NotAuthenticated) => None,
        (Needs::NotAuthenticated, State::Authenticated(_) | State::Selected(..)) => Some("Already authenticated"),
        (Needs::Authenticated | Needs::Selected, State::NotAuthenticated) => Some("Log in first"),
        (Needs::Authenticated, State::Authenticated(_) | State::Selected(..)) => None,
        (Needs::Selected, State::Selected(..)) => None,
        (Needs::Selected, State::Authenticated(_)) => Some("No mailbox selected"),
    }
}

/// Runs one command; the answer is untagged (the caller tags it after reporting changes).
pub async fn dispatch(session: &mut Session<'_>, body: CommandBody) -> Result<StatusResponse, Ending> {
    use CommandBody as C;
    if let Some(why) = refusal(needs(&body), &session.state) {
        return Ok(StatusResponse::bad(None, why));
    }
    match body {
        C::Capability => Ok(session.capability()),
        C::Noop => Ok(StatusResponse::ok(None, "NOOP completed")),
        C::Logout => Ok(session.logout()),
        C::Id(_) => Ok(session.id()),
        C::StartTls => Ok(session.starttls()),
        C::Authenticate { mechanism, initial_response } => session.authenticate(&mechanism, initial_response).await,
        C::Login { username, password } => session.login(username, password).await,
        C::Enable(names) => Ok(session.enable(&names)),
        C::Select { mailbox, params } => session.select(&mailbox, params, false).await,
        C::Examine { mailbox, params } => session.select(&mailbox, params, true).await,
        C::Create { mailbox, special_use } => Ok(session.create(&mailbox, &special_use).await),
        C::Delete(mailbox) => Ok(session.delete(&mailbox).await),
        C::Rename { from, to } => Ok(session.rename(&from, &to).await),
        C::Subscribe(mailbox) => Ok(session.subscribe(&mailbox, true).await),
        C::Unsubscribe(mailbox) => Ok(session.subscribe(&mailbox, false).await),
        C::List(list) => Ok(session.list(list).await),
        C::Lsub { reference, pattern } => Ok(session.lsub(&reference, &pattern).await),
        C::Namespace => Ok(session.namespace()),
        C::Status { mailbox, items } => Ok(session.status(&mailbox, &items).await),
        C::Idle => session.idle().await,
        C::GetQuota(root) => Ok(session.get_quota(&root).await),
        C::GetQuotaRoot(mailbox) => Ok(session.get_quota_root(&mailbox).await),
        C::SetQuota { .. } => Ok(session.set_quota()),
        C::Compress(mechanism) => Ok(session.compress(&mechanism)),
        C::Check => Ok(StatusResponse::ok(None, "CHECK completed")),
        C::Close => Ok(session.close().await),
        C::Unselect => Ok(session.unselect()),
        C::Expunge => session.expunge(None).await,
        C::UidExpunge(uids) => session.expunge(Some(uids)).await,
        C::Search(search) => session.search(search).await,
        C::Fetch(fetch) => session.fetch(fetch).await,
        C::Store(store) => session.store(store).await,
        C::Copy { set, mailbox } => session.copy(&set, &mailbox, false).await,
        C::Move { set, mailbox } => session.copy(&set, &mailbox, true).await,
        C::Sort(sort) => session.sort(sort).await,
        C::Thread(thread) => session.thread(thread).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_commands_are_refused_before_select_and_login() {
        assert_eq!(refusal(Needs::Selected, &State::NotAuthenticated), Some("Log in first"));
        assert_eq!(refusal(Needs::NotAuthenticated, &State::NotAuthenticated), None);
        assert_eq!(refusal(Needs::Any, &State::NotAuthenticated), None);
        assert_eq!(refusal(Needs::Any, &State::Logout), Some("Logging out"));
    }
}
