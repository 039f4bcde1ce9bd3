//! Key encodings: PEM files on disk (RFC 7468) and the public key as DKIM publishes it (RFC 6376 §3.6.1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// PEM label of a PKCS#1 RSA private key (what `openssl genrsa -traditional` writes).
pub(crate) const RSA_PKCS1_LABEL: &str = "RSA PRIVATE KEY";
/// PEM label of a PKCS#8 private key (any algorithm; what we write for Ed25519).
pub(crate) const PKCS8_LABEL: &str = "PRIVATE KEY";

/// Encodes DER as PEM text with 64-column lines (RFC 7468 §2).
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// Finds the first PEM block in `text` and returns its label and DER bytes.
pub(crate) fn pem_decode(text: &str) -> Result<(String, Vec<u8>), String> {
    let mut lines = text.lines().map(str::trim);
    let label = lines
        .by_ref()
        .find_map(|line| line.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
        .ok_or("no PEM BEGIN line")?
        .to_string();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines.by_ref() {
        if line == end {
            let der = STANDARD.decode(body.as_bytes()).map_err(|err| format!("bad base64: {err}"))?;
            return Ok((label, der));
        }
        body.push_str(line);
    }
    Err(format!("no {end} line"))
}

/// Wraps a PKCS#1 `RSAPublicKey` in a `SubjectPublicKeyInfo`: the form `openssl rsa -pubout` gives and
/// every DKIM verifier accepts in `p=` (some accept only this one).
pub(crate) fn rsa_subject_public_key_info(pkcs1: &[u8]) -> Vec<u8> {
    // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
    const RSA_ALGORITHM: [u8; 15] =
        [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
    let mut bit_string = vec![0x00]; // no unused bits
    bit_string.extend_from_slice(pkcs1);
    let mut content = RSA_ALGORITHM.to_vec();
    content.extend(der_element(0x03, &bit_string));
    der_element(0x30, &content)
}

/// One DER element: tag, definite length, content.
fn der_element(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut element = vec![tag];
    let length = content.len();
    if length < 0x80 {
        element.push(length as u8);
    } else {
        let bytes = length.to_be_bytes();
        let significant = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        element.push(0x80 | (bytes.len() - significant) as u8);
        element.extend_from_slice(&bytes[significant..]);
    }
    element.extend_from_slice(content);
    element
}

/// Base64 without line breaks, as DKIM's `p=` wants it.
pub(crate) fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = pem_encode(PKCS8_LABEL, &der);
        assert!(pem.lines().all(|line| line.len() <= 64 || line.starts_with("-----")));
        assert_eq!(pem_decode(&pem), Ok((PKCS8_LABEL.to_string(), der)));
    }

    #[test]
    fn pem_without_end_line_is_an_error() {
        assert!(pem_decode("-----BEGIN PRIVATE KEY-----\nAAAA\n").is_err());
        assert!(pem_decode("hello").is_err());
    }

    #[test]
    fn der_lengths_use_the_long_form_past_127_bytes() {
        assert_eq!(der_element(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der_element(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }
}
