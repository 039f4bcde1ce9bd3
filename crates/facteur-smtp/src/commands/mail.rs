//! MAIL FROM (RFC 5321 §4.1.1.2) and its ESMTP parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8
//! (RFC 6531), RET and ENVID (RFC 3461), AUTH= (RFC 4954 §5, accepted and ignored).

use std::borrow::Cow;

use facteur_store::Ret;
use smtp_proto::{
    MAIL_BODY_8BITMIME, MAIL_BODY_BINARYMIME, MAIL_BY_NOTIFY, MAIL_BY_RETURN, MAIL_BY_TRACE, MAIL_CONPERM,
    MAIL_REQUIRETLS, MAIL_RET_FULL, MAIL_RET_HDRS, MAIL_SMTPUTF8, MailFrom,
};
use tracing::warn;

use crate::address::Mailbox;
use crate::body::too_big;
use crate::envelope::{BodyType, Envelope, ReversePath, xtext_encode};
use crate::reply::Reply;
use crate::session::Session;
use crate::settings::Face;

/// Parameters `smtp-proto` understands but we do not announce: RFC 5321 §4.1.1.11, 555 for them.
const UNANNOUNCED_FLAGS: u64 = MAIL_BODY_BINARYMIME | MAIL_CONPERM | MAIL_BY_NOTIFY | MAIL_BY_RETURN | MAIL_BY_TRACE;

impl Session<'_> {
    pub(crate) async fn mail(&mut self, from: MailFrom<Cow<'_, str>>) -> Reply {
        if let Err(refusal) = self.state.check_mail_allowed() {
            return refusal;
        }
        if let Err(refusal) = self.check_sending_limits(0).await {
            return refusal;
        }
        match self.envelope_from(&from).await {
            Ok(mut envelope) => {
                envelope.spf = self.spf_at_mail(&envelope.sender).await;
                self.state.start_transaction(envelope);
                Reply::new(250, "2.1.0", "Sender OK")
            }
            Err(refusal) => refusal,
        }
    }

    async fn envelope_from(&self, from: &MailFrom<Cow<'_, str>>) -> Result<Envelope, Reply> {
        if uses_unannounced_parameters(from) {
            return Err(Reply::new(555, "5.5.4", "Unsupported MAIL parameter"));
        }
        let require_tls = from.flags & MAIL_REQUIRETLS != 0;
        if require_tls && !self.state.tls {
            // RFC 8689 §4.1: REQUIRETLS is neither offered nor accepted outside TLS.
            return Err(Reply::new(530, "5.7.10", "REQUIRETLS needs a TLS session: STARTTLS first"));
        }
        let declared_size = (from.size > 0).then_some(from.size as u64);
        if declared_size.is_some_and(|size| size > self.server.settings.max_message_size) {
            return Err(too_big());
        }
        let smtputf8 = from.flags & MAIL_SMTPUTF8 != 0;
        let sender = self.reverse_path(&from.address, smtputf8).await?;
        let mut envelope = Envelope::new(sender);
        envelope.smtputf8 = smtputf8;
        envelope.declared_size = declared_size;
        if from.flags & MAIL_BODY_8BITMIME != 0 {
            envelope.body_type = BodyType::EightBitMime;
        }
        envelope.ret = ret_of(from.flags);
        envelope.envid = from.env_id.as_deref().map(xtext_encode);
        envelope.require_tls = require_tls;
        Ok(envelope)
    }

    /// The sender, checked: syntax, SMTPUTF8, and on submission, that the user owns it.
    async fn reverse_path(&self, address: &str, smtputf8: bool) -> Result<ReversePath, Reply> {
        let face = self.server.settings.face;
        if address.is_empty() {
            // Bounces come from servers, never from a user's mail client.
            if face == Face::Submission {
                return Err(Reply::new(553, "5.7.1", "Null sender not allowed on submission"));
            }
            return Ok(ReversePath::Null);
        }
        let mailbox =
            Mailbox::parse(address).map_err(|error| Reply::new(501, "5.1.7", format!("Bad sender: {error}")))?;
        if !mailbox.is_ascii() && !smtputf8 {
            return Err(Reply::new(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter"));
        }
        if face == Face::Submission {
            self.check_ownership(&mailbox, "Sender address").await?;
        }
        Ok(ReversePath::Mailbox(mailbox))
    }

    /// `553 5.7.1` unless the authenticated account owns `address` (the submission path's rule, asked early).
    pub(crate) async fn check_ownership(&self, address: &Mailbox, what: &str) -> Result<(), Reply> {
        let Some(account) = &self.state.authenticated else {
            return Err(Reply::new(530, "5.7.0", "Authentication required"));
        };
        match self.server.submission.may_send_as(account, address).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                warn!(user = %account.address, address = %address, "refused a sender address the user does not own");
                Err(Reply::new(553, "5.7.1", format!("{what} not owned by the authenticated user")))
            }
            Err(error) => Err(Reply::store_failure(&error, "checking sender ownership")),
        }
    }
}

fn uses_unannounced_parameters(from: &MailFrom<Cow<'_, str>>) -> bool {
    from.flags & UNANNOUNCED_FLAGS != 0
        || from.trans_id.is_some()
        || from.by != 0
        || from.solicit.is_some()
        || from.mtrk.is_some()
        || from.hold_for != 0
        || from.hold_until != 0
        || from.mt_priority != 0
}

fn ret_of(flags: u64) -> Option<Ret> {
    if flags & MAIL_RET_FULL != 0 {
        Some(Ret::Full)
    } else if flags & MAIL_RET_HDRS != 0 {
        Some(Ret::Headers)
    } else {
        None
    }
}
