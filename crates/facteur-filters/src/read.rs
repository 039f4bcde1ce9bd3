//! A script back to the settings it was generated from, and whether it is still as generated.

use crate::generate::{CHECKSUM_MARK, SETTINGS_MARK, checksum};
use crate::settings::Filters;

/// The settings a script carries (the defaults if it carries none that parse), and whether the Sieve below
/// them was changed since they were written.
pub(crate) fn settings(script: &str) -> (Filters, bool) {
    let mut settings = None;
    let mut json_line = "";
    let mut recorded = None;
    let mut rest = script;
    // The two marks are among the first lines; the body starts after the checksum line.
    while let Some((line, after)) = rest.split_once('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(json) = line.strip_prefix(SETTINGS_MARK) {
            settings = serde_json::from_str::<Filters>(json).ok();
            json_line = json;
        } else if let Some(sum) = line.strip_prefix(CHECKSUM_MARK) {
            recorded = Some(sum.trim().to_owned());
            rest = after;
            break;
        } else if !line.starts_with('#') {
            break;
        }
        rest = after;
    }
    let intact = settings.is_some() && recorded.as_deref() == Some(checksum(json_line, rest).as_str());
    (settings.unwrap_or_default(), !intact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::script;
    use crate::settings::{Field, OutOfOffice, Rule};

    fn filters() -> Filters {
        Filters {
            rules: vec![Rule {
                field: Field::Subject,
                contains: "say \"hi\" \\ ${now}".into(),
                folder: "Été/Reçus".into(),
                mark_read: true,
            }],
            out_of_office: OutOfOffice {
                enabled: true,
                from_date: Some(1_767_225_600),
                to_date: Some(1_767_830_400),
                subject: Some("Away".into()),
                text_body: Some("Back on Monday.\nAlice".into()),
                html_body: Some("<p>Back on <b>Monday</b>.</p>".into()),
            },
        }
    }

    #[test]
    fn a_script_gives_back_its_settings_until_edited_by_hand() {
        let text = script(&filters());
        assert_eq!(settings(&text), (filters(), false));
        let edited = text.replace("stop;", "keep;");
        assert_eq!(settings(&edited), (filters(), true), "the settings remain, marked as edited");
        assert_eq!(settings("require \"fileinto\";\r\nkeep;\r\n"), (Filters::default(), true));
        let forged = text.replacen("\"enabled\":true", "\"enabled\":false", 1);
        assert!(settings(&forged).1, "settings changed by hand no longer match the Sieve");
    }

    #[test]
    fn the_script_compiles_and_quotes_what_users_typed() {
        let text = script(&filters());
        let compiled = facteur_sieve::compile(&text, &facteur_sieve::Limits::default());
        assert!(compiled.is_ok(), "{compiled:?}\n{text}");
        assert!(text.contains(r#"if header :contains "subject" "say \"hi\" \\ ${now}" {"#), "{text}");
        assert!(text.contains(r#"fileinto :create :flags "\\Seen" "Été/Reçus";"#), "{text}");
        assert!(text.contains(r#"currentdate :zone "+0000" :value "ge" "iso8601" "2026-01-01T00:00:00Z""#), "{text}");
        assert!(
            text.contains("vacation :days 7 :subject \"Away\" :mime \"Content-Type: multipart/alternative"),
            "{text}"
        );
        let empty = script(&Filters::default());
        assert!(facteur_sieve::compile(&empty, &facteur_sieve::Limits::default()).is_ok(), "{empty}");
    }
}
