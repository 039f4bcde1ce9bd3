//! Writing Maildir folders as mbsync and Dovecot read them: each message a file in `cur/` named
//! `TIME.PpidQn.HOST:2,LETTERS` (delivered through `tmp/`, as the Maildir spec has it), with LF line endings
//! as they write them, the arrival date as its modification time, keywords numbered in `dovecot-keywords`.
//! Folder names are written in modified UTF-7 (RFC 3501 §5.1.3), as both write them by default (mbsync keeps
//! the IMAP name, Dovecot without its `UTF-8` option encodes it).

use std::fs::{self, File, FileTimes};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use facteur_mailbox_formats::line_endings::to_lf;
use facteur_mailbox_formats::maildir::{KeywordTable, Layout, layout, name};
use tracing::warn;

use super::{ExportedMessage, Format};

pub struct MaildirExport {
    root: PathBuf,
    layout: Layout,
    /// The host part of file names, with `/` and `:` escaped as the spec asks.
    host: String,
    /// Messages written: with the process id, what keeps two names written in one second apart.
    written: u64,
    folder: Option<OpenFolder>,
}

struct OpenFolder {
    dir: PathBuf,
    keywords: KeywordTable,
    /// Keywords past the table's 26 letters, which no Maildir name can carry.
    left_out: Vec<String>,
}

impl MaildirExport {
    pub fn new(root: &Path, layout: Layout, hostname: &str) -> MaildirExport {
        let host = hostname.replace('/', "\\057").replace(':', "\\072");
        MaildirExport { root: root.to_owned(), layout, host, written: 0, folder: None }
    }
}

impl Format for MaildirExport {
    fn open_folder(&mut self, name: &str) -> anyhow::Result<()> {
        let on_disk = facteur_imap_proto::mutf7::encode(name);
        let dir = self.root.join(layout::folder_directory(self.layout, &on_disk)?);
        for part in ["cur", "new", "tmp"] {
            fs::create_dir_all(dir.join(part)).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        self.folder = Some(OpenFolder { dir, keywords: KeywordTable::default(), left_out: Vec::new() });
        Ok(())
    }

    fn write(&mut self, message: &ExportedMessage) -> anyhow::Result<()> {
        let folder = self.folder.as_mut().context("no folder is open")?;
        let (letters, left_out) = name::letters(&message.flags, &mut folder.keywords);
        folder.left_out.extend(left_out);
        self.written += 1;
        let unique = format!("{}.P{}Q{}.{}", message.internal_date, std::process::id(), self.written, self.host);
        let temporary = folder.dir.join("tmp").join(&unique);
        let delivered = folder.dir.join("cur").join(name::file_name(&unique, &letters));
        let file = File::create_new(&temporary).with_context(|| format!("cannot create {}", temporary.display()))?;
        std::io::Write::write_all(&mut &file, &to_lf(&message.content))
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        // Dovecot reads INTERNALDATE from the modification time.
        let date = UNIX_EPOCH + Duration::from_secs(u64::try_from(message.internal_date).unwrap_or_default());
        file.set_times(FileTimes::new().set_modified(date).set_accessed(date))
            .with_context(|| format!("cannot date {}", temporary.display()))?;
        fs::rename(&temporary, &delivered).with_context(|| format!("cannot move {}", delivered.display()))?;
        Ok(())
    }

    fn close_folder(&mut self) -> anyhow::Result<()> {
        let Some(folder) = self.folder.take() else { return Ok(()) };
        if !folder.keywords.is_empty() {
            let path = folder.dir.join("dovecot-keywords");
            fs::write(&path, folder.keywords.to_file()).with_context(|| format!("cannot write {}", path.display()))?;
        }
        if !folder.left_out.is_empty() {
            warn!(folder = %folder.dir.display(), left_out = ?folder.left_out, "more than 26 keywords: these were not written");
        }
        Ok(())
    }
}
