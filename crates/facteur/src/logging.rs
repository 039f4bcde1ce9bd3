//! Logs go to standard error through `tracing`; `RUST_LOG` overrides the configured level.
//!
//! rustls warns about every client that puts an IP address in SNI (many do, when connecting by address), a
//! client's mistake the admin can do nothing about: its handshake-parsing module is held to errors unless the
//! filter names it.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::failure::{Outcome, usage};

/// Where rustls logs what clients get wrong in their hello (an IP address as SNI, a duplicate name).
const RUSTLS_CLIENT_MISTAKES: &str = "rustls::msgs::handshake=error";

/// Installs the global subscriber. A bad filter is a configuration error, named as such. `json`: one JSON
/// object per line (`[log] format = "json"`), fields as JSON values, for log shippers.
pub fn init(configured_level: &str, json: bool) -> Outcome {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.is_empty() => EnvFilter::try_new(&directives)
            .map_err(|error| usage!("RUST_LOG={directives:?} is not a valid log filter: {error}"))?,
        _ => EnvFilter::try_new(configured_level)
            .map_err(|error| usage!("config: key `log.level`: {configured_level:?} is not a valid filter: {error}"))?,
    };
    let filter = match filter.to_string().contains("rustls") {
        true => filter,
        false => filter.add_directive(RUSTLS_CLIENT_MISTAKES.parse().map_err(anyhow::Error::from)?),
    };
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        subscriber.json().flatten_event(true).init();
    } else {
        subscriber.with_ansi(std::io::stderr().is_terminal()).init();
    }
    Ok(())
}
