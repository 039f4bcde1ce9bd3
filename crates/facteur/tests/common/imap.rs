//! Running the imaplib scenarios of `clients/imap_*.py` against a test server.

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

pub const ALICE: &str = "alice@example.test";
pub const ALICE_PASSWORD: &str = "alice's long passphrase";

pub const BOB: &str = "bob@example.test";
pub const BOB_PASSWORD: &str = "bob's passphrase";

/// A server with alice and bob.
pub fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account(BOB, BOB_PASSWORD).start()
}

/// Runs `scenario` of `clients/<script>` as alice and fails the test with its output (and the server's log) if
/// it fails.
pub fn run_script(server: &TestServer, script: &str, scenario: &str) {
    run_script_as(server, script, scenario, &[(ALICE, ALICE_PASSWORD)]);
}

/// Runs `scenario` of `clients/<script>` as the first of `users` (`--user`, `--password`; the second, if any, as
/// `--user2`, `--password2`) and returns what it printed; fails the test with its output (and the server's log)
/// if it fails.
pub fn run_script_as(server: &TestServer, script: &str, scenario: &str, users: &[(&str, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients").join(script);
    let port = |name: &str| server.addr(name).port().to_string();
    let certificate = server.certificate();
    let certificate = certificate.to_str().expect("the certificate path is UTF-8");
    let mut command = Command::new("python3");
    command
        .arg(&path)
        .arg(scenario)
        .args(["--imap-port", &port("imap"), "--imaps-port", &port("imaps"), "--smtp-port", &port("smtp")])
        .args(["--cafile", certificate]);
    for ((user, password), (user_flag, password_flag)) in
        users.iter().zip([("--user", "--password"), ("--user2", "--password2")])
    {
        command.args([user_flag, user, password_flag, password]);
    }
    let output = command.output().expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{script} {scenario} failed:\n{said}\nserver log:\n{}", server.log());
    String::from_utf8_lossy(&output.stdout).into_owned()
}
