//! DANE for SMTP (RFC 7672, with RFC 7671): TLSA records at `_25._tcp.MX`, when DNSSEC vouches for them, say
//! which certificate the MX host must show, and take precedence over MTA-STS (RFC 8461 §2).
//!
//! We do not validate DNSSEC signatures ourselves: like Postfix with `smtp_dns_support_level = dnssec`, we ask
//! the configured resolver (`[dns] nameservers`, else the system's) with the DO and AD bits set and trust the
//! AD bit of its answer (RFC 6840 §5.7). That resolver must therefore validate and be reached over a trusted
//! path (a local one). The resolver library does not let us set those bits or read the answer's header, so the
//! query is sent here over UDP (TCP when truncated); the records are read by hickory's parser.
//!
//! - An authenticated answer with usable records: the certificate must match one (DANE-EE 3 x x: the end
//!   entity's certificate or key, no name or date check; DANE-TA 2 x x: a certificate of the chain, from which
//!   the end entity must verify for the MX name). Nothing matches: defer, never fall back to plain text.
//! - Authenticated records none of which is usable (PKIX-TA/PKIX-EE, unknown values; RFC 7672 §3.1.3): TLS is
//!   required but not authenticated (RFC 7672 §2.2).
//! - No records, or an answer without the AD bit: no DANE, opportunistic TLS.
//! - A failed lookup (SERVFAIL, which a validating resolver answers for bogus data; a timeout): defer, when
//!   the MX host's address is itself DNSSEC-secure (else DANE cannot apply, RFC 7672 §2.2.2).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::proto::op::{Edns, Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::tls::TlsFailure;

/// The EDNS payload size of our queries (the DNS flag day 2020 value, which avoids fragmentation).
const EDNS_PAYLOAD: u16 = 1232;

/// One TLSA record (RFC 6698 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlsa {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: Vec<u8>,
}

/// RFC 7672 §3.1: DANE-TA(2) and DANE-EE(3) are the usages for SMTP.
const DANE_TA: u8 = 2;
const DANE_EE: u8 = 3;

impl Tlsa {
    /// RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are not used for SMTP, and unknown selectors or matching
    /// types cannot be matched; such records are ignored.
    pub fn is_usable(&self) -> bool {
        matches!(self.usage, DANE_TA | DANE_EE) && self.selector <= 1 && self.matching <= 2
    }

    /// Whether `certificate` (DER) is the one this record describes.
    pub fn matches(&self, certificate: &[u8]) -> bool {
        let selected = match self.selector {
            0 => certificate.to_vec(),
            1 => match webpki::EndEntityCert::try_from(&CertificateDer::from(certificate)) {
                Ok(parsed) => parsed.subject_public_key_info().as_ref().to_vec(),
                Err(_) => return false,
            },
            _ => return false,
        };
        let digest = match self.matching {
            0 => selected,
            1 => ring::digest::digest(&ring::digest::SHA256, &selected).as_ref().to_vec(),
            2 => ring::digest::digest(&ring::digest::SHA512, &selected).as_ref().to_vec(),
            _ => return false,
        };
        // Public data on both sides: no need for a constant-time comparison.
        digest == self.data
    }
}

/// What DNS says about the TLSA records of an MX host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsaAnswer {
    /// Authenticated records, the usable ones only (possibly none: TLS then required, not authenticated).
    Secure(Vec<Tlsa>),
    /// No records, or not authenticated: DANE does not apply.
    Insecure,
    /// The lookup failed: the delivery must wait (RFC 7672 §2.2).
    Failed(String),
}

/// Reads a DNS answer to a TLSA query; see the module documentation for the rules.
pub fn read_tlsa_answer(response: &Message) -> TlsaAnswer {
    match response.metadata.response_code {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return TlsaAnswer::Insecure,
        code => return TlsaAnswer::Failed(format!("the resolver answered {code}")),
    }
    let records: Vec<Tlsa> = response
        .answers
        .iter()
        .filter_map(|record| match &record.data {
            RData::TLSA(tlsa) => Some(Tlsa {
                usage: tlsa.cert_usage.into(),
                selector: tlsa.selector.into(),
                matching: tlsa.matching.into(),
                data: tlsa.cert_data.clone(),
            }),
            _ => None,
        })
        .collect();
    if records.is_empty() || !response.metadata.authentic_data {
        return TlsaAnswer::Insecure;
    }
    TlsaAnswer::Secure(records.into_iter().filter(Tlsa::is_usable).collect())
}

