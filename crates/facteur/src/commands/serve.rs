//! `facteur serve`: every listener of the configuration, in the foreground, until SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::cli::ServeArgs;
use crate::data_dir::{Contents, DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};
use crate::handlers::Engines;
use crate::shared_files::SharedFiles;
use crate::{certificates, http, logging, quickstart, srs_secret};

/// What the test kit and operators' scripts wait for: every listener is bound.
const READY_MARK: &str = "facteur is ready";

pub async fn run(data_dir: &DataDir, args: &ServeArgs) -> Outcome {
    let quickstart = match data_dir.contents()? {
        Contents::Nothing => Some(quickstart::create(data_dir, args.port_base.unwrap_or(quickstart::PORT_BASE)).await?),
        Contents::Initialised | Contents::Foreign => None,
    };
    let config = data_dir.load_config()?;
    logging::init(&config.log.level, config.log.format == facteur_config::LogFormat::Json)?;
    // Before anything is announced: a SIGTERM sent as soon as READY_MARK shows must stop us cleanly, not
    // find the default action (immediate death) still in place.
    let stop_signals = StopSignals::install().context("cannot listen for signals")?;
    facteur_net::tls::install_crypto_provider();
    crate::warnings::at_start(&config, data_dir);
    let certificates = certificates::load(&config, data_dir).map_err(|error| usage!("config: [tls]: {error}"))?;
    let tls =
        facteur_net::server_config_with(Arc::clone(&certificates)).map_err(|error| usage!("config: [tls]: {error}"))?;
    let https = facteur_net::https_server_config(Arc::clone(&certificates))
        .map_err(|error| usage!("config: [tls]: {error}"))?;
    // SIGHUP reads the certificate files again: a renewed certificate is served from the next handshake on.
    tokio::spawn(reload_certificates_on_hangup(Arc::clone(&certificates)));
    let store = data_dir.open_store(&config).await?;

    let limits = facteur_net::Limits {
        max_connections: config.limits.max_connections,
        max_connections_per_ip: config.limits.max_connections_per_ip,
        idle_timeout: Duration::from_secs(config.limits.idle_timeout_secs),
        handshake_timeout: Duration::from_secs(config.limits.tls_handshake_timeout_secs),
    };
    let connections = facteur_net::ConnectionLimiter::new(&limits);
    let (stop, stopping) = facteur_net::shutdown_channel();
    // Made before the nodes' shared files are taken, read after: every node signs SRS with the first one's.
    srs_secret::ensure(data_dir.root())?;
    let shared_files = follow_shared_files(&store, data_dir, &stopping).await?;
    let srs = facteur_delivery::Srs::new(&srs_secret::read(data_dir.root())?);
    let engines = Engines::new(&config, Arc::clone(&store), &data_dir.dkim_dir(), Some(srs), connections.bans())
        .map_err(|error| Failure::Runtime(error.into()))?;
    // Before any delivery: out-of-office settings from before they were Sieve become Sieve. A failure is
    // logged and the server starts; the settings stay where they were for the next start.
    if let Err(error) = facteur_filters::adopt_legacy_out_of_office(store.as_ref(), engines.sieve_quota()).await {
        tracing::error!(%error, "out-of-office settings not moved into Sieve scripts");
    }
    let mut listeners = JoinSet::new();
    http::serve_metrics(&config, stopping.clone(), &mut listeners).await.map_err(Failure::Runtime)?;
    // After the metrics recorder (ACME counts its failures), before the listeners: they start with the stored
    // ACME certificate, if there is one. The CA is never waited for.
    let acme_tokens =
        certificates::start_acme(&config, data_dir, &certificates, Arc::clone(&store), shared_files, &stopping);
    let web = http::router(&config, Arc::clone(&store)).map_err(|error| usage!("config: [http]: {error:#}"))?;
    // JMAP and the webmail only where passwords travel encrypted: the implicit-TLS http listeners.
    let admin = http::admin_settings(data_dir, &config, Arc::clone(&store));
    let secure_web = http::secure_router(web.clone(), engines.jmap(), admin);
    let web = http::plain_router(web, &config, acme_tokens);
    for (name, listener) in &config.listeners {
        let Some(handler) = engines.handler(listener.protocol) else {
            let tls = (listener.tls == facteur_config::TlsMode::Implicit)
                .then(|| facteur_net::TlsAcceptor::from(Arc::clone(&https)));
            let router = if tls.is_some() { &secure_web } else { &web };
            for address in &listener.bind {
                let (router, connections, stopping) = (router.clone(), connections.clone(), stopping.clone());
                http::serve_listener(name, *address, router, tls.clone(), connections, stopping, &mut listeners)
                    .await
                    .map_err(|error| cannot_listen(name, *address, error, quickstart.is_some()))?;
            }
            continue;
        };
        let mode = match listener.tls {
            facteur_config::TlsMode::Starttls | facteur_config::TlsMode::None => facteur_net::TlsMode::Plain,
            facteur_config::TlsMode::Implicit => facteur_net::TlsMode::Implicit,
        };
        for address in &listener.bind {
            let bound = facteur_net::Listener::bind(name, *address, mode, Arc::clone(&tls), connections.clone())
                .await
                .map_err(|facteur_net::ListenerError::Bind { source, .. }| {
                    cannot_listen(name, *address, source, quickstart.is_some())
                })?;
            // Logged here, before READY_MARK, so whoever waits for the mark knows every address.
            info!(listener = %name, address = %bound.local_addr(), "listening");
            listeners.spawn(bound.serve(Arc::clone(&handler), stopping.clone()));
        }
    }
    let outbound = engines.outbound().map_err(|error| usage!("{error}"))?;
    let delivering = tokio::spawn(outbound.run(stopping.clone()));
    tokio::spawn(crate::text_indexer::run(Arc::clone(&store), stopping.clone()));
    info!("{READY_MARK}");
    if let Some(quickstart) = &quickstart {
        quickstart.print(data_dir, &config);
    }

    stop_signals.wait().await;
    info!("stopping: no new connections; running sessions finish their current command");
    stop.trigger();
    let grace = Duration::from_secs(config.limits.shutdown_grace_secs);
    if tokio::time::timeout(grace + Duration::from_secs(1), drain(&mut listeners)).await.is_err() {
        warn!("sessions still running after {grace:?}: closing them");
        listeners.abort_all();
    }
    if delivering.await.is_err() {
        warn!("outbound delivery ended abnormally");
    }
    store.close().await.map_err(store_failure)?;
    info!("stopped");
    Ok(())
}

