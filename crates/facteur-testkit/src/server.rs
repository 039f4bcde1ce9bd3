use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use facteur_config::{CONFIG_FILE, Config};
use tempfile::TempDir;

use crate::DOMAIN;
use crate::cli::{self, CliOutput, facteur_binary};

/// How long a server may take to bind its listeners.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The line `facteur serve` logs once every listener is bound (see the binary's `serve` module).
pub const READY_MARK: &str = "facteur is ready";

/// A change a test makes to the configuration before the server starts.
type ConfigEdit = Box<dyn FnOnce(&mut Config)>;
/// Files a test puts in the data directory before the server starts.
type DataDirEdit = Box<dyn FnOnce(&Path)>;

/// Prepares a server: accounts to create and configuration changes to make before it starts.
#[derive(Default)]
pub struct TestServerBuilder {
    /// Address, password, and whether it is an administrator.
    accounts: Vec<(String, String, bool)>,
    /// `init --store URL`: a PostgreSQL store, shared with every other server given the same URL.
    store: Option<String>,
    edits: Vec<ConfigEdit>,
    files: Vec<DataDirEdit>,
}

impl TestServerBuilder {
    /// Creates `address` (in [`DOMAIN`]) with `password` before the server starts.
    pub fn account(mut self, address: &str, password: &str) -> Self {
        self.accounts.push((address.to_owned(), password.to_owned(), false));
        self
    }

    /// Creates `address` as an administrator (`account add --admin`): it may use the admin page.
    pub fn admin(mut self, address: &str, password: &str) -> Self {
        self.accounts.push((address.to_owned(), password.to_owned(), true));
        self
    }

    /// Keeps the store in the PostgreSQL database at `url` (`init --store`): several servers given the same URL
    /// are the nodes of one installation. Accounts are created once, by whichever node is built first.
    pub fn store(mut self, url: &str) -> Self {
        self.store = Some(url.to_owned());
        self
    }

    /// Changes the configuration (already pointing every listener at a free loopback port, inbound sender
    /// authentication off) before the start.
    pub fn configure(mut self, edit: impl FnOnce(&mut Config) + 'static) -> Self {
        self.edits.push(Box::new(edit));
        self
    }

    /// Puts files in the data directory (after `init`, before the start): state an earlier run would have left.
    pub fn prepare(mut self, edit: impl FnOnce(&Path) + 'static) -> Self {
        self.files.push(Box::new(edit));
        self
    }

    /// Initialises a data directory, then starts `facteur serve` and waits until every listener is bound.
    pub fn start(self) -> TestServer {
        let data_dir = tempfile::Builder::new().prefix("facteur-test-").tempdir().expect("temporary data dir");
        let mut init =
            vec!["init", "--domain", DOMAIN, "--hostname", "localhost", "--bind-address", "127.0.0.1", "--no-acme"];
        if let Some(url) = &self.store {
            init.extend(["--store", url.as_str()]);
        }
        let init = cli::run(data_dir.path(), &init, None);
        assert!(init.success(), "facteur init failed: {init:?}");
        let mut config = facteur_config::load(&data_dir.path().join(CONFIG_FILE)).expect("init wrote a valid config");
        for listener in config.listeners.values_mut() {
            listener.bind = vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)];
        }
        // There is no network here: SPF/DMARC lookups through the machine's resolver would hang or defer every
        // message. Tests of sender authentication turn it on and point `[dns] nameservers` at their own DNS.
        config.mail_auth.verify_inbound = false;
        for edit in self.edits {
            edit(&mut config);
        }
        std::fs::write(data_dir.path().join(CONFIG_FILE), facteur_config::template::render(&config))
            .expect("write test config");
        for (address, password, admin) in &self.accounts {
            let mut add = vec!["account", "add", address, "--password-stdin"];
            if *admin {
                add.push("--admin");
            }
            let added = cli::run(data_dir.path(), &add, Some(password));
            assert!(added.success(), "account add {address} failed: {added:?}");
        }
        for edit in self.files {
            edit(data_dir.path());
        }
        TestServer::spawn(data_dir, config)
    }
}

/// A running `facteur serve` with its own data directory. Dropping it kills the process; if the test is failing,
/// the server's log is printed to help diagnose it.
pub struct TestServer {
    data_dir: TempDir,
    config: Config,
    child: Option<Child>,
    listeners: BTreeMap<String, Vec<SocketAddr>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// A server with no account.
    pub fn start() -> TestServer {
        TestServer::builder().start()
    }

    /// Starts `facteur serve` on a data directory made otherwise (`facteur restore` of a test server's
    /// backup), with the configuration it holds: a test server's own, listeners on free loopback ports.
    pub fn start_in(data_dir: TempDir) -> TestServer {
        let config = facteur_config::load(&data_dir.path().join(CONFIG_FILE)).expect("the data directory's config");
        TestServer::spawn(data_dir, config)
    }

    fn spawn(data_dir: TempDir, config: Config) -> TestServer {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (child, lines) = spawn_serve(data_dir.path(), Arc::clone(&log));
        let mut server = TestServer { data_dir, config, child: Some(child), listeners: BTreeMap::new(), log };
        server.wait_until_ready(&lines);
        server
    }

