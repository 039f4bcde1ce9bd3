//! One module per top-level command.

pub mod account;
pub mod alias;
pub mod dkim;
pub mod dns_records;
pub mod domain;
pub mod init;
pub mod queue;
pub mod serve;
pub mod stats;
pub mod store;
pub mod tls_report;
pub mod trace;
