//! Well-known names of special folders, so that every client files its sent mail, drafts, junk and
//! deleted mail in the ONE mailbox the account has for that role (RFC 6154 special-use).
//!
//! Outlook creates "Sent Items", Apple Mail "Sent Messages", a French Thunderbird "Éléments envoyés"; without
//! this table two devices of the same person end up with three "Sent" folders. With it, a name of the table
//! that is not an existing mailbox resolves to the mailbox holding the role: CREATE of it succeeds without
//! creating anything, and SELECT, STATUS, APPEND, COPY and MOVE to it land in the canonical mailbox.
//!
//! The table is data: add a spelling to the list of its role. Names are compared case-insensitively (Unicode
//! lower case), with the hierarchy prefix `INBOX/` some clients put in front ignored. A mailbox that really
//! exists under one of these names always wins: the table only fills the gaps.

use crate::mailbox::SpecialUse;

/// Spellings clients use for each role, in the languages we have met. Extend freely.
pub const WELL_KNOWN_NAMES: &[(SpecialUse, &[&str])] = &[
    (
        SpecialUse::Sent,
        &[
            "Sent",
            "Sent Items",
            "Sent Messages",
            "Sent Mail",
            "Sent-Mail",
            "[Gmail]/Sent Mail",
            "Éléments envoyés",
            "Courrier envoyé",
            "Messages envoyés",
            "Envoyés",
            "Gesendet",
            "Gesendete Elemente",
            "Gesendete Objekte",
            "Enviados",
            "Elementos enviados",
            "Posta inviata",
            "Inviati",
            "Verzonden",
            "Verzonden items",
        ],
    ),
    (
        SpecialUse::Drafts,
        &["Drafts", "Draft", "[Gmail]/Drafts", "Brouillons", "Entwürfe", "Borradores", "Bozze", "Concepten"],
    ),
    (
        SpecialUse::Trash,
        &[
            "Trash",
            "Deleted Items",
            "Deleted Messages",
            "Deleted",
            "Bin",
            "[Gmail]/Trash",
            "[Gmail]/Bin",
            "Corbeille",
            "Éléments supprimés",
            "Papierkorb",
            "Gelöschte Elemente",
            "Gelöschte Objekte",
            "Papelera",
            "Elementos eliminados",
            "Cestino",
            "Prullenbak",
            "Verwijderde items",
        ],
    ),
    (
        SpecialUse::Junk,
        &[
            "Junk",
            "Spam",
            "Junk E-mail",
            "Junk Email",
            "Junk Mail",
            "Bulk Mail",
            "[Gmail]/Spam",
            "Courrier indésirable",
            "Indésirables",
            "Pourriel",
            "Junk-E-Mail",
            "Correo no deseado",
            "Posta indesiderata",
            "Ongewenste e-mail",
        ],
    ),
    (SpecialUse::Archive, &["Archive", "Archives", "[Gmail]/All Mail", "Archiv", "Archivio", "Archivo", "Archief"]),
];

/// The role a well-known folder name stands for, if it is one.
pub fn role_of_name(name: &str) -> Option<SpecialUse> {
    let wanted = comparable(name);
    WELL_KNOWN_NAMES
        .iter()
        .find(|(_, names)| names.iter().any(|known| comparable(known) == wanted))
        .map(|(role, _)| *role)
}

/// Lower case, without an `INBOX/` or `INBOX.` prefix (Courier-style clients put every folder under INBOX).
fn comparable(name: &str) -> String {
    let lower = name.to_lowercase();
    for prefix in ["inbox/", "inbox."] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_spellings_of_sent_resolve_to_the_sent_role() {
        for name in ["Sent Items", "sent messages", "Éléments envoyés", "ÉLÉMENTS ENVOYÉS", "Gesendete Elemente"]
        {
            assert_eq!(role_of_name(name), Some(SpecialUse::Sent), "{name}");
        }
    }

    #[test]
    fn other_roles_are_recognised_in_several_languages() {
        assert_eq!(role_of_name("Deleted Items"), Some(SpecialUse::Trash));
        assert_eq!(role_of_name("Corbeille"), Some(SpecialUse::Trash));
        assert_eq!(role_of_name("Courrier indésirable"), Some(SpecialUse::Junk));
        assert_eq!(role_of_name("Spam"), Some(SpecialUse::Junk));
        assert_eq!(role_of_name("Brouillons"), Some(SpecialUse::Drafts));
        assert_eq!(role_of_name("INBOX/Trash"), Some(SpecialUse::Trash));
    }

    #[test]
    fn ordinary_names_have_no_role() {
        for name in ["INBOX", "Projects", "Sent/2024", "Spam filters"] {
            assert_eq!(role_of_name(name), None, "{name}");
        }
    }

    #[test]
    fn no_spelling_is_listed_for_two_roles() {
        let mut seen = std::collections::HashMap::new();
        for (role, names) in WELL_KNOWN_NAMES {
            for name in *names {
                if let Some(other) = seen.insert(comparable(name), *role) {
                    panic!("{name} is listed for {other} and {role}");
                }
            }
        }
    }
}
