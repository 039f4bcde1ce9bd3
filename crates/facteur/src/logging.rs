//! Logs go to standard error through `tracing`; `RUST_LOG` overrides the configured level.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::failure::{Outcome, usage};

/// Installs the global subscriber. A bad filter is a configuration error, named as such.
pub fn init(configured_level: &str) -> Outcome {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => EnvFilter::try_new(&directives)
            .map_err(|error| usage!("RUST_LOG={directives:?} is not a valid log filter: {error}"))?,
        _ => EnvFilter::try_new(configured_level)
            .map_err(|error| usage!("config: key `log.level`: {configured_level:?} is not a valid filter: {error}"))?,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    Ok(())
}
