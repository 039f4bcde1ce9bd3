//! A remote server's reply, what it means for a recipient (RFC 5321 §4.2.1: the first digit decides), and
//! what its enhanced status code (RFC 3463) means in plain words for `facteur queue list`.

use std::fmt;

/// A complete (possibly multi-line) SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// The text of each line, without the code and separator.
    pub lines: Vec<String>,
}

/// What a reply (or a failure to get one) means for the recipients it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Try again later (4xx, network, TLS and DNS trouble).
    Temporary,
    /// Give up and tell the sender (5xx).
    Permanent,
}

impl Reply {
    pub fn verdict(&self) -> Verdict {
        match self.code / 100 {
            2 | 3 => Verdict::Accepted,
            5 => Verdict::Permanent,
            // 4xx, and anything a broken server invents, is not a reason to lose the message.
            _ => Verdict::Temporary,
        }
    }

    pub fn is_positive(&self) -> bool {
        self.verdict() == Verdict::Accepted
    }
}

impl fmt::Display for Reply {
    /// One line: `550 5.1.1 no such user` (continuation lines joined with spaces).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for line in &self.lines {
            write!(f, " {}", line.trim())?;
        }
        Ok(())
    }
}

/// The RFC 3463 `class.subject.detail` code at the start of a reply text (`550 5.1.1 …`), if any.
pub fn enhanced_status(reply_text: &str) -> Option<(u8, u16, u16)> {
    let mut words = reply_text.split_whitespace();
    let first = words.next()?;
    let candidate = if first.len() == 3 && first.bytes().all(|b| b.is_ascii_digit()) { words.next()? } else { first };
    let mut parts = candidate.split('.');
    let class: u8 = parts.next()?.parse().ok()?;
    let subject: u16 = parts.next()?.parse().ok()?;
    let detail: u16 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && matches!(class, 2 | 4 | 5)).then_some((class, subject, detail))
}

/// A short explanation of a stored last reply, for operators: the enhanced code if there is one, else the
/// reply code's class.
pub fn explain_reply(reply_text: &str) -> &'static str {
    match enhanced_status(reply_text) {
        Some((class, subject, detail)) => explain_enhanced(class, subject, detail),
        None => match reply_text.trim_start().as_bytes().first() {
            Some(b'2') => "accepted",
            Some(b'4') => "temporary failure, will retry",
            Some(b'5') => "permanent failure, the sender is told",
            _ => "no reply from the remote server, will retry",
        },
    }
}

fn explain_enhanced(class: u8, subject: u16, detail: u16) -> &'static str {
    let will_retry = class == 4;
    match (subject, detail, will_retry) {
        (0, 0, _) if class == 2 => "accepted",
        (1, 1, _) => "the address does not exist",
        (1, 2, _) => "the recipient's domain does not exist or accepts no mail",
        (1, 3, _) => "the address is malformed",
        (1, 6, _) => "the mailbox has moved",
        (1, 10, _) => "the domain accepts no mail (null MX)",
        (2, 1, _) => "the mailbox is disabled",
        (2, 2, true) => "mailbox full, will retry",
        (2, 2, false) => "mailbox full",
        (3, 4, _) | (2, 3, _) => "the message is too big for the recipient",
        (4, 1, _) | (4, 2, _) => "the remote server did not answer, will retry",
        (4, 4, _) => "no route to the recipient's server",
        (4, 6, _) => "mail loop detected",
        (4, 7, _) => "the message waited too long and expired",
        (7, 1, _) => "refused by the recipient's policy",
        (7, _, _) => "refused for security or policy reasons (SPF, DKIM, reputation)",
        (_, _, true) => "temporary failure, will retry",
        _ => "permanent failure, the sender is told",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, text: &str) -> Reply {
        Reply { code, lines: vec![text.to_owned()] }
    }

    #[test]
    fn first_digit_decides_the_verdict() {
        assert_eq!(reply(250, "ok").verdict(), Verdict::Accepted);
        assert_eq!(reply(354, "go").verdict(), Verdict::Accepted);
        assert_eq!(reply(452, "4.2.2 full").verdict(), Verdict::Temporary);
        assert_eq!(reply(550, "5.1.1 unknown").verdict(), Verdict::Permanent);
        assert_eq!(reply(999, "nonsense").verdict(), Verdict::Temporary);
    }

    #[test]
    fn enhanced_status_is_read_with_or_without_the_reply_code() {
        assert_eq!(enhanced_status("550 5.1.1 no such user"), Some((5, 1, 1)));
        assert_eq!(enhanced_status("4.2.2 over quota"), Some((4, 2, 2)));
        assert_eq!(enhanced_status("250 ok"), None);
        assert_eq!(enhanced_status("550 9.1.1 bad class"), None);
        assert_eq!(enhanced_status(""), None);
    }

    #[test]
    fn operators_get_plain_words_for_common_codes() {
        assert_eq!(explain_reply("452 4.2.2 mailbox full"), "mailbox full, will retry");
        assert_eq!(explain_reply("550 5.1.1 user unknown"), "the address does not exist");
        assert_eq!(explain_reply("421 try later"), "temporary failure, will retry");
        assert_eq!(explain_reply("connection refused"), "no reply from the remote server, will retry");
    }

    #[test]
    fn multi_line_replies_display_on_one_line() {
        let reply = Reply { code: 550, lines: vec!["5.1.1 no".into(), "such user".into()] };
        assert_eq!(reply.to_string(), "550 5.1.1 no such user");
    }
}
