use std::collections::HashMap;

use crate::load::ConfigError;
use crate::model::{Config, Protocol, StoreBackend, TlsMode};

/// Checks that need more than one key, or more than a type, to decide.
pub(crate) fn check(config: &Config) -> Result<(), ConfigError> {
    check_hostname(&config.server.hostname)?;
    check_listeners(config)?;
    check_routes(config)?;
    check_http(config)?;
    check_acme(config)?;
    check_log(config)?;
    if !(1..=1024).contains(&config.auth.min_password_length) {
        return Err(invalid("auth.min_password_length", "must be 1 to 1024 characters (8 or more is advised)"));
    }
    if config.auth.ban_after_failures > 0 && !(1..=10_080).contains(&config.auth.ban_minutes) {
        return Err(invalid("auth.ban_minutes", "must be 1 to 10080 (a week) when auth.ban_after_failures bans"));
    }
    check_store(config)?;
    check_limits(config)
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { path: None, key: key.into(), message: message.into() }
}

/// A hostname goes into SMTP greetings and certificates: letters, digits, hyphens and dots only (RFC 1123 §2.1).
fn check_hostname(hostname: &str) -> Result<(), ConfigError> {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if hostname.len() > 253 || !hostname.split('.').all(label_ok) {
        return Err(invalid(
            "server.hostname",
            format!("{hostname:?} is not a valid host name (expected e.g. \"mail.example.com\")"),
        ));
    }
    Ok(())
}

/// Largest `[sieve] max_script_bytes`: a Sieve script is a filter, not a database.
const MAX_SIEVE_SCRIPT_BYTES: u64 = 16 * 1024 * 1024;

/// Largest `[sieve] max_redirects`: each redirect is a message sent on a user's say-so.
const MAX_SIEVE_REDIRECTS: u32 = 64;

fn check_listeners(config: &Config) -> Result<(), ConfigError> {
    let mut seen: HashMap<std::net::SocketAddr, &str> = HashMap::new();
    for (name, listener) in &config.listeners {
        if listener.bind.is_empty() {
            return Err(invalid(format!("listener.{name}.bind"), "needs at least one address, e.g. [\"0.0.0.0:25\"]"));
        }
        let tls_fits = match listener.protocol {
            Protocol::Http => listener.tls != TlsMode::Starttls,
            _ => listener.tls != TlsMode::None,
        };
        if !tls_fits {
            return Err(invalid(
                format!("listener.{name}.tls"),
                "\"none\" is only for http listeners, and http has no STARTTLS: use \"none\" or \"implicit\"",
            ));
        }
        for address in &listener.bind {
            if address.port() == 0 {
                continue; // each port-0 bind gets its own free port
            }
            if let Some(other) = seen.insert(*address, name) {
                return Err(invalid(
                    format!("listener.{name}.bind"),
                    format!("{address} is already used by listener.{other}"),
                ));
            }
        }
    }
    Ok(())
}

/// A route's next hop is `host:port`; the host may be a name or an IP address (`[v6]:port` for IPv6).
fn check_http(config: &Config) -> Result<(), ConfigError> {
    if !matches!(config.http.mta_sts_mode.as_str(), "testing" | "enforce" | "none") {
        return Err(invalid("http.mta_sts_mode", "must be \"testing\", \"enforce\" or \"none\""));
    }
    if !(1..=365).contains(&config.http.mta_sts_max_age_days) {
        return Err(invalid("http.mta_sts_max_age_days", "must be 1 to 365 days (RFC 8461 §3.2: at most a year)"));
    }
    Ok(())
}

