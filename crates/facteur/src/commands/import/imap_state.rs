//! What an IMAP import has copied, so that running it again fetches only what is new: per source folder, its
//! UIDVALIDITY and the highest UID copied. RFC 9051 §2.3.1.1: a UID names the same message for as long as
//! the folder's UIDVALIDITY stays the same, and UIDs only grow; a new UIDVALIDITY means they start over, and
//! the folder is read again from the start (the destination's own check skips what it already has).
//!
//! One small text file per source server, user and destination account, under `DATA/import/imap/`: one line
//! per folder, `UIDVALIDITY LAST_UID NAME`. It is rewritten whole (temporary file, fsync, rename) after each
//! batch, so a crash leaves the old state or the new one; a crash between a batch's delivery and its record
//! only means those messages are fetched again and found already there.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the state files are, under the data directory.
const STATE_DIR: &str = "import/imap";

/// Where one folder's copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FolderState {
    uidvalidity: u32,
    last_uid: u32,
}

/// The copy state of one (server, user, account) import.
#[derive(Debug)]
pub struct CopyState {
    path: PathBuf,
    folders: BTreeMap<String, FolderState>,
}

impl CopyState {
    /// The state of importing `user` at `server` into `account`, empty if this import never ran.
    pub fn load(data_dir: &Path, server: &str, user: &str, account: &str) -> io::Result<CopyState> {
        let name = format!("{}--{}--{}", file_safe(server), file_safe(user), file_safe(account));
        let path = data_dir.join(STATE_DIR).join(name);
        let folders = match fs::read_to_string(&path) {
            Ok(text) => parse(&text),
            Err(error) if error.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => return Err(error),
        };
        Ok(CopyState { path, folders })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The UID after which to copy `folder`: the last one copied, or 0 if the folder is new or its UIDs
    /// started over.
    pub fn copied_up_to(&self, folder: &str, uidvalidity: u32) -> u32 {
        match self.folders.get(folder) {
            Some(state) if state.uidvalidity == uidvalidity => state.last_uid,
            _ => 0,
        }
    }

    /// Records that `folder` is copied up to `last_uid`, and writes the state down.
    pub fn record(&mut self, folder: &str, uidvalidity: u32, last_uid: u32) -> io::Result<()> {
        self.folders.insert(folder.to_owned(), FolderState { uidvalidity, last_uid });
        self.save()
    }

    fn save(&self) -> io::Result<()> {
        let directory = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(directory)?;
        let temporary = self.path.with_extension("new");
        let mut file = fs::File::create(&temporary)?;
        file.write_all(render(&self.folders).as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, &self.path)?;
        fs::File::open(directory)?.sync_all()
    }
}

/// Letters, digits and `.@-_` kept, anything else `_`: a file name from a host, user and address.
fn file_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || ".@-_".contains(c) { c } else { '_' }).collect()
}

fn parse(text: &str) -> BTreeMap<String, FolderState> {
    let mut folders = BTreeMap::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let mut fields = line.splitn(3, ' ');
        let (Some(uidvalidity), Some(last_uid), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let (Ok(uidvalidity), Ok(last_uid)) = (uidvalidity.parse(), last_uid.parse()) {
            folders.insert(name.to_owned(), FolderState { uidvalidity, last_uid });
        }
    }
    folders
}

fn render(folders: &BTreeMap<String, FolderState>) -> String {
    let mut text = String::from("# facteur import imap: UIDVALIDITY LAST_UID FOLDER, per folder of the source\n");
    for (name, state) in folders {
        text.push_str(&format!("{} {} {name}\n", state.uidvalidity, state.last_uid));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_reads_back_and_a_new_uidvalidity_starts_over() {
        let data_dir = tempfile::tempdir().unwrap();
        let mut state = CopyState::load(data_dir.path(), "imap.example.org:993", "u", "a@b").unwrap();
        assert_eq!(state.copied_up_to("Lists/Été 2026", 7), 0);
        state.record("Lists/Été 2026", 7, 42).unwrap();
        state.record("INBOX", 1, 3).unwrap();
        let again = CopyState::load(data_dir.path(), "imap.example.org:993", "u", "a@b").unwrap();
        assert_eq!(again.copied_up_to("Lists/Été 2026", 7), 42);
        assert_eq!(again.copied_up_to("Lists/Été 2026", 8), 0);
        assert_eq!(again.copied_up_to("INBOX", 1), 3);
        assert!(again.path().ends_with("import/imap/imap.example.org_993--u--a@b"));
    }
}
