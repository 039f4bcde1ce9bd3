//! Where each folder of a Maildir tree is, relative to its root, in the layouts mbsync and Dovecot write.
//!
//! - **Maildir++** (Dovecot's default, mbsync's `SubFolders Maildir++`): the root is INBOX, every other folder
//!   a directory directly under it, named `.` and its levels joined with `.`: `.Lists.Rust` is `Lists/Rust`.
//! - **Verbatim** (mbsync's `SubFolders Verbatim`, Dovecot's `LAYOUT=fs`): one directory per level,
//!   `Lists/Rust/`, nested inside the parent folder's own directory; INBOX is a directory named `INBOX`.
//! - **Legacy** (mbsync's `SubFolders Legacy`): nested too, but each level below the top starts with a dot,
//!   `Lists/.Rust/`. Read, never written.
//!
//! Names are paths of levels joined with `/`, the store's hierarchy separator.

/// How an export lays folders out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Verbatim,
    MaildirPlusPlus,
}

/// A folder name this layout cannot write (the other layout may).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("folder {0:?} has a level named cur, new or tmp, which are a Maildir's own directories")]
    ReservedLevel(String),
    #[error("folder {0:?} has a level starting with a dot, which would read back as another layout's folder")]
    LeadingDot(String),
    #[error("folder {0:?} has a dot in a level, and Maildir++ separates levels with dots (use the verbatim layout)")]
    DotInLevel(String),
}

/// The directory names Maildir keeps its messages in, which therefore name no folder.
const MAILDIR_PARTS: [&str; 3] = ["cur", "new", "tmp"];

/// The folder levels that a subdirectory named `name` adds to its parent's, while walking a tree from its
/// root: a Maildir++ folder at the root (`.A.B` → `A`, `B`), a Legacy level below it (`.B` → `B`), a Verbatim
/// level anywhere (`B` → `B`). `None` for the Maildir's own `cur`, `new`, `tmp` and for names that cannot
/// be a folder (`.`, `..`, `.a..b`).
pub fn subdirectory_levels(name: &str, at_root: bool) -> Option<Vec<&str>> {
    if name.is_empty() || name == "." || name == ".." || MAILDIR_PARTS.contains(&name) {
        return None;
    }
    let levels: Vec<&str> = match name.strip_prefix('.') {
        Some(dotted) if at_root => dotted.split('.').collect(),
        Some(legacy) => vec![legacy],
        None => vec![name],
    };
    levels.iter().all(|level| !level.is_empty()).then_some(levels)
}

/// The directory of folder `name` relative to the export's root (empty: the root itself).
pub fn folder_directory(layout: Layout, name: &str) -> Result<String, LayoutError> {
    let levels: Vec<&str> = name.split('/').collect();
    if levels.iter().any(|level| MAILDIR_PARTS.contains(level)) && layout == Layout::Verbatim {
        return Err(LayoutError::ReservedLevel(name.to_owned()));
    }
    if levels.iter().any(|level| level.starts_with('.')) {
        return Err(LayoutError::LeadingDot(name.to_owned()));
    }
    match layout {
        Layout::Verbatim => Ok(name.to_owned()),
        Layout::MaildirPlusPlus if name == "INBOX" => Ok(String::new()),
        Layout::MaildirPlusPlus if levels.iter().any(|level| level.contains('.')) => {
            Err(LayoutError::DotInLevel(name.to_owned()))
        }
        Layout::MaildirPlusPlus => Ok(format!(".{}", levels.join("."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdirectories_are_read_in_every_layout() {
        assert_eq!(subdirectory_levels(".Lists.Rust", true), Some(vec!["Lists", "Rust"]));
        assert_eq!(subdirectory_levels(".Rust", false), Some(vec!["Rust"]));
        assert_eq!(subdirectory_levels("Rust", false), Some(vec!["Rust"]));
        assert_eq!(subdirectory_levels("Sent", true), Some(vec!["Sent"]));
        for not_a_folder in ["cur", "new", "tmp", ".", "..", ".a..b", ""] {
            assert_eq!(subdirectory_levels(not_a_folder, true), None, "{not_a_folder}");
        }
    }

    #[test]
    fn folders_are_written_where_each_layout_reads_them() {
        assert_eq!(folder_directory(Layout::Verbatim, "Lists/Rust"), Ok("Lists/Rust".to_owned()));
        assert_eq!(folder_directory(Layout::MaildirPlusPlus, "Lists/Rust"), Ok(".Lists.Rust".to_owned()));
        assert_eq!(folder_directory(Layout::MaildirPlusPlus, "INBOX"), Ok(String::new()));
        assert_eq!(folder_directory(Layout::Verbatim, "INBOX"), Ok("INBOX".to_owned()));
        assert!(folder_directory(Layout::MaildirPlusPlus, "v1.2").is_err());
        assert!(folder_directory(Layout::Verbatim, "a/cur").is_err());
        assert!(folder_directory(Layout::Verbatim, ".hidden").is_err());
        for (layout, name) in [(Layout::Verbatim, "A/B c/d"), (Layout::MaildirPlusPlus, "A/B c/d")] {
            let directory = folder_directory(layout, name).unwrap();
            let levels: Vec<&str> = directory
                .split('/')
                .enumerate()
                .flat_map(|(depth, part)| subdirectory_levels(part, depth == 0).unwrap())
                .collect();
            assert_eq!(levels.join("/"), name);
        }
    }
}
