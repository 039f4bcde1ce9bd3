//! Programs sent as attachments. Windows runs these on a double click; no one mails them on purpose any more,
//! and a name like `invoice.pdf.exe` hides the last extension from the reader.

use facteur_message::BodyPart;

use super::{leaves, score};
use crate::Reason;

/// Extensions Windows (or a script host it ships) executes when opened.
const EXECUTABLE_EXTENSIONS: &[&str] = &[
    "exe",
    "scr",
    "pif",
    "com",
    "bat",
    "cmd",
    "cpl",
    "msi",
    "msp",
    "jar",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "hta",
    "lnk",
    "ps1",
    "reg",
    "application",
    "gadget",
];

/// Media types that name a Windows program whatever the file is called.
const EXECUTABLE_TYPES: &[(&str, &str)] =
    &[("application", "x-msdownload"), ("application", "x-dosexec"), ("application", "x-msdos-program")];

pub(super) fn check(body: &BodyPart) -> Option<Reason> {
    leaves(body).into_iter().find_map(|part| {
        let name = file_name(part);
        let executable_name = name.as_deref().is_some_and(has_executable_extension);
        let executable_type = EXECUTABLE_TYPES.iter().any(|&(kind, subtype)| part.is(kind, subtype));
        (executable_name || executable_type).then(|| {
            let shown = name.as_deref().map_or_else(|| format!("{}/{}", part.media_type, part.media_subtype), shorten);
            Reason::new("EXECUTABLE_ATTACHMENT", score::EXECUTABLE_ATTACHMENT, format!("attachment {shown}"))
        })
    })
}

/// The file name a mail program shows: `Content-Disposition`'s `filename`, else `Content-Type`'s `name`.
fn file_name(part: &BodyPart) -> Option<String> {
    let from_disposition = part.disposition.as_ref().and_then(|disposition| {
        disposition.params.iter().find(|param| param.name.eq_ignore_ascii_case("filename")).map(|p| p.value.clone())
    });
    from_disposition.or_else(|| part.param("name").map(str::to_owned))
}

fn has_executable_extension(name: &str) -> bool {
    // Readers ignore the spaces and dots Windows strips from the end of a name.
    let name = name.trim_end_matches([' ', '.']);
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| EXECUTABLE_EXTENSIONS.iter().any(|known| extension.eq_ignore_ascii_case(known)))
}

/// A file name as a reason quotes it: printable, at most 60 characters.
fn shorten(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(header: &str) -> Option<Reason> {
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
             --b\r\n{header}\r\n\r\nAAAA\r\n--b--\r\n"
        );
        check(&facteur_message::ingest(raw.as_bytes()).body)
    }

    #[test]
    fn programs_are_named_by_extension_or_type() {
        assert!(attachment("Content-Type: application/octet-stream; name=\"invoice.pdf.exe\"").is_some());
        assert!(attachment("Content-Disposition: attachment; filename=\"run.JS \"").is_some());
        assert!(attachment("Content-Type: application/x-msdownload").is_some());
    }

    #[test]
    fn documents_are_not_programs() {
        assert!(attachment("Content-Type: application/pdf; name=\"invoice.pdf\"").is_none());
        assert!(attachment("Content-Disposition: attachment; filename=\"exe\"").is_none());
    }
}
