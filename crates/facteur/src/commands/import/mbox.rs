//! Importing mbox files (RFC 4155) as Python's `mailbox` module, mutt and Thunderbird write them.
//!
//! A file is a folder named after it (less a `.mbox` ending). In a directory, each file is a folder, and a
//! subdirectory `NAME` (or Thunderbird's `NAME.sbd`) holds the subfolders of NAME. What does not start with
//! a `From ` line is not an mbox and is skipped, with a word (an empty file is an empty folder); so are dot
//! files and Thunderbird's `.msf` summaries.
//!
//! Each message keeps its bytes (with CRLF line endings); flags come from its `Status:` and `X-Status:`
//! fields, keywords from `X-Keywords:` (Dovecot's, mutt's), INTERNALDATE from its `From ` line, else its
//! `Date:` field, else now.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use facteur_mailbox_formats::line_endings::to_crlf;
use facteur_mailbox_formats::mbox::{self, MboxMessage, MboxSplitter};
use facteur_primitives::unix_now;

use super::Totals;
use super::target::{Destination, Folder, ImportedMessage};
use crate::failure::{Outcome, usage};

/// Deeper directory trees than this are not walked.
const MAX_DEPTH: usize = 32;

/// An mbox file to import, and its folder.
#[derive(Debug)]
struct MboxFile {
    folder: String,
    path: PathBuf,
}

pub(super) async fn import(path: &Path, destination: &Destination) -> Outcome<Totals> {
    let files = if path.is_dir() {
        let mut files = Vec::new();
        walk(path, &[], &mut files).with_context(|| format!("cannot read the directory {}", path.display()))?;
        files
    } else if is_mbox(path).with_context(|| format!("cannot read {}", path.display()))? {
        vec![MboxFile { folder: folder_level(path), path: path.to_owned() }]
    } else {
        return Err(usage!("{} is not an mbox: it does not start with a \"From \" line", path.display()));
    };
    let mut totals = Totals::default();
    for file in files {
        let mut folder = destination.folder(&file.folder, None).await?;
        import_file(&file.path, &mut folder).await?;
        totals.add(&folder);
    }
    Ok(totals)
}

/// The mbox files under `dir`, whose folder levels are `levels`.
fn walk(dir: &Path, levels: &[String], found: &mut Vec<MboxFile>) -> std::io::Result<()> {
    if levels.len() > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".msf") {
            continue;
        }
        if path.is_dir() {
            let level = name.strip_suffix(".sbd").unwrap_or(&name).to_owned();
            walk(&path, &[levels, &[level]].concat(), found)?;
        } else if is_mbox(&path)? {
            let folder = [levels, &[folder_level(&path)]].concat().join("/");
            found.push(MboxFile { folder, path });
        } else {
            println!("{}: skipped, not an mbox (no \"From \" line at its start)", path.display());
        }
    }
    Ok(())
}

/// Whether the file is empty or starts with a `From ` line.
fn is_mbox(path: &Path) -> std::io::Result<bool> {
    let mut start = Vec::with_capacity(5);
    File::open(path)?.take(5).read_to_end(&mut start)?;
    Ok(start.is_empty() || start == b"From ")
}

/// The folder level a file stands for: its name, less a `.mbox` ending.
fn folder_level(path: &Path) -> String {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    match name.strip_suffix(".mbox") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => name,
    }
}

/// Reads the file line by line (never whole) and adds each message to `folder` as it ends.
async fn import_file(path: &Path, folder: &mut Folder<'_>) -> Outcome {
    let mut reader = BufReader::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?);
    let mut splitter = MboxSplitter::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).with_context(|| format!("cannot read {}", path.display()))?;
        if read == 0 {
            break;
        }
        if let Some(message) = splitter.push_line(&line) {
            folder.add(imported(message)).await?;
        }
    }
    if let Some(message) = splitter.finish() {
        folder.add(imported(message)).await?;
    }
    Ok(())
}

fn imported(message: MboxMessage) -> ImportedMessage {
    let internal_date =
        message.date().or_else(|| facteur_message::ingest(&message.content).sort.date).unwrap_or_else(unix_now);
    let flags = mbox::header_flags(&message.content);
    ImportedMessage { content: to_crlf(&message.content), flags, internal_date }
}
