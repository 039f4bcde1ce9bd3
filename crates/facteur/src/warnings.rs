//! What an operator should hear about at start: settings that work but expose them, each said once, with
//! the fix.

use std::path::Path;

use facteur_config::Config;
use tracing::warn;

use crate::data_dir::DataDir;

/// Logs a warning for each risky setting found.
pub fn at_start(config: &Config, data_dir: &DataDir) {
    private_keys_readable_by_others(config, data_dir);
    if config.auth.allow_plaintext {
        warn!(
            "[auth] allow_plaintext = true: passwords are accepted before TLS, readable by anyone on the path; \
             set it to false unless every client is on this machine"
        );
    }
    self_signed_certificate(config, data_dir);
    tls_alpn_across_nodes(config);
}

/// tls-alpn-01 is answered only by the node that orders (the CA's handshake must meet its challenge
/// certificate), so with several nodes behind the names the CA may reach another one and fail.
fn tls_alpn_across_nodes(config: &Config) {
    use facteur_config::{AcmeChallenge, StoreBackend};
    if config.acme.enabled
        && config.acme.challenge == AcmeChallenge::TlsAlpn01
        && config.store.backend == StoreBackend::Postgres
    {
        warn!(
            "[acme] challenge = \"tls-alpn-01\" with a shared database: only the node that orders can answer it, \
             so a CA reaching another node of the same names fails; set challenge = \"http-01\", which every \
             node answers"
        );
    }
}

/// Each private key the listeners use must be readable by its owner only.
fn private_keys_readable_by_others(config: &Config, data_dir: &DataDir) {
    use std::os::unix::fs::PermissionsExt;
    let keys = std::iter::once(&config.tls.private_key).chain(config.tls.sni.iter().map(|pair| &pair.private_key));
    for key in keys {
        let path = data_dir.resolve(key);
        let Ok(metadata) = std::fs::metadata(&path) else { continue };
        if metadata.permissions().mode() & 0o077 != 0 {
            warn!(
                key = %path.display(),
                "a private key is readable by other users of this machine: chmod 600 {}",
                path.display()
            );
        }
    }
}

/// A self-signed certificate makes every client warn, and teaches people to click through warnings. The
/// quickstart's (for `localhost`) is expected; with ACME on, the CA's replaces it.
fn self_signed_certificate(config: &Config, data_dir: &DataDir) {
    let hostname = &config.server.hostname;
    if config.acme.enabled || hostname.eq_ignore_ascii_case("localhost") {
        return;
    }
    let path = data_dir.resolve(&config.tls.certificate);
    if is_self_signed(&path) {
        warn!(
            certificate = %path.display(),
            "the certificate is self-signed: mail clients and browsers will warn about it; switch [acme] on, or \
             install a CA-issued certificate for {hostname} and send SIGHUP"
        );
    }
}

fn is_self_signed(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|pem| facteur_net::certificate_facts(&pem).ok())
        .is_some_and(|facts| facts.self_signed)
}