/// A filter directive without `=` is a level or a target: `verbose` would be read as "everything from a
/// module named verbose" and silence the server. Only level names stand alone here; targets take `=LEVEL`.
fn check_log(config: &Config) -> Result<(), ConfigError> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    for directive in config.log.level.split(',').map(str::trim).filter(|directive| !directive.is_empty()) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, level)| level);
        if !LEVELS.iter().any(|known| known.eq_ignore_ascii_case(level)) {
            return Err(invalid(
                "log.level",
                format!(
                    "{directive:?}: expected a level ({}) or TARGET=LEVEL, e.g. \"info,facteur_store=debug\"",
                    LEVELS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn check_acme(config: &Config) -> Result<(), ConfigError> {
    let acme = &config.acme;
    if !acme.enabled {
        return Ok(());
    }
    if !acme.directory.starts_with("https://") {
        return Err(invalid("acme.directory", "must be an https:// URL (RFC 8555 §6.1)"));
    }
    if !acme.contact.is_empty() && !acme.contact.starts_with("mailto:") {
        return Err(invalid("acme.contact", "must be a mailto: URL, e.g. \"mailto:postmaster@example.com\""));
    }
    if let Some(name) = acme.names.iter().find(|name| name.parse::<std::net::IpAddr>().is_ok() || name.contains('*')) {
        return Err(invalid(
            "acme.names",
            format!("{name:?}: only host names are supported, no IP address or wildcard"),
        ));
    }
    Ok(())
}

/// PostgreSQL needs its URL; a password never sits in the configuration (it is shown, copied, committed to
/// version control): `password_file` holds it.
fn check_store(config: &Config) -> Result<(), ConfigError> {
    let store = &config.store;
    match store.backend {
        StoreBackend::Sqlite
            if !store.url.is_empty() || !store.password_file.is_empty() || !store.ca_file.is_empty() =>
        {
            Err(invalid(
                "store.url",
                "url, password_file and ca_file are for backend = \"postgres\"; the sqlite store is the directory in path",
            ))
        }
        StoreBackend::Sqlite => Ok(()),
        StoreBackend::Postgres => check_postgres_url(&store.url),
    }
}

fn check_postgres_url(url: &str) -> Result<(), ConfigError> {
    let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) else {
        return Err(invalid("store.url", "backend = \"postgres\" needs url = \"postgres://USER@HOST:PORT/DATABASE\""));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let password_in_userinfo = authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let password_in_query = rest.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| pair.split('=').next().is_some_and(|key| key.eq_ignore_ascii_case("password")))
    });
    if password_in_userinfo || password_in_query {
        return Err(invalid("store.url", "must not contain a password: put it in a file named by store.password_file"));
    }
    Ok(())
}

fn check_routes(config: &Config) -> Result<(), ConfigError> {
    if config.relay.mx_port == 0 {
        return Err(invalid("relay.mx_port", "must be a port number, 1 to 65535 (normally 25)"));
    }
    if config.relay.mta_sts_port == 0 {
        return Err(invalid("relay.mta_sts_port", "must be a port number, 1 to 65535 (normally 443)"));
    }
    if !config.relay.tls_report_from.is_empty() && !config.relay.tls_report_from.contains('@') {
        return Err(invalid("relay.tls_report_from", "must be an address like postmaster@example.com, or empty"));
    }
    for (domain, next_hop) in &config.relay.routes {
        let port_ok =
            next_hop.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(invalid(
                format!("relay.routes.\"{domain}\""),
                format!("{next_hop:?} is not host:port (expected e.g. \"mx.example.net:25\")"),
            ));
        }
    }
    let relay = &config.relay;
    if !relay.smarthost.is_empty()
        && !relay.smarthost.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    {
        return Err(invalid(
            "relay.smarthost",
            format!("{:?} is not host:port (e.g. \"smtp.example.net:587\")", relay.smarthost),
        ));
    }
    if relay.smarthost_user.is_empty() != relay.smarthost_password_file.is_empty() {
        return Err(invalid("relay.smarthost_user", "smarthost_user and smarthost_password_file go together"));
    }
    Ok(())
}

