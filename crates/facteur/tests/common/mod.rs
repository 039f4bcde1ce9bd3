//! Helpers shared by the binary's integration tests. Each test file compiles this module on its own and uses
//! part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod imap;
pub mod jmap;
pub mod sink;
