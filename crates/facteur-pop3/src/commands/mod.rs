//! Command handlers, one file per state of RFC 1939 §3 (and CAPA, valid in all of them).

/// USER, PASS, AUTH, STLS, APOP's refusal, and the step into TRANSACTION.
mod authorization;
/// CAPA.
mod capa;
/// STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, and QUIT into UPDATE.
mod transaction;
/// UPDATE, and what any other ending leaves in the store.
mod update;