fn check_limits(config: &Config) -> Result<(), ConfigError> {
    let limits = &config.limits;
    let positive = [
        ("limits.max_connections", u64::from(limits.max_connections)),
        ("limits.max_connections_per_ip", u64::from(limits.max_connections_per_ip)),
        ("limits.idle_timeout_secs", limits.idle_timeout_secs),
        ("limits.tls_handshake_timeout_secs", limits.tls_handshake_timeout_secs),
        ("smtp.max_message_size", config.smtp.max_message_size),
        ("smtp.max_recipients", u64::from(config.smtp.max_recipients)),
        ("smtp.max_errors", u64::from(config.smtp.max_errors)),
        ("smtp.command_timeout_secs", config.smtp.command_timeout_secs),
        ("smtp.data_timeout_secs", config.smtp.data_timeout_secs),
        ("queue.lifetime_secs", config.queue.lifetime_secs),
        ("queue.lease_secs", config.queue.lease_secs),
        ("mail_auth.check_timeout_secs", config.mail_auth.check_timeout_secs),
        ("sieve.max_scripts", u64::from(config.sieve.max_scripts)),
        ("sieve.max_script_bytes", config.sieve.max_script_bytes),
    ];
    for (key, value) in positive {
        if value == 0 {
            return Err(invalid(key, "must be greater than 0"));
        }
    }
    if config.pop3.idle_timeout_secs < 600 {
        return Err(invalid("pop3.idle_timeout_secs", "must be at least 600 (RFC 1939 §3: ten minutes)"));
    }
    if config.pop3.max_errors == 0 {
        return Err(invalid("pop3.max_errors", "must be greater than 0"));
    }
    // A script arrives whole in memory (a ManageSieve literal) before it is compiled.
    if config.sieve.max_script_bytes > MAX_SIEVE_SCRIPT_BYTES {
        return Err(invalid("sieve.max_script_bytes", format!("must be at most {MAX_SIEVE_SCRIPT_BYTES} (16 MiB)")));
    }
    if config.outbound.hold_bounce_percent > 100 {
        return Err(invalid("outbound.hold_bounce_percent", "must be a percentage, 0 to 100"));
    }
    if config.sieve.max_redirects > MAX_SIEVE_REDIRECTS {
        return Err(invalid("sieve.max_redirects", format!("must be at most {MAX_SIEVE_REDIRECTS}")));
    }
    if limits.max_connections_per_ip > limits.max_connections {
        return Err(invalid("limits.max_connections_per_ip", "cannot exceed limits.max_connections"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    fn standard() -> Config {
        Config::standard("mail.example.test", IpAddr::V4(Ipv4Addr::LOCALHOST), 20000)
    }

    #[test]
    fn standard_config_is_valid() {
        check(&standard()).unwrap();
    }

    #[test]
    fn two_listeners_on_one_address_are_refused() {
        let mut config = standard();
        let smtp_bind = config.listeners["smtp"].bind.clone();
        config.listeners.get_mut("imap").unwrap().bind = smtp_bind;
        let error = check(&config).unwrap_err().to_string();
        assert!(error.contains("already used by listener.imap") || error.contains("already used by listener.smtp"));
    }

    #[test]
    fn bad_hostnames_are_refused() {
        for bad in ["", "mail..example", "-mail.example", "mail_example.com", "mail example"] {
            let mut config = standard();
            config.server.hostname = bad.to_owned();
            assert!(check(&config).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn postgres_needs_a_url_without_a_password() {
        let mut config = standard();
        config.store.backend = StoreBackend::Postgres;
        assert!(check(&config).unwrap_err().to_string().contains("store.url"));
        config.store.url = "postgres://facteur@db.example:5432/mail".into();
        check(&config).unwrap();
        for bad in ["postgres://facteur:secret@db/mail", "postgresql://db/mail?user=f&password=secret", "mysql://db/x"]
        {
            config.store.url = bad.into();
            let error = check(&config).unwrap_err().to_string();
            assert!(error.contains("store.url"), "{bad:?}: {error}");
            assert!(!error.contains("secret"), "the password is not repeated in the message: {error}");
        }
        config.store.backend = StoreBackend::Sqlite;
        config.store.url = "postgres://facteur@db/mail".into();
        assert!(check(&config).is_err(), "a url with the sqlite backend is a mistake");
    }

    #[test]
    fn sieve_limits_are_bounded() {
        let mut config = standard();
        config.sieve.max_scripts = 0;
        assert!(check(&config).unwrap_err().to_string().contains("sieve.max_scripts"));
        let mut config = standard();
        config.sieve.max_script_bytes = 17 * 1024 * 1024;
        assert!(check(&config).unwrap_err().to_string().contains("sieve.max_script_bytes"));
        let mut config = standard();
        config.sieve.max_redirects = 65;
        assert!(check(&config).unwrap_err().to_string().contains("sieve.max_redirects"));
    }

    #[test]
    fn zero_limits_are_refused() {
        let mut config = standard();
        config.limits.idle_timeout_secs = 0;
        assert!(check(&config).unwrap_err().to_string().contains("limits.idle_timeout_secs"));
    }
}
