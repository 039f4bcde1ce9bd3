//! SELECT and EXAMINE (RFC 9051 §6.3.2-3) with CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (§3.2.5), CLOSE
//! (§6.4.1) and UNSELECT (§6.4.2, RFC 3691).

use facteur_imap_proto::MessageNumber as _;
use facteur_imap_proto::{
    Data, Flag, ListItem, MailboxName, PermanentFlag, QresyncParams, ResponseCode, SelectParams, StatusResponse,
};
use facteur_store::{Mailbox, MessageMeta, SystemFlags, Uid};

use crate::commands::list::special_use_attr;
use crate::commands::{no_such_mailbox, resolve_mailbox, store_failure};
use crate::io::{Ending, SYSTEM_FLAGS};
use crate::selected::{Selected, vanished};
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) async fn select(
        &mut self,
        name: &MailboxName,
        params: SelectParams,
        read_only: bool,
    ) -> Result<StatusResponse, Ending> {
        let Some(account) = self.state.account() else { return Ok(StatusResponse::bad(None, "Log in first")) };
        let account = account.id;
        if params.qresync.is_some() && !self.client.enabled.qresync {
            return Ok(StatusResponse::bad(None, "Enable QRESYNC first"));
        }
        // RFC 9051 §6.3.2: a SELECT first deselects, even when it fails; the CLOSED code marks the boundary
        // between the old mailbox's responses and the new one's (RFC 7162 §3.2.11).
        if matches!(self.state, State::Selected(..)) {
            self.state.deselect();
            self.client.untagged_ok(ResponseCode::Closed, "Previous mailbox closed");
        }
        if params.condstore {
            self.client.enabled.condstore = true;
        }
        let store = self.server.store.as_ref();
        let mailbox = match resolve_mailbox(store, account, name).await {
            Ok(Some(mailbox)) => mailbox,
            Ok(None) => return Ok(no_such_mailbox()),
            Err(error) => return Ok(store_failure(&error)),
        };
        let messages = match store.messages(mailbox.id).await {
            Ok(messages) => messages,
            Err(error) => return Ok(store_failure(&error)),
        };
        // RFC 3501 §6.3.2: EXAMINE must not take \Recent away from other sessions; SELECT claims it.
        let recent = &self.server.recent;
        let recent = match (read_only, messages.last()) {
            (_, None) => None,
            (true, Some(_)) => Some(recent.first_unclaimed(mailbox.id)..=u32::MAX),
            (false, Some(newest)) => {
                let first = recent.claim(mailbox.id, newest.uid);
                (first <= newest.uid.get()).then_some(first..=newest.uid.get())
            }
        };
        let selected = Selected::new(&mailbox, &messages, read_only, recent);
        self.describe(&mailbox, &messages, selected.recent_count(), read_only);
        if let Some(qresync) = &params.qresync
            && qresync.uid_validity == mailbox.uidvalidity.0
        {
            self.resynchronise(&selected, qresync).await;
        }
        let Some(State::Authenticated(account)) = Some(std::mem::replace(&mut self.state, State::Logout)) else {
            return Ok(StatusResponse::bad(None, "Log in first"));
        };
        self.state = State::Selected(account, Box::new(selected));
        let (code, text) = if read_only {
            (ResponseCode::ReadOnly, "EXAMINE completed")
        } else {
            (ResponseCode::ReadWrite, "SELECT completed")
        };
        Ok(StatusResponse::ok(None, text).with_code(code))
    }

    /// The untagged data of a successful SELECT (RFC 9051 §6.3.2, RFC 3501 §6.3.1 for IMAP4rev1 clients).
    fn describe(&mut self, mailbox: &Mailbox, messages: &[MessageMeta], recent: u32, read_only: bool) {
        let rev2 = self.client.enabled.rev2;
        let mut flags: Vec<Flag> = SYSTEM_FLAGS.to_vec();
        let mut keywords: Vec<&String> = messages.iter().flat_map(|m| m.keywords.iter()).collect();
        keywords.sort_unstable();
        keywords.dedup();
        flags.extend(keywords.iter().map(|k| Flag::Keyword((*k).clone())));
        self.client.set_known_keywords(keywords.into_iter().cloned().collect());
        self.client.data(Data::Flags(flags.clone()));
        self.client.data(Data::Exists(u32::try_from(messages.len()).unwrap_or(u32::MAX)));
        if !rev2 {
            self.client.data(Data::Recent(recent));
            if let Some(first_unseen) = messages.iter().position(|m| !m.flags.contains(SystemFlags::SEEN)) {
                self.client.untagged_ok(ResponseCode::Unseen(first_unseen as u32 + 1), "First unseen");
            }
        }
        let permanent = if read_only {
            Vec::new()
        } else {
            let mut permanent: Vec<PermanentFlag> = flags.into_iter().map(PermanentFlag::Flag).collect();
            permanent.push(PermanentFlag::AnyKeyword);
            permanent
        };
        self.client.untagged_ok(ResponseCode::PermanentFlags(permanent), "Flags permitted");
        self.client.untagged_ok(ResponseCode::UidValidity(mailbox.uidvalidity.0), "UIDs valid");
        self.client.untagged_ok(ResponseCode::UidNext(mailbox.uidnext.get()), "Predicted next UID");
        self.client.untagged_ok(ResponseCode::HighestModSeq(mailbox.highestmodseq.0), "Highest");
        if rev2 {
            // RFC 9051 §6.3.2: the mailbox's LIST data, with its canonical name (this answers "Sent Items").
            let mut attributes = Vec::new();
            if let Some(role) = mailbox.special_use {
                attributes.push(special_use_attr(role));
            }
            self.client.data(Data::List(ListItem {
                attributes,
                delimiter: Some('/'),
                mailbox: MailboxName::new(mailbox.name.clone()),
                extended: Vec::new(),
            }));
        }
    }

    /// RFC 7162 §3.2.5: what changed since the client's MODSEQ, as VANISHED (EARLIER) and FETCH.
    async fn resynchronise(&mut self, selected: &Selected, qresync: &QresyncParams) {
        let store = self.server.store.as_ref();
        let Ok(changes) = store.changes_since(selected.id, facteur_store::ModSeq(qresync.mod_seq)).await else {
            return;
        };
        let known = |uid: Uid| {
            qresync.known_uids.as_ref().is_none_or(|set| {
                facteur_imap_proto::Uid::new(uid.get()).is_some_and(|wire| set.contains(wire, u32::MAX))
            })
        };
        let gone: Vec<Uid> = changes.vanished.iter().copied().filter(|uid| known(*uid)).collect();
        if let Some(data) = vanished(&gone, true) {
            self.client.data(data);
        }
        let enabled = self.client.enabled;
        for message in &changes.changed {
            if let Some(seq) = selected.seq_of(message.uid)
                && let Some(data) = selected.flags_update(seq, message, enabled)
            {
                self.client.data(data);
            }
        }
    }

    /// CLOSE: expunges silently (unless read-only), then deselects.
    pub(crate) async fn close(&mut self) -> StatusResponse {
        if let State::Selected(_, selected) = &self.state
            && !selected.read_only
        {
            let store = self.server.store.as_ref();
            if let Ok(messages) = store.messages(selected.id).await {
                let deleted: Vec<Uid> =
                    messages.iter().filter(|m| m.flags.contains(SystemFlags::DELETED)).map(|m| m.uid).collect();
                if !deleted.is_empty()
                    && let Err(error) = store.expunge(selected.id, &deleted).await
                {
                    return store_failure(&error);
                }
            }
        }
        self.state.deselect();
        StatusResponse::ok(None, "CLOSE completed")
    }

    pub(crate) fn unselect(&mut self) -> StatusResponse {
        self.state.deselect();
        StatusResponse::ok(None, "UNSELECT completed")
    }
}
