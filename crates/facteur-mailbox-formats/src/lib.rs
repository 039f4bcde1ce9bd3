//! Maildir and mbox, the two ways mail sits in files on a disk, as the tools people move mail with write them:
//! mbsync (isync) and Dovecot for Maildir, Python's `mailbox` module (and mutt, procmail) for mbox.
//!
//! What it knows: the names of Maildir files and what their flag letters mean, Dovecot's keyword table,
//! how Maildir folders are laid out on disk (Maildir++ and the nested layouts), how an mbox is cut into
//! messages and put back together (`From ` lines, `>From ` quoting, the blank line between messages, RFC
//! 4155), where an mbox keeps flags (`Status:` and `X-Status:`) and keywords (`X-Keywords:`), and line endings.
//!
//! What it deliberately does not do: any I/O. The caller walks directories, reads files (an mbox line by line
//! through [`mbox::MboxSplitter`], so a file of any size is never held whole) and writes them; the store and
//! its flag types are the caller's too. Input is untrusted bytes: nothing here panics on it (fuzzed).

/// IMAP flags and keywords as these formats carry them.
pub mod flags;
/// LF in files, CRLF in messages (RFC 5322 §2.1): converting between the two.
pub mod line_endings;
/// Maildir: file names, flag letters, Dovecot's keyword table, folder layouts.
pub mod maildir;
/// mbox: cutting a file into messages, writing one back, `From ` lines, `Status:` flags, `X-Keywords:`.
pub mod mbox;

pub use flags::{Flags, SystemFlag};
