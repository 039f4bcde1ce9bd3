//! Checks on the message itself: what a sender can forge cheaply, and what is never wanted. Each check looks
//! at the parsed message ([`MessageSummary`]) and its bytes, and says what it saw as a [`Reason`].

mod attachments;
mod dates;
mod gtube;
mod links;
mod lookalike;
mod message_id;

use facteur_message::{BodyPart, MessageSummary};

pub use gtube::{GTUBE, contains_gtube};
pub use links::{MAX_LINK_DOMAINS, link_domains};

use crate::Reason;

/// The message, and what the checks compare it with.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The message as received (header and body).
    pub raw: &'a [u8],
    pub summary: &'a MessageSummary,
    /// Unix seconds: the time of arrival.
    pub now: i64,
    /// Our domains, lower case: a From that imitates one of them is a phishing sign.
    pub local_domains: &'a [String],
}

/// Scores of the content rules. GTUBE's is SpamAssassin's, so that the test string always wins; the others
/// are each below the default junk threshold (5) alone, except where the sign is never innocent.
pub mod score {
    pub const GTUBE: f64 = 1000.0;
    pub const MISSING_DATE: f64 = 1.0;
    pub const INVALID_DATE: f64 = 1.5;
    pub const DATE_IN_FUTURE: f64 = 2.5;
    pub const DATE_IN_PAST: f64 = 1.0;
    pub const MISSING_MESSAGE_ID: f64 = 1.0;
    pub const INVALID_MESSAGE_ID: f64 = 1.5;
    pub const FROM_LOOKALIKE: f64 = 4.5;
    pub const EXECUTABLE_ATTACHMENT: f64 = 5.0;
    pub const URL_SHORTENER: f64 = 1.5;
}

/// Every content rule that matches `facts`.
pub fn check(facts: &Facts<'_>) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if contains_gtube(facts.raw) {
        reasons.push(Reason::new("GTUBE", score::GTUBE, "the GTUBE test string"));
    }
    reasons.extend(dates::check(facts.summary, facts.now));
    reasons.extend(message_id::check(facts.summary));
    reasons.extend(lookalike::check(facts.summary, facts.local_domains));
    reasons.extend(attachments::check(&facts.summary.body));
    reasons.extend(links::check_shorteners(&link_domains(facts.raw, facts.summary)));
    reasons
}

/// The text parts of the message (plain and HTML), as a reader sees them.
pub(crate) fn text_parts(body: &BodyPart) -> impl Iterator<Item = &BodyPart> {
    leaves(body).into_iter().filter(|part| part.media_type.eq_ignore_ascii_case("text"))
}

/// Every leaf part of the message, encapsulated messages included (a forwarded message's attachment is still
/// an attachment).
fn leaves(part: &BodyPart) -> Vec<&BodyPart> {
    let mut found = Vec::new();
    let mut stack = vec![part];
    while let Some(part) = stack.pop() {
        if let Some(message) = &part.message {
            stack.push(&message.body);
        } else if part.is_multipart() {
            stack.extend(part.children.iter().rev());
        } else {
            found.push(part);
        }
    }
    found
}
