//! [`SearchText`]: what a message is found by, computed once when it is stored (by `facteur-message`) and kept
//! by the store's full-text index beside the message.

/// The searchable text of one message, folded for comparison (`facteur_message::fold`: lower case, accents
/// removed), header fields first, then the text of its text parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    pub text: String,
    /// `false` when `text` was cut at the index's size limit: the index cannot rule such a message out, so every
    /// search takes it as a candidate and reads the message itself.
    pub complete: bool,
}
