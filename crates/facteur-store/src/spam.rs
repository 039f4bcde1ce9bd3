//! What each account's spam defence remembers (issue 18): the messages its user called spam or not spam and
//! the token counts its classifier learnt from them, and the people the user writes to. Tokens are opaque
//! 64-bit hashes (`facteur-spam` makes them); the store never sees a word of anyone's mail.

/// What the user called a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpamClass {
    Spam,
    Ham,
}

impl SpamClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SpamClass::Spam => "spam",
            SpamClass::Ham => "ham",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "spam" => Some(SpamClass::Spam),
            "ham" => Some(SpamClass::Ham),
            _ => None,
        }
    }
}

/// What one delivery needs to know about an account, in one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpamProfile {
    /// Whether the user has written to the sender.
    pub correspondent: bool,
    /// Messages the classifier learnt as spam and as not spam.
    pub spam_messages: u64,
    pub ham_messages: u64,
}

/// How many messages of each class contain one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCounts {
    pub token: i64,
    pub spam: u64,
    pub ham: u64,
}
