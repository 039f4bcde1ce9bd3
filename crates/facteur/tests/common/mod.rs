//! Helpers shared by the binary's integration tests. Each test file compiles this module on its own and uses
//! part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod dns;
pub mod imap;
pub mod jmap;
pub mod sink;

/// Whether Python can import `module` (an independent client a test drives). Without it the test is skipped,
/// except on CI, where `.ci/run` installs every one and a missing module is a failure.
pub fn python_module(module: &str) -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{module} is not installed: .ci/run should have installed it");
        eprintln!("SKIPPED: Python's {module} is not installed (bash .ci/run installs it)");
    }
    found
}
