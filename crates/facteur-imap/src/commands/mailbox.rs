//! CREATE (RFC 9051 §6.3.4, RFC 6154 §3 USE), DELETE (§6.3.5), RENAME (§6.3.6, INBOX semantics),
//! SUBSCRIBE and UNSUBSCRIBE (§6.3.7-8).
//!
//! A CREATE of a well-known special-folder name ("Sent Items", "Corbeille") while the account already has a
//! mailbox with that role succeeds without creating anything: the name resolves to that mailbox from then on
//! (see [`crate::special_folders`]). Without such a mailbox, the new one gets the role.

use facteur_imap_proto::{MailboxAttr, MailboxName, ResponseCode, StatusResponse};
use facteur_store::{INBOX, SpecialUse};
use tracing::info;

use crate::commands::{resolve_mailbox, store_failure};
use crate::session::Session;
use crate::state::State;
use facteur_store::special_folders::role_of_name;

impl Session<'_> {
    pub(crate) async fn create(&mut self, mailbox: &MailboxName, special_use: &[MailboxAttr]) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let account = account.id;
        let store = self.server.store.as_ref();
        // RFC 9051 §6.3.4: a trailing delimiter announces a parent-to-be; the name is without it.
        let name = mailbox.as_str().strip_suffix('/').unwrap_or(mailbox.as_str());
        if name.eq_ignore_ascii_case(INBOX) {
            return StatusResponse::no(None, "INBOX always exists").with_code(ResponseCode::AlreadyExists);
        }
        let requested = match requested_role(special_use) {
            Ok(role) => role,
            Err(refusal) => return refusal,
        };
        match store.mailbox_by_name(account, name).await {
            Ok(Some(_)) => return StatusResponse::no(None, "Mailbox exists").with_code(ResponseCode::AlreadyExists),
            Ok(None) => {}
            Err(error) => return store_failure(&error),
        }
        let well_known = role_of_name(name);
        let role = requested.or(well_known);
        if let Some(role) = role {
            match store.mailbox_by_role(account, role).await {
                Ok(Some(existing)) if requested.is_none() || well_known == Some(role) => {
                    info!(name, canonical = %existing.name, "CREATE of a special folder name resolved to the existing one");
                    return StatusResponse::ok(None, format!("{name} is the {role} mailbox {}", existing.name));
                }
                Ok(Some(_)) => {
                    return StatusResponse::no(None, format!("A {role} mailbox already exists"))
                        .with_code(ResponseCode::UseAttr);
                }
                Ok(None) => {}
                Err(error) => return store_failure(&error),
            }
        }
        // RFC 9051 §6.3.4 creates, it does not subscribe (SUBSCRIBE does).
        if let Err(error) = store.create_mailbox(account, name, role).await {
            return store_failure(&error);
        }
        StatusResponse::ok(None, "CREATE completed")
    }

    pub(crate) async fn delete(&mut self, mailbox: &MailboxName) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let account = account.id;
        if mailbox.is_inbox() {
            return StatusResponse::no(None, "INBOX cannot be deleted").with_code(ResponseCode::Cannot);
        }
        if let State::Selected(_, selected) = &self.state
            && selected.name == mailbox.as_str()
        {
            self.state.deselect();
        }
        match self.server.store.delete_mailbox(account, mailbox.as_str()).await {
            Ok(()) => StatusResponse::ok(None, "DELETE completed"),
            Err(error) => store_failure(&error),
        }
    }

    pub(crate) async fn rename(&mut self, from: &MailboxName, to: &MailboxName) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let account = account.id;
        let store = self.server.store.as_ref();
        if to.is_inbox() {
            return StatusResponse::no(None, "INBOX exists").with_code(ResponseCode::AlreadyExists);
        }
        if !from.is_inbox() {
            return match store.rename_mailbox(account, from.as_str(), to.as_str()).await {
                Ok(()) => StatusResponse::ok(None, "RENAME completed"),
                Err(error) => store_failure(&error),
            };
        }
        // RFC 9051 §6.3.6: renaming INBOX moves its messages to the new mailbox and leaves INBOX empty;
        // INBOX's inferiors stay where they are.
        let result = async {
            let inbox = store
                .mailbox_by_name(account, INBOX)
                .await?
                .ok_or(facteur_store::StoreError::NotFound(facteur_store::Entity::Mailbox, INBOX.to_owned()))?;
            let target = store.create_mailbox(account, to.as_str(), None).await?;
            let uids: Vec<_> = store.messages(inbox.id).await?.into_iter().map(|m| m.uid).collect();
            if !uids.is_empty() {
                store.move_messages(inbox.id, &uids, target).await?;
            }
            Ok::<_, facteur_store::StoreError>(())
        }
        .await;
        match result {
            Ok(()) => StatusResponse::ok(None, "RENAME completed"),
            Err(error) => store_failure(&error),
        }
    }

    pub(crate) async fn subscribe(&mut self, mailbox: &MailboxName, subscribed: bool) -> StatusResponse {
        let Some(account) = self.state.account() else { return StatusResponse::bad(None, "Log in first") };
        let account = account.id;
        let store = self.server.store.as_ref();
        // A well-known name subscribes the canonical mailbox; any other name is subscribed as given, existing
        // or not: RFC 9051 §6.3.7, clients may subscribe before they create, and a subscription outlives DELETE.
        let name = match resolve_mailbox(store, account, mailbox).await {
            Ok(Some(target)) => target.name,
            Ok(None) => mailbox.as_str().to_owned(),
            Err(error) => return store_failure(&error),
        };
        match store.set_subscribed(account, &name, subscribed).await {
            Ok(()) => {
                StatusResponse::ok(None, if subscribed { "SUBSCRIBE completed" } else { "UNSUBSCRIBE completed" })
            }
            Err(error) => store_failure(&error),
        }
    }
}

/// The role of `CREATE name (USE (...))`: at most one (RFC 6154 §3: a server may refuse several).
fn requested_role(attributes: &[MailboxAttr]) -> Result<Option<SpecialUse>, StatusResponse> {
    let mut roles = attributes.iter().map(|attr| match attr {
        MailboxAttr::All => Ok(SpecialUse::All),
        MailboxAttr::Archive => Ok(SpecialUse::Archive),
        MailboxAttr::Drafts => Ok(SpecialUse::Drafts),
        MailboxAttr::Flagged => Ok(SpecialUse::Flagged),
        MailboxAttr::Junk => Ok(SpecialUse::Junk),
        MailboxAttr::Sent => Ok(SpecialUse::Sent),
        MailboxAttr::Trash => Ok(SpecialUse::Trash),
        _ => Err(StatusResponse::no(None, "Unknown special-use attribute").with_code(ResponseCode::UseAttr)),
    });
    let first = roles.next().transpose()?;
    if roles.next().is_some() {
        return Err(StatusResponse::no(None, "One special use per mailbox").with_code(ResponseCode::UseAttr));
    }
    Ok(first)
}
