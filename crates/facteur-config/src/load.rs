use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Config;
use crate::validate;

/// Why a configuration could not be used. The `Display` form is what the operator reads, so it always says where
/// (file, line, key) and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config: cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config: {}{location}: {message}", display_path(path))]
    Syntax { path: Option<PathBuf>, location: Location, message: String },
    #[error("config: {}key `{key}`: {message}", display_path(path))]
    Invalid { path: Option<PathBuf>, key: String, message: String },
}

/// Where in the file a syntax or type error is: line and column (1-based) and the dotted key when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = self.column {
            parts.push(format!("column {column}"));
        }
        if let Some(key) = &self.key {
            parts.push(format!("key `{key}`"));
        }
        f.write_str(&parts.join(", "))
    }
}

fn display_path(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("{}: ", path.display()),
        None => String::new(),
    }
}

impl ConfigError {
    fn with_path(mut self, file: &Path) -> ConfigError {
        match &mut self {
            ConfigError::Syntax { path, .. } | ConfigError::Invalid { path, .. } => *path = Some(file.to_owned()),
            ConfigError::Read { .. } => {}
        }
        self
    }
}

/// Reads and checks the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    parse(&text).map_err(|error| error.with_path(path))
}

/// Parses and checks configuration text.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|error| syntax_error(text, &error, None))?;
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = error.path().to_string();
        let key = (key != ".").then_some(key);
        syntax_error(text, error.inner(), key)
    })?;
    validate::check(&config)?;
    Ok(config)
}

fn syntax_error(text: &str, error: &toml::de::Error, key: Option<String>) -> ConfigError {
    let (line, column) = match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(text, span.start);
            (Some(line), Some(column))
        }
        None => (None, None),
    };
    ConfigError::Syntax {
        path: None,
        location: Location { line, column, key },
        message: error.message().trim().to_owned(),
    }
}

/// 1-based line and column of a byte offset (columns count characters, as editors do).
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[server]\nhostname = \"mail.example.test\"\n";

    fn error_text(text: &str) -> String {
        match parse(text) {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn minimal_file_takes_every_default() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.server.hostname, "mail.example.test");
        assert_eq!(config.limits, crate::Limits::default());
        assert!(config.listeners.is_empty());
    }

    #[test]
    fn unknown_key_is_an_error_naming_it_and_its_line() {
        let text = format!("{MINIMAL}[limits]\nmax_conections = 5\n");
        let error = error_text(&text);
        assert!(error.contains("line 4"), "{error}");
        assert!(error.contains("max_conections"), "{error}");
        assert!(error.contains("max_connections"), "the expected keys are listed: {error}");
    }

    #[test]
    fn wrong_type_names_the_dotted_key_and_what_was_expected() {
        let text =
            format!("{MINIMAL}[listener.smtp]\nprotocol = \"smtp\"\ntls = \"starttls\"\nbind = [\"0.0.0.0:99999\"]\n");
        let error = error_text(&text);
        assert!(error.contains("line 6"), "{error}");
        assert!(error.contains("listener.smtp.bind"), "{error}");
        assert!(error.contains("port 99999 is out of range"), "{error}");
    }

    #[test]
    fn unknown_enum_value_lists_the_accepted_ones() {
        let text = format!("{MINIMAL}[listener.x]\nprotocol = \"smtps\"\ntls = \"implicit\"\nbind = []\n");
        let error = error_text(&text);
        assert!(error.contains("listener.x.protocol"), "{error}");
        assert!(error.contains("submission"), "{error}");
    }

    #[test]
    fn broken_toml_reports_the_line() {
        let error = error_text("[server\nhostname = 1\n");
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn missing_server_section_is_named() {
        let error = error_text("[limits]\n");
        assert!(error.contains("server"), "{error}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.toml");
        std::fs::write(&path, "[server]\nhostname = 5\n").unwrap();
        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("server.hostname"), "{error}");
        let missing = load(&dir.path().join("nope.toml")).unwrap_err().to_string();
        assert!(missing.contains("cannot read"), "{missing}");
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        assert_eq!(line_and_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_and_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_and_column("ab\ncé\nx", 7), (3, 1));
    }
}
