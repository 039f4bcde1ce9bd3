//! Changing one table of an operator's file in place: their comments, their order and every other setting stay
//! as they wrote them. `facteur store migrate` uses it to point `[store]` at the database it filled.

use crate::load::{ConfigError, parse};
use crate::model::{StoreBackend, StoreConfig};
use crate::template::quoted;

/// `text` with its `[store]` table saying `store`: each key replaced on its own line, a missing one added at
/// the table's end, and the table added at the end of the file if there is none. The result is read back and
/// must say exactly `store`; a file in a form this does not follow (a dotted `store.url = …` key, an inline
/// table) is an error, to be edited by hand.
pub fn set_store(text: &str, store: &StoreConfig) -> Result<String, ConfigError> {
    let settings = [
        ("backend", quoted(backend_name(store.backend))),
        ("path", quoted(&store.path.to_string_lossy())),
        ("url", quoted(&store.url)),
        ("password_file", quoted(&store.password_file)),
        ("ca_file", quoted(&store.ca_file)),
    ];
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    match lines.iter().position(|line| is_store_header(line)) {
        Some(header) => rewrite_table(&mut lines, header, &settings),
        None => append_table(&mut lines, &settings),
    }
    let edited = lines.concat();
    let reread = parse(&edited)?;
    if reread.store != *store {
        return Err(ConfigError::Invalid {
            path: None,
            key: "store".into(),
            message: "could not be rewritten in place (is it written as dotted keys or an inline table?): set \
                      its backend, path, url, password_file and ca_file by hand"
                .into(),
        });
    }
    Ok(edited)
}

fn backend_name(backend: StoreBackend) -> &'static str {
    match backend {
        StoreBackend::Sqlite => "sqlite",
        StoreBackend::Postgres => "postgres",
    }
}

/// `[store]`, possibly followed by spaces and a comment.
fn is_store_header(line: &str) -> bool {
    line.trim_start().strip_prefix("[store]").is_some_and(|rest| {
        let rest = rest.trim_start();
        rest.is_empty() || rest.starts_with('#')
    })
}

/// The start of any table (`[name]` or `[[name]]`), which ends the one before it.
fn is_table_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// The key a `key = value` line sets, if it is one.
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#')).then_some(key)
}

fn rewrite_table(lines: &mut Vec<String>, header: usize, settings: &[(&str, String)]) {
    let end = lines[header + 1..].iter().position(|line| is_table_header(line)).map_or(lines.len(), |n| header + 1 + n);
    let mut missing: Vec<&(&str, String)> = settings.iter().collect();
    for line in &mut lines[header + 1..end] {
        let Some(setting) = key_of(line).and_then(|key| settings.iter().find(|(name, _)| *name == key)) else {
            continue;
        };
        *line = format!("{} = {}\n", setting.0, setting.1);
        missing.retain(|(name, _)| *name != setting.0);
    }
    // After the table's last setting or comment, before the blank lines that separate it from the next.
    let last_filled =
        lines[header..end].iter().rposition(|line| !line.trim().is_empty()).map_or(header, |n| header + n);
    let added = missing.iter().map(|(name, value)| format!("{name} = {value}\n"));
    lines.splice(last_filled + 1..last_filled + 1, added);
}

fn append_table(lines: &mut Vec<String>, settings: &[(&str, String)]) {
    if lines.last().is_some_and(|line| !line.ends_with('\n')) {
        lines.push("\n".into());
    }
    lines.push("\n[store]\n".into());
    lines.extend(settings.iter().map(|(name, value)| format!("{name} = {value}\n")));
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::path::PathBuf;

    use super::*;
    use crate::model::Config;

    fn postgres() -> StoreConfig {
        StoreConfig {
            backend: StoreBackend::Postgres,
            path: PathBuf::from("staging"),
            url: "postgres://facteur@db.example:5432/mail".into(),
            password_file: "/etc/facteur/db-password".into(),
            ca_file: "/etc/facteur/db-ca.pem".into(),
            full_text_index: true,
        }
    }

    fn standard() -> Config {
        Config::standard("mail.example.com", IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
    }

    #[test]
    fn the_store_table_changes_and_nothing_else_does() {
        let mut text = crate::template::render(&standard());
        text = text.replace("hostname = \"mail.example.com\"", "# ours\nhostname = \"mail.example.com\" # kept");
        let edited = set_store(&text, &postgres()).unwrap();
        let config = parse(&edited).unwrap();
        assert_eq!(config.store, postgres());
        assert_eq!(Config { store: standard().store, ..config }, standard());
        assert!(edited.contains("# ours\nhostname = \"mail.example.com\" # kept"));
        let changed: Vec<(&str, &str)> =
            text.lines().zip(edited.lines()).filter(|(before, after)| before != after).collect();
        assert_eq!(changed.len(), 5, "backend, path, url, password_file and ca_file: {changed:?}");
        assert_eq!(text.lines().count(), edited.lines().count());
    }

    #[test]
    fn missing_keys_and_a_missing_table_are_added() {
        let text = "[server]\nhostname = \"mail.example.com\"\n\n[store]\n# which one\nbackend = \"sqlite\"\n\n[log]\nlevel = \"info\"\n";
        let edited = set_store(text, &postgres()).unwrap();
        assert_eq!(parse(&edited).unwrap().store, postgres());
        assert!(edited.contains("[store]\n# which one\nbackend = \"postgres\"\npath = \"staging\"\n"), "{edited}");
        assert!(edited.ends_with("\n\n[log]\nlevel = \"info\"\n"), "{edited}");

        let without = "[server]\nhostname = \"mail.example.com\"";
        let edited = set_store(without, &postgres()).unwrap();
        assert_eq!(parse(&edited).unwrap().store, postgres());
    }

    #[test]
    fn a_store_written_as_dotted_keys_is_left_for_a_person() {
        let text = "store.backend = \"sqlite\"\n[server]\nhostname = \"mail.example.com\"\n";
        assert!(set_store(text, &postgres()).is_err());
    }
}
