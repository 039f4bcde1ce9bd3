//! The certificates every TLS listener serves: the `[tls]` pair, the `[[tls.sni]]` pairs, and, with `[acme]`
//! on, the certificate obtained from the CA for the names the DNS records point here. SIGHUP reads every
//! file again.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use facteur_acme::{Acme, AcmeFiles, AcmeSettings, ChallengeKind, HttpTokens};
use facteur_config::{AcmeChallenge, Config};
use facteur_net::{CertificateFiles, Certificates, ShutdownSignal};
use facteur_store::Store;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::acme_peers::AcmePeers;
use crate::data_dir::DataDir;
use crate::shared_files::SharedFiles;

/// How often the names are looked at again: a `facteur domain add` reaches the certificate within this.
const NAMES_RECHECK: Duration = Duration::from_secs(60);

/// The certificates of the configuration, read now.
pub fn load(config: &Config, data_dir: &DataDir) -> Result<Arc<Certificates>, facteur_net::TlsError> {
    let pair = |certificate: &std::path::Path, key: &std::path::Path| {
        CertificateFiles::new(&data_dir.resolve(certificate), &data_dir.resolve(key))
    };
    let extra = config.tls.sni.iter().map(|sni| pair(&sni.certificate, &sni.private_key)).collect();
    Certificates::with_extra(pair(&config.tls.certificate, &config.tls.private_key), extra)
}

/// Where ACME keeps its account, key and certificate.
pub fn acme_files(data_dir: &DataDir) -> AcmeFiles {
    AcmeFiles::new(&data_dir.resolve(std::path::Path::new("acme")))
}

/// The certificate clients see first: the issued one once ACME has stored it, else the `[tls]` one.
pub fn served_certificate(config: &Config, data_dir: &DataDir) -> std::path::PathBuf {
    let issued = acme_files(data_dir).certificate_files().certificate;
    if config.acme.enabled && issued.exists() { issued } else { data_dir.resolve(&config.tls.certificate) }
}

/// With `[acme]` on: serves the stored certificate at once, and starts the renewal loop. Returns the http-01
/// answers for the plain http listeners.
pub fn start_acme(
    config: &Config,
    data_dir: &DataDir,
    certificates: &Arc<Certificates>,
    store: Arc<dyn Store>,
    shared_files: Option<Arc<SharedFiles>>,
    stopping: &ShutdownSignal,
) -> Option<HttpTokens> {
    if !config.acme.enabled {
        return None;
    }
    let acme = &config.acme;
    let settings = AcmeSettings {
        directory: acme.directory.clone(),
        contact: acme.contact.clone(),
        challenge: match acme.challenge {
            AcmeChallenge::TlsAlpn01 => ChallengeKind::TlsAlpn01,
            AcmeChallenge::Http01 => ChallengeKind::Http01,
        },
        directory_ca_file: (!acme.directory_ca_file.is_empty())
            .then(|| data_dir.resolve(std::path::Path::new(&acme.directory_ca_file))),
    };
    let mut manager = Acme::new(settings, acme_files(data_dir), Arc::clone(certificates));
    // Nodes on one database share one certificate (their `acme/` is mirrored by `shared_files`).
    if let Some(peers) = shared_files.and_then(|files| AcmePeers::new(&store, files)) {
        manager = manager.with_peers(Arc::new(peers));
    }
    match manager.serve_stored() {
        Ok(Some(stored)) => info!(names = %stored.names.join(", "), "ACME: serving the stored certificate"),
        Ok(None) => info!("ACME: no certificate yet; serving the [tls] one until the CA issues one"),
        Err(error) => warn!(%error, "ACME: the stored certificate cannot be served; serving the [tls] one"),
    }
    let tokens = manager.tokens();
    let (names, wanted) = watch::channel(Vec::new());
    tokio::spawn(follow_names(config.clone(), store, names, stopping.clone()));
    tokio::spawn(manager.run(wanted, stopping.clone()));
    Some(tokens)
}

/// Keeps the wanted names current: `[acme] names`, or the host name and each domain's service names. A SIGHUP
/// looks again at once and wakes the renewal loop even if nothing changed, so an operator who fixed DNS need
/// not wait for the next retry.
async fn follow_names(
    config: Config,
    store: Arc<dyn Store>,
    names: watch::Sender<Vec<String>>,
    mut stopping: ShutdownSignal,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup()).ok();
    let mut nudged = false;
    loop {
        match wanted_names(&config, store.as_ref()).await {
            Ok(wanted) if nudged => names.send_modify(|current| *current = wanted),
            Ok(wanted) => {
                names.send_if_modified(|current| {
                    let changed = *current != wanted;
                    *current = wanted;
                    changed
                });
            }
            Err(error) => warn!(error = %format!("{error:#}"), "ACME: cannot list the domains; names unchanged"),
        }
        nudged = false;
        tokio::select! {
            () = stopping.triggered() => return,
            () = tokio::time::sleep(NAMES_RECHECK) => {}
            Some(()) = async { hangups.as_mut()?.recv().await } => nudged = true,
        }
    }
}

async fn wanted_names(config: &Config, store: &dyn Store) -> anyhow::Result<Vec<String>> {
    if !config.acme.names.is_empty() {
        return Ok(config.acme.names.iter().map(|name| name.to_ascii_lowercase()).collect());
    }
    let domains = store.list_domains().await.context("listing the domains")?;
    Ok(facteur_mailauth::served_names(&config.server.hostname, &domains))
}
