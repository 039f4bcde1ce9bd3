//! Socket addresses in the configuration (`bind`, `metrics_bind`, `nameservers`), read with errors an operator
//! understands: the standard parser says only "invalid socket address syntax", whether the port is 99999,
//! missing, or the address is a host name.

use std::net::SocketAddr;

use serde::{Deserialize, Deserializer};

/// `deserialize_with` for a list of `IP:PORT` strings (`[IPv6]:PORT` for IPv6).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<SocketAddr>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts.iter().map(|text| parse(text).map_err(serde::de::Error::custom)).collect()
}

/// One `IP:PORT`, or why not.
pub fn parse(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse() {
        return Ok(address);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("{text:?} has no port: write IP:PORT, e.g. \"0.0.0.0:25\" or \"[::]:25\""));
    };
    match port.parse::<u64>() {
        Ok(port) if port > u64::from(u16::MAX) => {
            return Err(format!("{text:?}: port {port} is out of range (0 to 65535)"));
        }
        Ok(_) => {}
        Err(_) => return Err(format!("{text:?}: the port {port:?} is not a number")),
    }
    if host.contains(':') && !host.starts_with('[') {
        return Err(format!("{text:?}: an IPv6 address goes in brackets, e.g. \"[::1]:{port}\""));
    }
    Err(format!("{text:?}: {host:?} is not an IP address (host names are not resolved here)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mistake_is_named() {
        assert_eq!(parse("127.0.0.1:25"), Ok("127.0.0.1:25".parse().unwrap()));
        assert_eq!(parse("[::1]:25"), Ok("[::1]:25".parse().unwrap()));
        assert!(parse("0.0.0.0:99999").unwrap_err().contains("port 99999 is out of range"));
        assert!(parse("0.0.0.0").unwrap_err().contains("has no port"));
        assert!(parse("0.0.0.0:smtp").unwrap_err().contains("is not a number"));
        assert!(parse("::1:25").unwrap_err().contains("in brackets"));
        assert!(parse("mail.example.com:25").unwrap_err().contains("is not an IP address"));
    }
}