    fn wait_until_ready(&mut self, lines: &Receiver<String>) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(remaining) {
                Ok(line) if line.contains(READY_MARK) => return,
                Ok(line) => {
                    if let Some((name, address)) = parse_listening(&line) {
                        self.listeners.entry(name).or_default().push(address);
                    }
                }
                Err(_) => panic!("facteur serve did not become ready:\n{}", self.log()),
            }
        }
    }

    /// The address a listener (by its configured name: `smtp`, `submissions`, `imaps`, …) is bound to.
    pub fn addr(&self, listener: &str) -> SocketAddr {
        match self.listeners.get(listener).and_then(|addresses| addresses.first()) {
            Some(address) => *address,
            None => panic!("no listener named {listener:?}; bound: {:?}", self.listeners),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The server's certificate (self-signed by `init` for `localhost`).
    pub fn certificate(&self) -> PathBuf {
        self.data_dir.path().join(&self.config.tls.certificate)
    }

    /// Runs a CLI command against this server's data directory while it runs.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> CliOutput {
        cli::run(self.data_dir.path(), args, stdin)
    }

    /// Everything the server wrote to stdout and stderr so far.
    /// Sends the running server a signal by name (`HUP`, `TERM`…).
    pub fn send_signal(&self, name: &str) {
        signal(self.child.as_ref().expect("server is running"), name);
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|lines| lines.join("\n")).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate()
    }

    /// Stops the server cleanly (SIGTERM), runs `between` on its data directory while nothing serves it (a
    /// migration, a restore), then starts it again with the configuration the directory holds by then. The
    /// listeners get new ports: ask [`TestServer::addr`] again.
    pub fn stop_and_restart(&mut self, between: impl FnOnce(&Path)) {
        let status = self.terminate();
        assert!(status.success(), "facteur serve did not stop cleanly ({status}):\n{}", self.log());
        between(self.data_dir.path());
        self.config = facteur_config::load(&self.data_dir.path().join(CONFIG_FILE)).expect("a valid config");
        if let Ok(mut log) = self.log.lock() {
            log.push("---- stopped; starting again ----".to_owned());
        }
        let (child, lines) = spawn_serve(self.data_dir.path(), Arc::clone(&self.log));
        self.child = Some(child);
        self.listeners.clear();
        self.wait_until_ready(&lines);
    }

    /// Sends SIGTERM and waits for the process to exit.
    fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server is running");
        signal(&child, "TERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait for facteur") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("facteur serve did not stop within {STOP_TIMEOUT:?}:\n{}", self.log());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        self.kill_child();
    }

    /// Kills the server with SIGKILL, as a crash would, and starts it again on the same data directory. The
    /// listeners get new ports: ask [`TestServer::addr`] again.
    pub fn crash_and_restart(&mut self) {
        self.kill_child();
        if let Ok(mut log) = self.log.lock() {
            log.push("---- killed with SIGKILL; restarting ----".to_owned());
        }
        let (child, lines) = spawn_serve(self.data_dir.path(), Arc::clone(&self.log));
        self.child = Some(child);
        self.listeners.clear();
        self.wait_until_ready(&lines);
    }

    fn kill_child(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if thread::panicking() {
            eprintln!("---- facteur serve log ----\n{}\n---- end of log ----", self.log());
        }
    }
}

/// Starts `facteur serve` on `data_dir`; its output lines go to `log` and to the returned channel.
fn spawn_serve(data_dir: &Path, log: Arc<Mutex<Vec<String>>>) -> (Child, Receiver<String>) {
    let mut child = Command::new(facteur_binary())
        .arg("--data-dir")
        .arg(data_dir)
        .arg("serve")
        // FACTEUR_TEST_LOG=debug shows a test's server in detail when diagnosing it.
        .env("RUST_LOG", std::env::var("FACTEUR_TEST_LOG").unwrap_or_else(|_| "info".to_owned()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn facteur serve");
    let lines = collect_lines(child.stderr.take().expect("stderr is piped"), Arc::clone(&log));
    collect_lines(child.stdout.take().expect("stdout is piped"), log);
    (child, lines)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status();
    assert!(matches!(status, Ok(status) if status.success()), "kill -{name} failed: {status:?}");
}

/// Copies every line of `stream` into `log` and sends it on the returned channel.
fn collect_lines(stream: impl Read + Send + 'static, log: Arc<Mutex<Vec<String>>>) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut log) = log.lock() {
                log.push(line.clone());
            }
            let _ = sender.send(line);
        }
    });
    receiver
}

/// Reads `listening listener=NAME address=ADDR` log lines, in the text format or the JSON one
/// (`"listener":"NAME","address":"ADDR"`).
fn parse_listening(line: &str) -> Option<(String, SocketAddr)> {
    if !line.contains("listening") {
        return None;
    }
    let field = |key: &str| {
        let text = line.split_whitespace().find_map(|token| token.strip_prefix(&format!("{key}=")));
        let json = || line.split_once(&format!("\"{key}\":\"")).and_then(|(_, rest)| rest.split('"').next());
        text.map(|value| value.trim_matches('"')).or_else(json)
    };
    let name = field("listener")?;
    let address = field("address")?.parse().ok()?;
    Some((name.to_owned(), address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_lines_are_parsed() {
        let line = "2026-11-23T18:00:00Z  INFO facteur_net::listener: listening listener=imaps address=127.0.0.1:4321";
        assert_eq!(parse_listening(line), Some(("imaps".to_owned(), "127.0.0.1:4321".parse().unwrap())));
        assert_eq!(parse_listening("INFO something else listener=x"), None);
        let json = r#"{"level":"INFO","message":"listening","listener":"smtp","address":"127.0.0.1:25"}"#;
        assert_eq!(parse_listening(json), Some(("smtp".to_owned(), "127.0.0.1:25".parse().unwrap())));
    }
}
