//! Writing mbox files as Python's `mailbox` module reads them: one file per folder, named after it, with
//! subfolders in a `NAME.sbd` directory beside the file (Thunderbird's way, which also lets a folder have
//! both messages and subfolders); LF line endings, mboxrd quoting, the flags in `Status:` and `X-Status:`
//! and the keywords in `X-Keywords:`, as Dovecot writes them (each left byte for byte as it is when it
//! already says the message's flags or keywords).
//!
//! The `From ` line carries the envelope sender, taken from the `Return-Path:` field delivery added
//! (`MAILER-DAEMON` without one, as Python writes), and the arrival date.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use facteur_mailbox_formats::line_endings::to_lf;
use facteur_mailbox_formats::mbox;
use tracing::warn;

use super::{ExportedMessage, Format};

pub struct MboxExport {
    root: PathBuf,
    file: Option<(PathBuf, BufWriter<File>)>,
    /// Keywords of the open folder that `X-Keywords:` cannot carry (with a comma: IMAP allows it).
    left_out: BTreeSet<String>,
}

impl MboxExport {
    pub fn new(root: &Path) -> MboxExport {
        MboxExport { root: root.to_owned(), file: None, left_out: BTreeSet::new() }
    }
}

impl Format for MboxExport {
    fn open_folder(&mut self, name: &str) -> anyhow::Result<()> {
        let path = self.root.join(file_of(name));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file = File::create_new(&path).with_context(|| format!("cannot create {}", path.display()))?;
        self.file = Some((path, BufWriter::new(file)));
        Ok(())
    }

    fn write(&mut self, message: &ExportedMessage) -> anyhow::Result<()> {
        let (path, file) = self.file.as_mut().context("no folder is open")?;
        let unwritable = message.flags.keywords.iter().filter(|keyword| !mbox::writable_keyword(keyword));
        self.left_out.extend(unwritable.cloned());
        let content = to_lf(&mbox::with_flags(&message.content, &message.flags));
        let from_line = mbox::from_line(&return_path(&content), message.internal_date);
        let mut framed = Vec::with_capacity(content.len() + 100);
        mbox::write_message(&mut framed, from_line.as_bytes(), &content);
        file.write_all(&framed).with_context(|| format!("cannot write {}", path.display()))
    }

    fn close_folder(&mut self) -> anyhow::Result<()> {
        let Some((path, file)) = self.file.take() else { return Ok(()) };
        if !self.left_out.is_empty() {
            let left_out = std::mem::take(&mut self.left_out);
            warn!(file = %path.display(), ?left_out, "keywords with a comma: X-Keywords cannot carry them, not written");
        }
        let file = file.into_inner().map_err(|error| error.into_error()).context("cannot write")?;
        file.sync_all().with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The file of folder `name`: its last level, inside a `LEVEL.sbd` directory for each level above.
fn file_of(name: &str) -> PathBuf {
    let levels: Vec<&str> = name.split('/').collect();
    let (last, above) = levels.split_last().unwrap_or((&"", &[]));
    let mut path: PathBuf = above.iter().map(|level| format!("{level}.sbd")).collect();
    path.push(last);
    path
}

/// The address in the message's first `Return-Path:` field (empty without one, or for `<>`).
fn return_path(message: &[u8]) -> String {
    for line in message.split(|&b| b == b'\n') {
        if line.is_empty() || line == b"\r" {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        if line[..colon].eq_ignore_ascii_case(b"return-path") {
            let value = String::from_utf8_lossy(&line[colon + 1..]);
            return value.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subfolders_go_in_sbd_directories() {
        assert_eq!(file_of("INBOX"), PathBuf::from("INBOX"));
        assert_eq!(file_of("Lists/Rust/Async"), PathBuf::from("Lists.sbd/Rust.sbd/Async"));
    }

    #[test]
    fn the_sender_is_the_return_path() {
        assert_eq!(return_path(b"Return-Path: <bounce@example.org>\nSubject: x\n\nbody\n"), "bounce@example.org");
        assert_eq!(return_path(b"return-path: <>\n\n"), "");
        assert_eq!(return_path(b"Subject: x\n\nReturn-Path: <no@example.org>\n"), "");
    }
}