/// With nodes sharing a database: this node's DKIM keys, ACME files and SRS secret made the database's before anything
/// signs or serves, then kept in step with it. `None` for a node alone.
async fn follow_shared_files(
    store: &Arc<dyn facteur_store::Store>,
    data_dir: &DataDir,
    stopping: &facteur_net::ShutdownSignal,
) -> Outcome<Option<Arc<SharedFiles>>> {
    let Some(files) = SharedFiles::new(store, data_dir.root()) else { return Ok(None) };
    files.sync_at_start().await.context("cannot take the files the nodes share (DKIM keys, ACME certificate)")?;
    let files = Arc::new(files);
    tokio::spawn(Arc::clone(&files).follow(stopping.clone()));
    Ok(Some(files))
}

/// Why a listener could not start, and what to do about a port another program holds.
fn cannot_listen(name: &str, address: std::net::SocketAddr, error: std::io::Error, quickstart: bool) -> Failure {
    let what = format!("listener {name}: cannot listen on {address}");
    if error.kind() != std::io::ErrorKind::AddrInUse {
        return Failure::Runtime(anyhow::Error::new(error).context(what));
    }
    let port = address.port();
    let remedy = match quickstart {
        true => "start the quickstart on other ports with `facteur serve --port-base N` on a new data directory, \
                 or stop the other program"
            .to_owned(),
        false => format!("stop the other program, or change listener.{name}.bind in facteur.toml"),
    };
    Failure::Runtime(anyhow::anyhow!("{what}: port {port} is already taken by another program; {remedy}"))
}

/// Each SIGHUP, the certificate and key are read again; a pair that cannot be used leaves the current one
/// in service, and says why.
async fn reload_certificates_on_hangup(certificates: Arc<facteur_net::Certificates>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        warn!("cannot listen for SIGHUP: certificates are reloaded only by a restart");
        return;
    };
    while hangups.recv().await.is_some() {
        match certificates.reload() {
            Ok(()) => info!("SIGHUP: certificate reloaded; new connections get it"),
            Err(error) => warn!(%error, "SIGHUP: certificate not reloaded; still serving the previous one"),
        }
    }
}

async fn drain(listeners: &mut JoinSet<()>) {
    while listeners.join_next().await.is_some() {}
}

/// SIGTERM and SIGINT, caught from start-up on.
struct StopSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<StopSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals { terminate: signal(SignalKind::terminate())?, interrupt: signal(SignalKind::interrupt())? })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => info!("SIGTERM received"),
            _ = self.interrupt.recv() => info!("SIGINT received"),
        }
    }
}
