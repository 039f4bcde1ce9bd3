//! Checks on the message itself: what a sender can forge cheaply, and what is never wanted.

mod gtube;

pub use gtube::{GTUBE, contains_gtube};
