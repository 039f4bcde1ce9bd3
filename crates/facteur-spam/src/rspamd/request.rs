//! What we tell rspamd with a message: the SMTP dialogue's facts, as the HTTP header fields of its protocol
//! (rspamd's `doc/developers/protocol.md`, "HTTP headers"). Without them rspamd would judge the message by the
//! wrong facts: without `IP` it takes the address of the HTTP connection (ours, loopback) for the sender's, and
//! without `From` and `Rcpt` its envelope rules have nothing to compare the header with.

use std::net::IpAddr;

use hyper::body::Bytes;

/// One message to scan, as received at the end of DATA.
#[derive(Debug, Clone)]
pub struct RspamdRequest {
    /// The SMTP client's address (`IP`).
    pub client_ip: IpAddr,
    /// The client's host name, if its reverse DNS was checked forward (`Hostname`: rspamd's "resolved
    /// hostname", not ours). Without it rspamd looks the address up itself, through its own resolver.
    pub client_hostname: Option<String>,
    /// What the client said in HELO or EHLO (`Helo`).
    pub helo: Option<String>,
    /// The MAIL FROM address, empty for the null reverse-path (`From`).
    pub mail_from: String,
    /// The RCPT TO addresses (one `Rcpt` each).
    pub recipients: Vec<String>,
    /// Our host name (`MTA-Name`), which rspamd's rules use to tell our own Received field from others.
    pub our_hostname: Option<String>,
    /// Our queue id for the message (`Queue-Id`): rspamd's log names the message by it.
    pub queue_id: Option<String>,
    /// The SASL login of an authenticated sender (`User`): rspamd treats such mail as our users' own.
    pub authenticated_user: Option<String>,
    /// The message as received, header and body.
    pub message: Bytes,
}

/// A fact that cannot be sent as a header field's value.
#[derive(Debug, thiserror::Error)]
#[error("rspamd request: {field} has a control character")]
pub struct RequestError {
    pub field: &'static str,
}

impl RspamdRequest {
    /// The header fields of the request, in the order rspamd's documentation lists them. A value with a
    /// control character (CR, LF: a header of its own) is refused, not mended: the SMTP parser has refused
    /// those already, so one here is a bug, and a mended address would be another address.
    pub fn header_fields(&self) -> Result<Vec<(&'static str, String)>, RequestError> {
        let mut fields = vec![("IP", self.client_ip.to_string())];
        let optional = [
            ("Hostname", &self.client_hostname),
            ("Helo", &self.helo),
            ("MTA-Name", &self.our_hostname),
            ("Queue-Id", &self.queue_id),
            ("User", &self.authenticated_user),
        ];
        fields.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value.clone()?))));
        // rspamd reads `<>` as the null reverse-path; an empty value would be read as no envelope sender at all.
        let from = if self.mail_from.is_empty() { "<>".to_owned() } else { self.mail_from.clone() };
        fields.push(("From", from));
        fields.extend(self.recipients.iter().map(|rcpt| ("Rcpt", rcpt.clone())));
        match fields.iter().find(|(_, value)| value.chars().any(char::is_control)) {
            Some((field, _)) => Err(RequestError { field }),
            None => Ok(fields),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RspamdRequest {
        RspamdRequest {
            client_ip: "192.0.2.10".parse().unwrap(),
            client_hostname: Some("mail.example.org".into()),
            helo: Some("mail.example.org".into()),
            mail_from: "alice@example.org".into(),
            recipients: vec!["bob@example.test".into(), "carol@example.test".into()],
            our_hostname: Some("mx.example.test".into()),
            queue_id: Some("5B2E90".into()),
            authenticated_user: None,
            message: Bytes::from_static(b"Subject: hi\r\n\r\nhello\r\n"),
        }
    }

    #[test]
    fn every_fact_is_a_header_field_and_each_recipient_its_own() {
        let fields = request().header_fields().unwrap();
        let expected = [
            ("IP", "192.0.2.10"),
            ("Hostname", "mail.example.org"),
            ("Helo", "mail.example.org"),
            ("MTA-Name", "mx.example.test"),
            ("Queue-Id", "5B2E90"),
            ("From", "alice@example.org"),
            ("Rcpt", "bob@example.test"),
            ("Rcpt", "carol@example.test"),
        ];
        assert_eq!(fields, expected.map(|(name, value)| (name, value.to_owned())));
    }

    #[test]
    fn the_null_sender_is_sent_as_angle_brackets_and_absent_facts_are_left_out() {
        let request = RspamdRequest {
            client_hostname: None,
            helo: None,
            our_hostname: None,
            queue_id: None,
            mail_from: String::new(),
            authenticated_user: Some("alice".into()),
            ..request()
        };
        let fields = request.header_fields().unwrap();
        assert!(fields.contains(&("From", "<>".to_owned())));
        assert!(fields.contains(&("User", "alice".to_owned())));
        assert!(!fields.iter().any(|(name, _)| ["Hostname", "Helo", "MTA-Name", "Queue-Id"].contains(name)));
    }

    #[test]
    fn a_control_character_is_refused() {
        let request = RspamdRequest { helo: Some("evil\r\nRcpt: x@example.org".into()), ..request() };
        assert_eq!(request.header_fields().unwrap_err().to_string(), "rspamd request: Helo has a control character");
    }
}