/// Whether the certificate chain satisfies `records`; on failure, the RFC 8460 result type and the error for
/// rustls. RFC 7672 §3.2.2: a DANE-TA chain must verify for the MX host's name.
pub fn dane_verdict(
    records: &[Tlsa],
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    now: UnixTime,
    provider: &Arc<CryptoProvider>,
) -> Result<(), (TlsFailure, rustls::Error)> {
    if records.is_empty() {
        // Usable records none: RFC 7672 §2.2, encrypted but not authenticated.
        return Ok(());
    }
    if records.iter().any(|record| record.usage == DANE_EE && record.matches(end_entity)) {
        return Ok(());
    }
    let mut failure = TlsFailure::ValidationFailure;
    for record in records.iter().filter(|record| record.usage == DANE_TA) {
        for anchor in intermediates.iter().filter(|certificate| record.matches(certificate)) {
            match verify_from_anchor(anchor, end_entity, intermediates, server_name, now, provider) {
                Ok(()) => return Ok(()),
                Err(error) => failure = TlsFailure::of_webpki(&error),
            }
        }
    }
    let error = rustls::Error::General(format!("no TLSA record matches the certificate ({failure})"));
    Err((failure, error))
}

fn verify_from_anchor(
    anchor: &CertificateDer<'_>,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    now: UnixTime,
    provider: &Arc<CryptoProvider>,
) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(anchor.clone().into_owned())?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
        .build()
        .map_err(|error| rustls::Error::General(error.to_string()))?;
    verifier.verify_server_cert(end_entity, intermediates, server_name, &[], now).map(drop)
}

/// Sends TLSA queries to the resolvers and reads the AD bit of their answers.
#[derive(Debug, Clone)]
pub struct TlsaLookup {
    nameservers: Vec<SocketAddr>,
    timeout: Duration,
}

impl TlsaLookup {
    /// `nameservers` as in `[dns]`; empty: the system's (`/etc/resolv.conf`), or none if unreadable.
    pub fn new(nameservers: &[SocketAddr], timeout: Duration) -> TlsaLookup {
        let nameservers = if nameservers.is_empty() { system_nameservers() } else { nameservers.to_vec() };
        TlsaLookup { nameservers, timeout }
    }

    /// The TLSA records of `host` for SMTP on `port` (`_25._tcp.host`, RFC 7672 §2.2.3). A failed lookup
    /// counts only when the host's own address is DNSSEC-secure (RFC 7672 §2.2.2: an insecure MX host has no
    /// DANE): many unsigned zones' servers answer TLSA queries with SERVFAIL, and their mail must not wait.
    pub async fn lookup(&self, host: &str, port: u16) -> TlsaAnswer {
        let host = host.trim_end_matches('.');
        let Ok(name) = Name::from_ascii(format!("_{port}._tcp.{host}.")) else {
            return TlsaAnswer::Insecure;
        };
        let mut answer = TlsaAnswer::Failed("no resolver configured".into());
        for server in &self.nameservers {
            match self.ask(*server, &name, RecordType::TLSA).await {
                Ok(response) => match read_tlsa_answer(&response) {
                    TlsaAnswer::Failed(reason) => answer = TlsaAnswer::Failed(format!("{server}: {reason}")),
                    found => return found,
                },
                Err(reason) => answer = TlsaAnswer::Failed(reason),
            }
        }
        if self.address_is_secure(host).await { answer } else { TlsaAnswer::Insecure }
    }

    /// Whether the A records of `host` come with the AD bit.
    async fn address_is_secure(&self, host: &str) -> bool {
        let Ok(name) = Name::from_ascii(format!("{host}.")) else { return false };
        for server in &self.nameservers {
            if let Ok(response) = self.ask(*server, &name, RecordType::A).await {
                return response.metadata.response_code == ResponseCode::NoError && response.metadata.authentic_data;
            }
        }
        false
    }

    async fn ask(&self, server: SocketAddr, name: &Name, record_type: RecordType) -> Result<Message, String> {
        match tokio::time::timeout(self.timeout, query(server, name, record_type)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(format!("{server}: {error}")),
            Err(_) => Err(format!("{server}: no answer within {:?}", self.timeout)),
        }
    }
}

fn system_nameservers() -> Vec<SocketAddr> {
    match hickory_resolver::system_conf::read_system_conf() {
        Ok((config, _)) => config.name_servers().iter().map(|server| SocketAddr::new(server.ip, 53)).collect(),
        Err(_) => Vec::new(),
    }
}

/// One query with RD, AD and DO set, over UDP, again over TCP if the answer was truncated.
async fn query(server: SocketAddr, name: &Name, record_type: RecordType) -> std::io::Result<Message> {
    let mut request = Message::query();
    request.metadata.recursion_desired = true;
    request.metadata.authentic_data = true;
    request.add_query(Query::query(name.clone(), record_type));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD).set_dnssec_ok(true);
    request.set_edns(edns);
    let bytes = request.to_vec().map_err(std::io::Error::other)?;
    let id = request.metadata.id;
    let response = query_udp(server, &bytes, id).await?;
    if !response.metadata.truncation {
        return Ok(response);
    }
    query_tcp(server, &bytes, id).await
}

