//! Running the scenarios of `clients/jmap_client.py` against a test server.

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

/// Runs scenario `name` of `clients/jmap_client.py` as `user` (address, password); `extra` adds arguments.
/// Returns what it printed; fails the test with its output (and the server's log) if it fails.
pub fn run_jmap_script(server: &TestServer, name: &str, user: (&str, &str), extra: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/jmap_client.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(name)
        .args(["--https-port", &server.addr("https").port().to_string()])
        .args(["--imaps-port", &server.addr("imaps").port().to_string()])
        .args(["--smtp-port", &server.addr("smtp").port().to_string()])
        .args(["--submissions-port", &server.addr("submissions").port().to_string()])
        .args(["--managesieve-port", &server.addr("managesieve").port().to_string()])
        .args(["--cafile", server.certificate().to_str().expect("the certificate path is UTF-8")])
        .args(["--user", user.0, "--password", user.1])
        .args(extra)
        // sievelib (the ManageSieve client of a scenario) trusts the default store only.
        .env("SSL_CERT_FILE", server.certificate())
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "jmap_client.py {name} failed:\n{said}\n{}", server.log());
    String::from_utf8_lossy(&output.stdout).into_owned()
}
