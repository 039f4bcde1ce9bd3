//! The filters a person sets in a form rather than in Sieve: rules that file mail into folders, and the
//! out-of-office reply (JMAP's VacationResponse, RFC 8621 §8). They are kept as one Sieve script, named
//! [`SCRIPT_NAME`], so that there is one place where filtering happens (delivery runs the active script and
//! nothing else) and the webmail, JMAP clients and ManageSieve clients all see and change the same thing.
//!
//! The script carries the settings it was generated from, as JSON in a comment, and a checksum of the Sieve
//! below them: the forms read the settings back, and can tell when someone edited the script by hand over
//! ManageSieve (they warn before replacing it). Saving the settings rewrites the script and activates it.
//! Sieve allows one active script per account (RFC 5804 §1.1): a person who activates a script of their own
//! turns the generated one (and with it the out-of-office reply) off, and JMAP says so (`isEnabled: false`).

/// Settings to Sieve.
mod generate;
/// Sieve (ours) back to settings.
mod read;
/// [`Filters`], [`Rule`], [`OutOfOffice`] and their checks.
mod settings;
/// The script in the store: [`load`], [`save`], and settings kept from before they were Sieve.
mod stored;

pub use settings::{Field, Filters, InvalidFilters, OutOfOffice, Rule};
pub use stored::{FiltersError, Stored, adopt_legacy_out_of_office, load, save};

/// The generated script's name, as ManageSieve lists it.
pub const SCRIPT_NAME: &str = "facteur";
