//! The `http` listeners (client auto-configuration, MTA-STS policy) and the metrics address, served by
//! `facteur-http` with what the configuration says: the host name, the mail ports clients should use, the
//! MTA-STS policy.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_config::{Config, Protocol, TlsMode};
use facteur_http::{ClientPorts, Discovery, HttpServer, HttpTimeouts, MtaSts, MtaStsMode, Router};
use facteur_net::{ConnectionLimiter, ShutdownSignal, TlsAcceptor};
use facteur_store::Store;
use tokio::task::JoinSet;
use tracing::info;

use crate::admin_site::ServerDomains;
use crate::data_dir::DataDir;

/// What the discovery documents publish, from the configuration.
pub fn discovery(config: &Config) -> Discovery {
    let port = |protocol, tls| first_port(config, protocol, tls);
    let mode = match config.http.mta_sts_mode.as_str() {
        "enforce" => MtaStsMode::Enforce,
        "testing" => MtaStsMode::Testing,
        _ => MtaStsMode::None,
    };
    Discovery {
        hostname: config.server.hostname.clone(),
        ports: ClientPorts {
            imap_tls: port(Protocol::Imap, TlsMode::Implicit),
            imap_starttls: port(Protocol::Imap, TlsMode::Starttls),
            pop3_tls: port(Protocol::Pop3, TlsMode::Implicit),
            pop3_starttls: port(Protocol::Pop3, TlsMode::Starttls),
            submission_tls: port(Protocol::Submission, TlsMode::Implicit),
            submission_starttls: port(Protocol::Submission, TlsMode::Starttls),
        },
        https_port: port(Protocol::Http, TlsMode::Implicit).filter(|&port| port != 443),
        mta_sts: MtaSts {
            mode,
            mx: Vec::new(),
            max_age: Duration::from_secs(u64::from(config.http.mta_sts_max_age_days) * 86_400),
        },
    }
}

/// The port of the first listener speaking `protocol` with `tls`, as clients reach it.
fn first_port(config: &Config, protocol: Protocol, tls: TlsMode) -> Option<u16> {
    config
        .listeners
        .values()
        .filter(|listener| listener.protocol == protocol && listener.tls == tls)
        .flat_map(|listener| listener.bind.first())
        .map(SocketAddr::port)
        .next()
}

/// Binds `address` for the `http` listener `name` and serves the discovery documents on it until shutdown.
pub async fn serve_listener(
    name: &str,
    address: SocketAddr,
    router: Router,
    tls: Option<TlsAcceptor>,
    connections: ConnectionLimiter,
    stopping: ShutdownSignal,
    tasks: &mut JoinSet<()>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    info!(listener = %name, address = %listener.local_addr()?, "listening");
    let mut server = HttpServer::new(router).with_limiter(connections);
    if let Some(tls) = tls {
        // The webmail and JMAP clients keep an EventSource open: an hour, then the browser reconnects (and
        // gets the current state at once, so nothing is missed).
        let timeouts = HttpTimeouts { connection: Duration::from_secs(3600), ..HttpTimeouts::default() };
        server = server.with_tls(tls).with_timeouts(timeouts);
    }
    tasks.spawn(server.serve(listener, stopping));
    Ok(())
}

/// `/metrics` and `/healthz` on the `[http] metrics_bind` addresses, and the recorder every crate counts into.
pub async fn serve_metrics(config: &Config, stopping: ShutdownSignal, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let metrics = facteur_http::install_metrics()?;
    tasks.spawn(metrics.clone().run_upkeep_until(stopping.clone()));
    for address in &config.http.metrics_bind {
        let listener = tokio::net::TcpListener::bind(address).await?;
        info!(listener = "metrics", address = %listener.local_addr()?, "listening");
        let server = HttpServer::new(facteur_http::ops_router(metrics.clone()));
        tasks.spawn(server.serve(listener, stopping.clone()));
    }
    Ok(())
}

/// Where a person opens the webmail: the first implicit-TLS `http` listener, under the host name (the port
/// only when it is not 443). `None` when no such listener is configured.
pub fn webmail_url(config: &Config) -> Option<String> {
    let port = first_port(config, Protocol::Http, TlsMode::Implicit)?;
    let host = &config.server.hostname;
    Some(if port == 443 { format!("https://{host}/") } else { format!("https://{host}:{port}/") })
}

/// The router of the implicit-TLS `http` listeners: discovery, JMAP, the webmail and the admin page (none sets
/// a fallback, so they merge; each keeps its own limits and headers).
pub fn secure_router(discovery: Router, jmap: facteur_jmap::Jmap, admin: facteur_web::AdminSettings) -> Router {
    let admin = facteur_web::admin_router(jmap.clone(), admin);
    discovery.merge(jmap.router()).merge(facteur_web::router(jmap)).merge(admin)
}

/// What the admin page works with: the store, the domain set-up (DKIM keys, DNS check), the password rule.
pub fn admin_settings(data_dir: &DataDir, config: &Config, store: Arc<dyn Store>) -> facteur_web::AdminSettings {
    facteur_web::AdminSettings {
        domains: Arc::new(ServerDomains::new(data_dir, config, Arc::clone(&store))),
        store,
        min_password_length: config.auth.min_password_length,
    }
}

/// The router of the plain `http` listeners: discovery, ACME's http-01 answers when ACME is on, and `/`
/// sends a browser to the webmail over TLS (nothing with a password is served in clear).
pub fn plain_router(discovery: Router, config: &Config, acme: Option<facteur_acme::HttpTokens>) -> Router {
    let discovery = match acme {
        Some(tokens) => discovery.merge(facteur_acme::http01_router(tokens)),
        None => discovery,
    };
    match first_port(config, Protocol::Http, TlsMode::Implicit) {
        // Port 0 (a test's "any free port") names no port a browser could be sent to.
        Some(https_port) if https_port != 0 => facteur_http::with_https_redirect(discovery, https_port),
        _ => discovery,
    }
}

/// The router of every `http` listener.
pub fn router(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Router> {
    let discovery = discovery(config);
    discovery.validate()?;
    Ok(facteur_http::discovery_router(discovery, store))
}
