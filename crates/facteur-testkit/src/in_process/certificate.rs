use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::TempDir;

use crate::tls::client_config_trusting;

/// The name the certificate is issued for, and the one clients ask for.
pub const CERTIFICATE_HOST: &str = "localhost";

/// A self-signed certificate for [`CERTIFICATE_HOST`] and its key, made by `facteur_net::generate_self_signed`
/// (as `facteur init` makes one) into `tls/cert.pem` and `tls/key.pem` of a temporary directory.
pub struct LocalhostCertificate {
    pub cert: PathBuf,
    pub key: PathBuf,
    directory: TempDir,
}

impl LocalhostCertificate {
    /// Also installs ring as the process's default crypto provider, for the libraries that ask rustls for it.
    pub fn generate() -> LocalhostCertificate {
        facteur_net::install_crypto_provider();
        let directory = tempfile::Builder::new().prefix("facteur-certificate-").tempdir().expect("temporary dir");
        let cert = directory.path().join("tls/cert.pem");
        let key = directory.path().join("tls/key.pem");
        facteur_net::generate_self_signed(CERTIFICATE_HOST, &cert, &key).expect("generate a certificate");
        LocalhostCertificate { cert, key, directory }
    }

    /// The temporary directory holding `tls/`, for a test that writes files of its own next to them.
    pub fn directory(&self) -> &Path {
        self.directory.path()
    }

    /// The server side, loaded as the binary loads it.
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        facteur_net::server_config(&self.cert, &self.key).expect("load the test certificate")
    }

    /// A client that trusts this certificate and nothing else.
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        client_config_trusting(&self.cert)
    }
}
