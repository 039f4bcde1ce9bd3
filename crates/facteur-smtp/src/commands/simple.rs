//! RSET (RFC 5321 §4.1.1.5), VRFY (§4.1.1.6, §3.5.3) and HELP (§4.1.1.8).

use crate::reply::Reply;
use crate::session::Session;

impl Session<'_> {
    pub(crate) fn rset(&mut self) -> Reply {
        self.state.reset();
        Reply::ok()
    }

    /// RFC 5321 §3.5.3: 252 says "I will try to deliver" without telling whether the user exists, so VRFY
    /// cannot be used to harvest addresses.
    pub(crate) fn vrfy() -> Reply {
        Reply::new(252, "2.5.0", "Cannot VRFY user, but will accept message for delivery")
    }

    pub(crate) fn help() -> Reply {
        Reply {
            code: 214,
            status: Some("2.0.0"),
            lines: vec![
                "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH".into(),
                "See RFC 5321".into(),
            ],
        }
    }
}
