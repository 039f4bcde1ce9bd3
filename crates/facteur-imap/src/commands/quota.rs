//! GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208 §4), for the one limit Facteur keeps: the account's storage.
//!
//! Every mailbox of an account shares one quota root, named `""`, with the STORAGE resource in units of 1024
//! octets (§5.1). An account without a limit has no quota root: its mailboxes report none. Limits are the
//! operator's to set (`facteur account quota`), so SETQUOTA is refused.

use facteur_imap_proto::{Data, MailboxName, QuotaResource, ResponseCode, StatusResponse};
use facteur_store::{Account, AccountId};

use crate::commands::{no_such_mailbox, resolve_mailbox, store_failure};
use crate::session::Session;

/// The name of the account's quota root.
const ROOT: &str = "";

impl Session<'_> {
    pub(crate) async fn get_quota(&mut self, root: &str) -> StatusResponse {
        let Some(account) = self.state.account().map(|a| a.id) else {
            return StatusResponse::bad(None, "Log in first");
        };
        let account = match self.fresh_account(account).await {
            Ok(account) => account,
            Err(refusal) => return refusal,
        };
        match (root == ROOT).then(|| quota_of(&account)).flatten() {
            Some(quota) => {
                self.client.data(quota);
                StatusResponse::ok(None, "GETQUOTA completed")
            }
            None => StatusResponse::no(None, "No such quota root").with_code(ResponseCode::Nonexistent),
        }
    }

    pub(crate) async fn get_quota_root(&mut self, mailbox: &MailboxName) -> StatusResponse {
        let Some(account) = self.state.account().map(|a| a.id) else {
            return StatusResponse::bad(None, "Log in first");
        };
        match resolve_mailbox(self.server.store.as_ref(), account, mailbox).await {
            Ok(Some(_)) => {}
            Ok(None) => return no_such_mailbox(),
            Err(error) => return store_failure(&error),
        }
        let account = match self.fresh_account(account).await {
            Ok(account) => account,
            Err(refusal) => return refusal,
        };
        let quota = quota_of(&account);
        let roots = if quota.is_some() { vec![ROOT.to_owned()] } else { Vec::new() };
        self.client.data(Data::QuotaRoot { mailbox: mailbox.clone(), roots });
        if let Some(quota) = quota {
            self.client.data(quota);
        }
        StatusResponse::ok(None, "GETQUOTAROOT completed")
    }

    pub(crate) fn set_quota(&self) -> StatusResponse {
        if self.state.account().is_none() {
            return StatusResponse::bad(None, "Log in first");
        }
        StatusResponse::no(None, "Quotas are set by the administrator").with_code(ResponseCode::NoPerm)
    }

    /// The account as stored now: the session's copy has the usage of when it logged in.
    async fn fresh_account(&self, id: AccountId) -> Result<Account, StatusResponse> {
        match self.server.store.account(id).await {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(StatusResponse::no(None, "The account is gone").with_code(ResponseCode::Nonexistent)),
            Err(error) => Err(store_failure(&error)),
        }
    }
}

/// `* QUOTA "" (STORAGE used limit)`, or `None` for an account without a limit.
fn quota_of(account: &Account) -> Option<Data> {
    let limit = account.quota_bytes?;
    let storage = QuotaResource { name: "STORAGE".into(), usage: kibibytes(account.used_bytes), limit: limit / 1024 };
    Some(Data::Quota { root: ROOT.to_owned(), resources: vec![storage] })
}

/// Octets in units of 1024, rounded up: a byte over the limit shows as over it.
pub(crate) fn kibibytes(octets: u64) -> u64 {
    octets.div_ceil(1024)
}
