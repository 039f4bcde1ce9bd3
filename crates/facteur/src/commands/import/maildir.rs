//! Importing a Maildir tree (<https://cr.yp.to/proto/maildir.html>) as mbsync and Dovecot write it.
//!
//! The root's own messages (its `cur/` and `new/`) are INBOX, as in Maildir++; a directory named INBOX is
//! INBOX too (mbsync's `Inbox` beside the other folders). Folders are found in every layout
//! `facteur_mailbox_formats::maildir::layout` reads. Dovecot writes non-ASCII folder names in modified UTF-7
//! (RFC 3501 §5.1.3); a level that decodes as such is decoded, any other is taken as it is.
//!
//! INTERNALDATE is the file's modification time, where Dovecot reads it (and mbsync's `CopyArrivalDate`
//! writes it); else the delivery time the name starts with. Messages go in by date, so UIDs follow arrival.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Context;
use facteur_mailbox_formats::Flags;
use facteur_mailbox_formats::line_endings::to_crlf;
use facteur_mailbox_formats::maildir::{KeywordTable, MaildirName, layout};
use facteur_primitives::unix_now;

use super::Totals;
use super::target::{Destination, ImportedMessage};
use crate::failure::{Outcome, usage};

/// Deeper trees than this are not walked (a symbolic link loop, or not a mail tree).
const MAX_DEPTH: usize = 32;

/// Dovecot's keyword table, in each folder.
const KEYWORDS_FILE: &str = "dovecot-keywords";

/// A folder found in the tree.
#[derive(Debug)]
struct MaildirFolder {
    name: String,
    dir: PathBuf,
}

/// One message file, before it is read.
#[derive(Debug)]
struct MessageFile {
    path: PathBuf,
    flags: Flags,
    internal_date: i64,
}

pub(super) async fn import(root: &Path, destination: &Destination) -> Outcome<Totals> {
    if !root.is_dir() {
        return Err(usage!("{} is not a directory", root.display()));
    }
    let folders = folders(root).with_context(|| format!("cannot read the Maildir tree {}", root.display()))?;
    if folders.is_empty() {
        return Err(usage!("{} holds no Maildir folder (no directory with cur/ or new/)", root.display()));
    }
    let mut totals = Totals::default();
    for found in folders {
        let files = message_files(&found.dir).with_context(|| format!("cannot read {}", found.dir.display()))?;
        let mut folder = destination.folder(&found.name, None).await?;
        for file in files {
            let content = fs::read(&file.path).with_context(|| format!("cannot read {}", file.path.display()))?;
            let message =
                ImportedMessage { content: to_crlf(&content), flags: file.flags, internal_date: file.internal_date };
            folder.add(message).await?;
        }
        totals.add(&folder);
    }
    Ok(totals)
}

/// Every folder of the tree, INBOX first.
fn folders(root: &Path) -> std::io::Result<Vec<MaildirFolder>> {
    let mut found = Vec::new();
    if is_maildir(root) {
        found.push(MaildirFolder { name: facteur_store::INBOX.to_owned(), dir: root.to_owned() });
    }
    walk(root, &[], &mut found)?;
    found.sort_by_key(|folder| !folder.name.eq_ignore_ascii_case(facteur_store::INBOX));
    Ok(found)
}

/// Looks for folders under `dir`, whose own folder levels are `levels` (none at the root).
fn walk(dir: &Path, levels: &[String], found: &mut Vec<MaildirFolder>) -> std::io::Result<()> {
    if levels.len() > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let file_name = entry.file_name();
        let Some(added) = layout::subdirectory_levels(&file_name.to_string_lossy(), levels.is_empty())
            .map(|added| added.into_iter().map(decode_level).collect::<Vec<_>>())
        else {
            continue;
        };
        let sub_levels = [levels, &added].concat();
        if is_maildir(&path) {
            found.push(MaildirFolder { name: sub_levels.join("/"), dir: path.clone() });
        }
        walk(&path, &sub_levels, found)?;
    }
    Ok(())
}

fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// A folder level as Dovecot may have written it, in modified UTF-7.
fn decode_level(level: &str) -> String {
    match level.contains('&') {
        true => facteur_imap_proto::mutf7::decode(level.as_bytes()).unwrap_or_else(|_| level.to_owned()),
        false => level.to_owned(),
    }
}

/// The messages of a folder's `new/` and `cur/`, oldest first.
fn message_files(dir: &Path) -> std::io::Result<Vec<MessageFile>> {
    let keywords = match fs::read(dir.join(KEYWORDS_FILE)) {
        Ok(file) => KeywordTable::parse(&file),
        Err(_) => KeywordTable::default(),
    };
    let mut files = Vec::new();
    for part in ["new", "cur"] {
        let part_dir = dir.join(part);
        if !part_dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&part_dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let metadata = entry.metadata()?;
            // Dot files are not messages (the spec reserves them); Dovecot's own files live elsewhere.
            if name.starts_with('.') || !metadata.is_file() {
                continue;
            }
            let parsed = MaildirName::parse(&name);
            let modified = metadata.modified().ok().and_then(|time| time.duration_since(UNIX_EPOCH).ok());
            let internal_date = modified
                .and_then(|since| i64::try_from(since.as_secs()).ok())
                .or_else(|| parsed.delivery_time())
                .unwrap_or_else(unix_now);
            files.push(MessageFile { path: entry.path(), flags: parsed.flags(&keywords), internal_date });
        }
    }
    files.sort_by(|a, b| (a.internal_date, &a.path).cmp(&(b.internal_date, &b.path)));
    Ok(files)
}
