//! Sieve mail filtering (RFC 5228) for Facteur: a script is compiled once ([`compile`]) into a typed tree,
//! validated against the extensions it requires, then evaluated ([`Script::evaluate`]) against each message
//! and its envelope into an [`Outcome`]: the actions to take (keep, fileinto, redirect, discard, reject,
//! vacation), whether the implicit keep applies, the header as editheader left it, and what the caller must
//! remember (duplicate ids, vacation replies).
//!
//! What this crate deliberately does not do: no I/O of any kind. It stores nothing, sends nothing and reads
//! no mailbox: every question for the world (the time, whether a mailbox exists, whether an id was seen,
//! an included script's source, the owner's addresses, the step budget) goes through [`Environment`], which
//! the caller implements, and every effect is an [`Action`] the caller carries out. Delivery, ManageSieve
//! and the webmail are its callers.
//!
//! Untrusted input is bounded: scripts by [`Limits`] (size, nesting, variables, regular expressions,
//! includes), evaluation by the step budget; the parser's recursion is bounded by the nesting limit.

/// The extensions scripts may require.
mod capability;
/// One file per command or test family: validation and evaluation.
mod commands;
/// The [`Envelope`] of the delivery.
mod envelope;
/// The caller's side: [`Environment`].
mod environment;
/// [`CompileError`] and [`RuntimeError`].
mod error;
/// [`Limits`].
mod limits;
/// Comparators, match types, wildcards.
mod matching;
/// The [`Message`] view over `facteur-message`'s index.
mod message;
/// [`Outcome`], its actions, and the conflict and duplicate rules.
mod outcome;
/// One evaluation's state.
mod run;
/// [`compile`] and [`Script`].
mod script;
/// Tokens and the generic tree (RFC 5228 §8).
mod syntax;
/// Strings with variable references and encoded characters.
mod text;
/// From the generic tree to the typed one.
mod validate;

pub use capability::Capability;
pub use envelope::Envelope;
pub use environment::{Environment, IncludeLocation, TrackingKey, TrackingKind};
pub use error::{CompileError, Position, RuntimeError};
pub use limits::Limits;
pub use message::Message;
pub use outcome::{Action, Keep, Outcome, Tracking, VacationReply, VacationSkip};
pub use script::{Script, compile};
