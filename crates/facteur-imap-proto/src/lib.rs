//! IMAP grammar (in progress).
