//! What an account may send, asked as early as SMTP lets us (issue 18): the rules and the counts are
//! `facteur-delivery`'s (`Submission::check_limits`, `[outbound]`); only the replies are SMTP's.
//!
//! Where each limit answers, and why:
//! - messages per hour at MAIL FROM: the client learns before it sends any content (no bandwidth spent on a
//!   message we would refuse), and a 4xx there makes a client keep the message and try it later (RFC 5321
//!   §4.2.5); `450 4.7.1` (RFC 3463: delivery not authorized, here: not now);
//! - recipients per hour at RCPT: each recipient has its own reply, so the recipients before the limit are
//!   kept, and `452` is how RFC 5321 §4.5.3.1.10 says "no more recipients in this transaction, send the rest
//!   later"; clients do so, and do not count it as a failure of the message;
//! - at the end of DATA, `Submission::submit_in_dialogue` checks both again: the one check that counts (two
//!   sessions of one account at once), answered `450 4.7.1` too.

use facteur_delivery::{Limited, RateLimited, SubmitError};
use facteur_primitives::unix_now;

use crate::reply::Reply;
use crate::session::Session;
use crate::settings::Face;

impl Session<'_> {
    /// On submission, `Err(4xx)` unless the authenticated account may send a message to `recipients` (more)
    /// recipients now; on the MX face, nothing to check.
    pub(crate) async fn check_sending_limits(&self, recipients: usize) -> Result<(), Reply> {
        if self.server.settings.face != Face::Submission {
            return Ok(());
        }
        let Some(account) = &self.state.authenticated else {
            return Ok(());
        };
        match self.server.submission.check_limits(account, recipients as u64, unix_now()).await {
            Ok(()) => Ok(()),
            Err(SubmitError::RateLimited(limited)) => Err(rate_limited(&limited)),
            Err(SubmitError::Store(error)) => Err(Reply::store_failure(&error, "counting what the account sent")),
            Err(_) => Err(Reply::local_error()),
        }
    }
}

/// The 4xx for an account at an hourly limit; see the module documentation.
pub(crate) fn rate_limited(limited: &RateLimited) -> Reply {
    let code = match limited.what {
        Limited::Messages => 450,
        Limited::Recipients => 452,
    };
    let text = format!("Hourly limit of {} {} reached, try again later", limited.limit, limited.what);
    Reply::new(code, "4.7.1", text)
}
