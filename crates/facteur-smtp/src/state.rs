//! The session's state machine, without I/O: which command is allowed when, and what it changes.
//!
//! `Connected → Greeted → Mail → Rcpt → (DATA | Chunking) → Greeted`. DATA runs inside one command, so it
//! needs no variant; BDAT spreads a message over several commands (RFC 3030), hence `Chunking`. Every
//! command handler asks this module first, so a command that is illegal in a state is refused by a visible
//! `match` arm here.

use facteur_store::Account;

use crate::body::MessageBody;
use crate::envelope::{Envelope, Recipient};
use crate::reply::Reply;
use crate::settings::Face;

/// Where the mail transaction stands.
#[derive(Debug)]
pub enum Phase {
    /// No HELO/EHLO yet (or since STARTTLS).
    Connected,
    /// Greeted, no transaction.
    Greeted,
    /// `MAIL` accepted, no recipient yet.
    Mail(Envelope),
    /// At least one recipient accepted.
    Rcpt(Envelope),
    /// BDAT chunks are arriving (RFC 3030 §2).
    Chunking(Envelope, MessageBody),
}

/// What the client said in HELO/EHLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub name: String,
    /// EHLO rather than HELO.
    pub extended: bool,
}

/// Everything a session knows about its client.
#[derive(Debug)]
pub struct SessionState {
    pub face: Face,
    pub phase: Phase,
    pub greeting: Option<Greeting>,
    pub authenticated: Option<Account>,
    pub tls: bool,
}

impl SessionState {
    pub fn new(face: Face, tls: bool) -> SessionState {
        SessionState { face, phase: Phase::Connected, greeting: None, authenticated: None, tls }
    }

    /// HELO/EHLO: RFC 5321 §4.1.4, a new greeting also aborts any transaction, like RSET.
    pub fn greet(&mut self, greeting: Greeting) {
        self.greeting = Some(greeting);
        self.phase = Phase::Greeted;
    }

    /// RSET, and the end of every transaction: back to `Greeted` (or `Connected` if never greeted).
    pub fn reset(&mut self) {
        self.phase = if self.greeting.is_some() { Phase::Greeted } else { Phase::Connected };
    }

    /// STARTTLS: RFC 3207 §4.2, the server forgets everything it learned from the client before TLS.
    pub fn forget_for_tls(&mut self) {
        self.greeting = None;
        self.authenticated = None;
        self.phase = Phase::Connected;
        self.tls = true;
    }

    /// Whether `MAIL` may begin a transaction now.
    pub fn check_mail_allowed(&self) -> Result<(), Reply> {
        match self.phase {
            Phase::Connected => Err(Reply::bad_sequence("Send HELO or EHLO first")),
            Phase::Mail(_) | Phase::Rcpt(_) | Phase::Chunking(..) => Err(Reply::bad_sequence("Nested MAIL command")),
            // RFC 6409 §4.3 (and the issue): submission takes mail only from authenticated users.
            Phase::Greeted if self.face == Face::Submission && self.authenticated.is_none() => {
                Err(Reply::new(530, "5.7.0", "Authentication required"))
            }
            Phase::Greeted => Ok(()),
        }
    }

    pub fn start_transaction(&mut self, envelope: Envelope) {
        self.phase = Phase::Mail(envelope);
    }

    /// The open transaction `RCPT` adds to, if one may take another recipient.
    pub fn envelope_for_recipient(&self, max_recipients: usize) -> Result<&Envelope, Reply> {
        match &self.phase {
            Phase::Mail(envelope) => Ok(envelope),
            Phase::Rcpt(envelope) if envelope.recipients.len() >= max_recipients => {
                // RFC 5321 §4.5.3.1.10: 452, so the client sends the rest in another transaction.
                Err(Reply::new(452, "4.5.3", "Too many recipients"))
            }
            Phase::Rcpt(envelope) => Ok(envelope),
            Phase::Chunking(..) => Err(Reply::bad_sequence("RCPT not allowed during BDAT")),
            Phase::Connected | Phase::Greeted => Err(Reply::bad_sequence("Need MAIL before RCPT")),
        }
    }

