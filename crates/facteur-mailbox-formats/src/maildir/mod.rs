//! Maildir (<https://cr.yp.to/proto/maildir.html>), as mbsync and Dovecot write it.
//!
//! A folder is a directory with `cur/`, `new/` and `tmp/`; each message one file. Its flags are letters at
//! the end of the file name, after `:2,`; its arrival time (IMAP INTERNALDATE) is the file's modification
//! time, which is where Dovecot reads it and mbsync (`CopyArrivalDate yes`) writes it. Letters `a` to `z` are
//! keywords, numbered by the folder's `dovecot-keywords` file.

/// `dovecot-keywords`: which keyword each letter `a`–`z` stands for.
pub mod keywords;
/// How folders are laid out under a Maildir root: Maildir++ (`.Sub.Folder`) and the nested layouts.
pub mod layout;
/// File names: the unique part, the flag letters, and what each letter means.
pub mod name;

pub use keywords::KeywordTable;
pub use layout::{Layout, LayoutError};
pub use name::MaildirName;