async fn query_udp(server: SocketAddr, request: &[u8], id: u16) -> std::io::Result<Message> {
    let local: IpAddr = if server.is_ipv4() { Ipv4Addr::UNSPECIFIED.into() } else { Ipv6Addr::UNSPECIFIED.into() };
    let socket = UdpSocket::bind(SocketAddr::new(local, 0)).await?;
    socket.connect(server).await?;
    socket.send(request).await?;
    let mut buffer = vec![0; usize::from(EDNS_PAYLOAD).max(4096)];
    loop {
        let read = socket.recv(&mut buffer).await?;
        // Anything but the answer to our question (a late answer to another, a spoofing attempt) is skipped.
        if let Ok(response) = Message::from_vec(&buffer[..read])
            && response.metadata.id == id
        {
            return Ok(response);
        }
    }
}

async fn query_tcp(server: SocketAddr, request: &[u8], id: u16) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(server).await?;
    let length = u16::try_from(request.len()).map_err(std::io::Error::other)?;
    stream.write_all(&length.to_be_bytes()).await?;
    stream.write_all(request).await?;
    let length = stream.read_u16().await?;
    let mut buffer = vec![0; usize::from(length)];
    stream.read_exact(&mut buffer).await?;
    let response = Message::from_vec(&buffer).map_err(std::io::Error::other)?;
    if response.metadata.id != id {
        return Err(std::io::Error::other("the answer is not to our question"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate() -> (Vec<u8>, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["mx.example.test".to_owned()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        (cert.der().to_vec(), rcgen::PublicKeyData::subject_public_key_info(&key))
    }

    fn sha256(data: &[u8]) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, data).as_ref().to_vec()
    }

    #[test]
    fn dane_ee_matches_the_certificate_or_its_key_by_any_matching_type() {
        let (cert, spki) = certificate();
        assert!(Tlsa { usage: 3, selector: 1, matching: 1, data: sha256(&spki) }.matches(&cert));
        assert!(Tlsa { usage: 3, selector: 0, matching: 1, data: sha256(&cert) }.matches(&cert));
        assert!(Tlsa { usage: 3, selector: 0, matching: 0, data: cert.clone() }.matches(&cert));
        let sha512 = ring::digest::digest(&ring::digest::SHA512, &spki).as_ref().to_vec();
        assert!(Tlsa { usage: 3, selector: 1, matching: 2, data: sha512 }.matches(&cert));
        assert!(!Tlsa { usage: 3, selector: 1, matching: 1, data: sha256(b"another key") }.matches(&cert));
    }

    #[test]
    fn pkix_usages_and_unknown_values_are_not_usable() {
        let record = |usage, selector, matching| Tlsa { usage, selector, matching, data: vec![] };
        assert!(record(3, 1, 1).is_usable() && record(2, 0, 2).is_usable());
        assert!(!record(0, 1, 1).is_usable() && !record(1, 1, 1).is_usable(), "RFC 7672 §3.1.3");
        assert!(!record(3, 2, 1).is_usable() && !record(3, 1, 3).is_usable() && !record(4, 1, 1).is_usable());
    }

    fn answer(code: ResponseCode, authentic: bool, usage: u8) -> Message {
        use hickory_resolver::proto::rr::Record;
        use hickory_resolver::proto::rr::rdata::TLSA;
        let mut message = Message::response(1, hickory_resolver::proto::op::OpCode::Query);
        message.metadata.response_code = code;
        message.metadata.authentic_data = authentic;
        let name = Name::from_ascii("_25._tcp.mx.example.test.").unwrap();
        let tlsa = TLSA::new(usage.into(), 1.into(), 1.into(), vec![1, 2, 3]);
        message.add_answer(Record::from_rdata(name, 60, RData::TLSA(tlsa)));
        message
    }

    #[test]
    fn only_authenticated_answers_count_and_failures_are_failures() {
        let usable = Tlsa { usage: 3, selector: 1, matching: 1, data: vec![1, 2, 3] };
        assert_eq!(read_tlsa_answer(&answer(ResponseCode::NoError, true, 3)), TlsaAnswer::Secure(vec![usable]));
        assert_eq!(read_tlsa_answer(&answer(ResponseCode::NoError, false, 3)), TlsaAnswer::Insecure);
        assert_eq!(read_tlsa_answer(&answer(ResponseCode::NoError, true, 1)), TlsaAnswer::Secure(vec![]));
        assert_eq!(read_tlsa_answer(&answer(ResponseCode::NXDomain, true, 3)), TlsaAnswer::Insecure);
        assert!(matches!(read_tlsa_answer(&answer(ResponseCode::ServFail, false, 3)), TlsaAnswer::Failed(_)));
    }
}