    /// Adds an accepted recipient (a duplicate is accepted but kept once).
    pub fn add_recipient(&mut self, recipient: Recipient) {
        let phase = std::mem::replace(&mut self.phase, Phase::Connected);
        self.phase = match phase {
            Phase::Mail(mut envelope) | Phase::Rcpt(mut envelope) => {
                if !envelope.has_recipient(&recipient.mailbox) {
                    envelope.recipients.push(recipient);
                }
                Phase::Rcpt(envelope)
            }
            other => other,
        };
    }

    /// DATA: takes the envelope out, leaving the session `Greeted` whatever becomes of the message.
    pub fn take_envelope_for_data(&mut self) -> Result<Envelope, Reply> {
        match &self.phase {
            Phase::Rcpt(_) => {}
            Phase::Mail(_) => return Err(Reply::new(554, "5.5.1", "No valid recipients")),
            Phase::Chunking(..) => return Err(Reply::bad_sequence("DATA not allowed during BDAT")),
            Phase::Connected | Phase::Greeted => return Err(Reply::bad_sequence("Need MAIL and RCPT before DATA")),
        }
        match std::mem::replace(&mut self.phase, Phase::Greeted) {
            Phase::Rcpt(envelope) => Ok(envelope),
            _ => Err(Reply::bad_sequence("Need MAIL and RCPT before DATA")),
        }
    }

    /// BDAT: the body being assembled, starting one after the last RCPT.
    pub fn body_for_chunk(&mut self, max_message_size: u64) -> Result<&mut MessageBody, Reply> {
        match &self.phase {
            Phase::Rcpt(_) => {
                let Phase::Rcpt(envelope) = std::mem::replace(&mut self.phase, Phase::Greeted) else {
                    return Err(Reply::bad_sequence("Need MAIL and RCPT before BDAT"));
                };
                self.phase = Phase::Chunking(envelope, MessageBody::new(max_message_size));
            }
            Phase::Chunking(..) => {}
            Phase::Mail(_) => return Err(Reply::new(554, "5.5.1", "No valid recipients")),
            Phase::Connected | Phase::Greeted => return Err(Reply::bad_sequence("Need MAIL and RCPT before BDAT")),
        }
        match &mut self.phase {
            Phase::Chunking(_, body) => Ok(body),
            _ => Err(Reply::bad_sequence("Need MAIL and RCPT before BDAT")),
        }
    }

    /// BDAT LAST (or a refused chunk): ends the transaction and hands back what was collected.
    pub fn finish_chunking(&mut self) -> Option<(Envelope, MessageBody)> {
        match std::mem::replace(&mut self.phase, Phase::Greeted) {
            Phase::Chunking(envelope, body) => Some((envelope, body)),
            other => {
                self.phase = other;
                None
            }
        }
    }

