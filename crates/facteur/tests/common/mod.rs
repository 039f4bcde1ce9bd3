//! Helpers shared by the binary's integration tests. Each test file compiles this module on its own and uses
//! part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod dns;
pub mod dovecot;
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

/// Runs `scenario` of `clients/outbound_abuse.py` (smtplib) as `user` on the submissions (465) listener of
/// `server`; fails the test with what it said and the server's log unless it succeeds.
pub fn outbound_abuse_client(server: &facteur_testkit::TestServer, scenario: &str, user: (&str, &str), extra: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/outbound_abuse.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(scenario)
        .args(["--port", &server.addr("submissions").port().to_string()])
        .args(["--cafile", server.certificate().to_str().expect("the certificate path is UTF-8")])
        .args(["--user", user.0, "--password", user.1])
        .args(extra)
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "outbound_abuse.py {scenario}:\n{said}\n{}", server.log());
}
