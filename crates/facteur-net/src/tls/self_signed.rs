//! A self-signed certificate so a fresh install speaks TLS from its first
//! start; operators replace it with a CA-issued one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

use super::TlsError;

/// Generates an ECDSA P-256 key and a certificate for `hostname` (as subject
/// CN and DNS SAN; for `localhost` also the loopback addresses, so tests and
/// local clients connecting by IP verify too), and writes both as PEM.
///
/// The key file is created with mode 0600 from the start (never world-readable,
/// not even briefly); both files are written to a temporary name, fsynced and
/// renamed, so a crash leaves either the old file or the complete new one.
pub fn generate_self_signed(hostname: &str, cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let generate_error =
        |error: rcgen::Error| TlsError::Generate { hostname: hostname.to_owned(), reason: error.to_string() };
    let key_pair = KeyPair::generate().map_err(generate_error)?;
    let mut params = CertificateParams::new(subject_alt_names(hostname)).map_err(generate_error)?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, hostname);
    params.distinguished_name = subject;
    let certificate = params.self_signed(&key_pair).map_err(generate_error)?;

    // Key first: a certificate without its key would be useless.
    write_durably(key_path, key_pair.serialize_pem().as_bytes(), 0o600)?;
    write_durably(cert_path, certificate.pem().as_bytes(), 0o644)?;
    Ok(())
}

fn subject_alt_names(hostname: &str) -> Vec<String> {
    let mut names = vec![hostname.to_owned()];
    if hostname.eq_ignore_ascii_case("localhost") {
        names.extend(["127.0.0.1".to_owned(), "::1".to_owned()]);
    }
    names
}

/// Writes `contents` to `path` with `mode`: a temporary file, fsynced, then renamed over the target (and the
/// directory fsynced), so a crash leaves either the old file or the complete new one.
pub fn write_durably(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    let write_error = |source| TlsError::Write { path: path.to_owned(), source };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(directory).map_err(write_error)?;
    let mut temporary_name = path.file_name().unwrap_or_default().to_owned();
    temporary_name.push(".tmp");
    let temporary = directory.join(temporary_name);
    // A leftover from an interrupted run may have other permissions: start afresh.
    match fs::remove_file(&temporary) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(write_error(error)),
        _ => {}
    }
    let mut file = create_with_mode(&temporary, mode).map_err(write_error)?;
    file.write_all(contents).and_then(|()| file.sync_all()).map_err(write_error)?;
    fs::rename(&temporary, path).map_err(write_error)?;
    File::open(directory).and_then(|dir| dir.sync_all()).map_err(write_error)
}

#[cfg(unix)]
fn create_with_mode(path: &Path, mode: u32) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create_new(true).mode(mode).open(path)
}

#[cfg(not(unix))]
fn create_with_mode(path: &Path, _mode: u32) -> std::io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}