    /// Whether AUTH may run now (RFC 4954 §4: once, and not inside a transaction).
    pub fn check_auth_allowed(&self, allow_plaintext: bool) -> Result<(), Reply> {
        if self.face == Face::Mx {
            return Err(Reply::new(502, "5.5.1", "AUTH is not available on this port"));
        }
        if self.authenticated.is_some() {
            return Err(Reply::bad_sequence("Already authenticated"));
        }
        if !matches!(self.phase, Phase::Greeted) {
            return Err(Reply::bad_sequence("AUTH only after EHLO and outside a mail transaction"));
        }
        if !self.tls && !allow_plaintext {
            // RFC 4954 §6: the mechanism needs an encrypted channel.
            return Err(Reply::new(538, "5.7.11", "Encryption required: issue STARTTLS first"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use facteur_store::AccountId;

    use super::*;
    use crate::address::Mailbox;
    use crate::envelope::{Destination, ReversePath};

    fn greeted(face: Face) -> SessionState {
        let mut state = SessionState::new(face, false);
        state.greet(Greeting { name: "client.example".into(), extended: true });
        state
    }

    fn recipient(address: &str) -> Recipient {
        Recipient {
            mailbox: Mailbox::parse(address).unwrap(),
            destination: Destination::Remote,
            notify: Default::default(),
            orcpt: None,
        }
    }

    fn account() -> Account {
        Account {
            id: AccountId(1),
            address: "alice@example.com".into(),
            password_hash: String::new(),
            scram_sha256: None,
            admin: false,
            quota_bytes: None,
            used_bytes: 0,
        }
    }

    #[test]
    fn mail_needs_a_greeting_first() {
        let state = SessionState::new(Face::Mx, false);
        assert_eq!(state.check_mail_allowed().unwrap_err().code, 503);
        assert!(greeted(Face::Mx).check_mail_allowed().is_ok());
    }

    #[test]
    fn submission_needs_authentication_before_mail() {
        let mut state = greeted(Face::Submission);
        let refusal = state.check_mail_allowed().unwrap_err();
        assert_eq!((refusal.code, refusal.status), (530, Some("5.7.0")));
        state.authenticated = Some(account());
        assert!(state.check_mail_allowed().is_ok());
    }

    #[test]
    fn transaction_walks_mail_rcpt_data_and_back_to_greeted() {
        let mut state = greeted(Face::Mx);
        state.start_transaction(Envelope::new(ReversePath::Null));
        assert_eq!(state.check_mail_allowed().unwrap_err().code, 503, "nested MAIL");
        assert_eq!(state.take_envelope_for_data().unwrap_err().code, 554, "DATA without recipients");
        state.envelope_for_recipient(100).unwrap();
        state.add_recipient(recipient("a@example.com"));
        state.add_recipient(recipient("A@Example.com"));
        let envelope = state.take_envelope_for_data().unwrap();
        assert_eq!(envelope.recipients.len(), 1, "duplicates are kept once");
        assert!(matches!(state.phase, Phase::Greeted));
    }

    #[test]
    fn recipients_beyond_the_limit_get_452() {
        let mut state = greeted(Face::Mx);
        state.start_transaction(Envelope::new(ReversePath::Null));
        state.add_recipient(recipient("a@example.com"));
        state.add_recipient(recipient("b@example.com"));
        let refusal = state.envelope_for_recipient(2).unwrap_err();
        assert_eq!((refusal.code, refusal.status), (452, Some("4.5.3")));
    }

    #[test]
    fn rset_and_ehlo_abort_the_transaction() {
        let mut state = greeted(Face::Mx);
        state.start_transaction(Envelope::new(ReversePath::Null));
        state.reset();
        assert!(matches!(state.phase, Phase::Greeted));
        state.start_transaction(Envelope::new(ReversePath::Null));
        state.greet(Greeting { name: "again".into(), extended: false });
        assert!(matches!(state.phase, Phase::Greeted));
    }

    #[test]
    fn bdat_chunking_excludes_data_and_rcpt() {
        let mut state = greeted(Face::Mx);
        assert_eq!(state.body_for_chunk(1000).unwrap_err().code, 503);
        state.start_transaction(Envelope::new(ReversePath::Null));
        state.add_recipient(recipient("a@example.com"));
        state.body_for_chunk(1000).unwrap().append(b"Subject: x\r\n");
        assert_eq!(state.take_envelope_for_data().unwrap_err().code, 503);
        assert_eq!(state.envelope_for_recipient(100).unwrap_err().code, 503);
        let (envelope, body) = state.finish_chunking().unwrap();
        assert_eq!(envelope.recipients.len(), 1);
        assert_eq!(body.size(), 12);
        assert!(matches!(state.phase, Phase::Greeted));
    }

    #[test]
    fn auth_is_refused_on_mx_before_tls_and_twice() {
        assert_eq!(greeted(Face::Mx).check_auth_allowed(true).unwrap_err().code, 502);
        let mut state = greeted(Face::Submission);
        assert_eq!(state.check_auth_allowed(false).unwrap_err().code, 538);
        assert!(state.check_auth_allowed(true).is_ok());
        state.tls = true;
        assert!(state.check_auth_allowed(false).is_ok());
        state.authenticated = Some(account());
        assert_eq!(state.check_auth_allowed(false).unwrap_err().code, 503);
    }

    #[test]
    fn starttls_forgets_greeting_and_authentication() {
        let mut state = greeted(Face::Submission);
        state.authenticated = Some(account());
        state.forget_for_tls();
        assert!(state.greeting.is_none() && state.authenticated.is_none() && state.tls);
        assert!(matches!(state.phase, Phase::Connected));
    }
}
