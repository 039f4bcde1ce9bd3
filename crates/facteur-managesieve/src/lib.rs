//! Facteur's ManageSieve server (RFC 5804): the protocol mail clients (Thunderbird's sieve add-on, Roundcube,
//! K-9, sieve-connect) use to install, check, activate and remove a user's Sieve scripts, on its own listener
//! (4190, STARTTLS). Scripts live in the store (`facteur_store::Store::sieve_scripts` and its siblings); what a
//! script means is `facteur-sieve`'s, which compiles every upload so that a script with an error never reaches
//! delivery, and the client hears the line and column of the error.
//!
//! Passwords only after TLS (RFC 5804 §2.1, `NO (ENCRYPT-NEEDED)`), through `facteur-auth`'s one SASL
//! authentication (SCRAM-SHA-256(-PLUS), PLAIN, LOGIN) and its login throttle.
//!
//! Deliberately not here: running scripts (delivery does, with `facteur-sieve`), sockets, TLS and connection
//! limits (`facteur-net`), SASL decoding and password checks (`facteur-auth`), the storage and the limits'
//! enforcement in one transaction (`facteur-store`). No referrals (§1.3 REFERRAL): every node serves every
//! account.

/// The command grammar (RFC 5804 §4): lines, quoted strings and literals in, typed commands out. No I/O.
pub mod command;
/// Command handlers, one file per family.
mod commands;
/// `OK`, `NO`, `BYE` with their response codes (§1.3), strings and capability lines.
pub mod response;
/// What a script may be called (§1.6).
pub mod script_name;
/// The `ManageSieveServer` the listener drives.
mod server;
/// The read–dispatch–answer loop of one session, and its limits.
mod session;
/// Listener settings and their defaults.
mod settings;
/// Non-authenticated and authenticated, as types.
mod state;

pub use command::{Command, CommandAssembly, LineEnd, Next, ScriptText, SyntaxError, Token};
pub use server::ManageSieveServer;
pub use settings::Settings;
