//! Facteur's configuration: one TOML file, `facteur.toml`, in the data directory.
//!
//! The file is the operator's interface, so this crate is strict about it: every key has a typed home, unknown keys
//! are errors (a misspelt `max_conections` silently ignored is a limit that does not exist), and an error names the
//! file, the line and the key, and says what was expected. `facteur init` writes the file from [`template`], with
//! every setting present, commented and set to its default.
//!
//! This crate only reads, checks and writes text: it opens no socket and no store.

/// Changing one table of an existing file, keeping the rest as the operator wrote it.
pub mod edit;
/// Loading a file and turning parse errors into messages a person can act on.
mod load;
/// The typed settings and their defaults.
mod model;
/// `IP:PORT` settings, with errors that say what is wrong.
mod socket_addrs;
/// The commented file `facteur init` writes.
pub mod template;
/// Checks that span several keys (duplicate addresses, port ranges).
mod validate;

pub use load::{ConfigError, load, parse};
pub use model::{
    AcmeChallenge, AcmeConfig, AuthConfig, AuthFailAction, CertificatePair, Config, DeleAction, DnsConfig,
    DnsListConfig, DnsListDetails, HIGHEST_STANDARD_PORT, HttpConfig, LETS_ENCRYPT, LETS_ENCRYPT_STAGING, Limits,
    ListenerConfig, LogConfig, LogFormat, MailAuthConfig, OutboundConfig, Pop3Config, Protocol, QueueConfig,
    RelayConfig, RspamdMode, ServerConfig, SieveConfig, SmarthostTls, SmtpConfig, SpamConfig, StoreBackend,
    StoreConfig, TlsConfig, TlsMode, standard_listeners,
};

/// The file name of the configuration inside the data directory.
pub const CONFIG_FILE: &str = "facteur.toml";
