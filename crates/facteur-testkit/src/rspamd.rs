//! A private rspamd for tests: Debian's package, started as a process of the test's own, on free loopback
//! ports, with a configuration written into a temporary directory, stopped on drop.
//!
//! The configuration is Debian's (`/etc/rspamd`, read as it is) with our overrides in a private
//! `$LOCAL_CONFDIR` (`local.d/`): one normal worker on 127.0.0.1, no Redis, and no network at all. Modules
//! that ask the internet (DNS lists, SPF, DKIM and DMARC lookups, fuzzy hashes, rule updates) are off, and the
//! resolver points at a loopback port where nothing listens, so whatever still asks fails at once and
//! nothing leaves the machine. `milter_headers` writes `X-Spam-Status`, `X-Spamd-Result` and
//! `X-Rspamd-Queue-Id`, so replies carry a `milter` part as an operator's would.
//!
//! Start-up: rspamd compiles its TLD list and regular expressions with Hyperscan, about 12 s of CPU on a
//! cold cache; the compiled databases are kept in one directory shared by every test run
//! (`$TMPDIR/facteur-rspamd-cache`), after which rspamd answers within a second. Starts are serialised in a
//! process so that parallel tests do not compile the same databases at once.
//!
//! rspamd refuses to run its workers as root without `-u`/`-g`; CI runs the tests as root, so there the
//! harness passes `--insecure` (the process is private and listens on loopback only).
//!
//! Std only, like the rest of the binary half of the kit.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Debian's rspamd.
const RSPAMD: &str = "/usr/bin/rspamd";
/// Debian's configuration, read in place.
const CONFDIR: &str = "/etc/rspamd";
/// How long a start may take: a cold Hyperscan cache on a busy two-core machine takes 10 to 20 s.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// Modules that would use the network or Redis: off, so that the tests neither wait nor leak.
const NETWORK_MODULES: &[&str] = &[
    "antivirus",
    "arc",
    "asn",
    "bimi",
    "dcc",
    "dkim",
    "dmarc",
    "emails",
    "external_services",
    "fuzzy_check",
    "hfilter",
    "metadata_exporter",
    "mx_check",
    "p0f",
    "phishing",
    "rbl",
    "rspamd_update",
    "spf",
    "surbl",
    "url_redirector",
];

/// A running rspamd, stopped (with its workers) on drop.
#[derive(Debug)]
pub struct Rspamd {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    started_in: Duration,
}

impl Rspamd {
    /// A private rspamd; `None` (after printing `SKIPPED` and why) when rspamd is not installed and `CI` is not
    /// set. Under CI a missing rspamd fails the test, as does a failure to start, always.
    pub fn start() -> Option<Rspamd> {
        if !Path::new(RSPAMD).is_file() {
            assert!(std::env::var_os("CI").is_none(), "rspamd is not installed: .ci/run should have installed it");
            eprintln!("SKIPPED: rspamd is not installed (bash .ci/run installs it)");
            return None;
        }
        // A port may be taken between our check and rspamd's bind: try again with others.
        let mut last_error = String::new();
        for _ in 0..3 {
            match Rspamd::launch() {
                Ok(rspamd) => return Some(rspamd),
                Err(error) => last_error = error,
            }
        }
        panic!("rspamd did not start: {last_error}");
    }

    /// The normal worker's URL, `http://127.0.0.1:PORT` (what `[spam] rspamd` is set to).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The normal worker's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How long rspamd took to answer its first ping.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// rspamd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rspamd.log")).unwrap_or_default()
    }

    /// Stops rspamd and its workers now (SIGTERM, then SIGKILL after 5 s): its ports refuse connections after.
    pub fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        signal_group(self.child.id(), "TERM");
        // A paused rspamd acts on TERM only once continued.
        signal_group(self.child.id(), "CONT");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever of the group outlived the main process (or the main process itself, past the deadline).
        signal_group(self.child.id(), "KILL");
        let _ = self.child.wait();
    }

    /// Freezes rspamd and its workers (SIGSTOP): the kernel still accepts connections on its port, but
    /// nothing answers. A hung rspamd, for timeout tests. [`Rspamd::resume`] thaws it.
    pub fn pause(&self) {
        signal_group(self.child.id(), "STOP");
    }

    /// Thaws a paused rspamd (SIGCONT).
    pub fn resume(&self) {
        signal_group(self.child.id(), "CONT");
    }

    fn launch() -> Result<Rspamd, String> {
        // One start at a time in a process: a cold cache is compiled once, not once per parallel test.
        static STARTING: Mutex<()> = Mutex::new(());
        let _turn = STARTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir = tempfile::Builder::new().prefix("facteur-rspamd-").tempdir().map_err(|e| e.to_string())?;
        let port = free_port()?;
        write_config(dir.path(), port)?;
        let started = Instant::now();
        let child = spawn(dir.path())?;
        let mut rspamd = Rspamd { child, dir, port, started_in: Duration::ZERO };
        watch_for_exit(rspamd.child.id());
        rspamd.wait_until_ready(started)?;
        rspamd.started_in = started.elapsed();
        Ok(rspamd)
    }

    /// Pings the normal worker until it answers `pong`, or rspamd exits, or the start-up time is over.
    fn wait_until_ready(&mut self, started: Instant) -> Result<(), String> {
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("rspamd exited ({status}):\n{}", self.log_tail()));
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop();
        Err(format!("rspamd did not answer within {START_TIMEOUT:?}:\n{}", self.log_tail()))
    }

    /// The end of rspamd's log and of what it printed, for a failure message.
    fn log_tail(&self) -> String {
        let printed = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        format!("{printed}{}", lines[lines.len().saturating_sub(30)..].join("\n"))
    }
}

impl Drop for Rspamd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `rspamd -f` (in the foreground: the child is rspamd's main process) in its own process group, so that
/// one signal reaches its workers too.
fn spawn(dir: &Path) -> Result<Child, String> {
    use std::os::unix::process::CommandExt;
    let output = std::fs::File::create(dir.join("stderr.log")).map_err(|e| e.to_string())?;
    let errors = output.try_clone().map_err(|e| e.to_string())?;
    let var = |name: &str, value: &Path| format!("{name}={}", value.display());
    let mut command = Command::new(RSPAMD);
    command
        .args(["-f", "-c"])
        .arg(dir.join("rspamd.conf"))
        .args(["--var", &var("CONFDIR", Path::new(CONFDIR))])
        .args(["--var", &var("LOCAL_CONFDIR", dir)])
        .args(["--var", &var("DBDIR", &dir.join("db"))])
        .args(["--var", &var("RUNDIR", dir)])
        .args(["--var", &var("LOGDIR", dir)])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors)
        .process_group(0);
    if running_as_root() {
        command.arg("--insecure");
    }
    command.spawn().map_err(|e| format!("{RSPAMD}: {e}"))
}

/// The top-level file (in place of Debian's, whose workers listen on fixed ports) and the overrides.
fn write_config(dir: &Path, port: u16) -> Result<(), String> {
    let write =
        |path: PathBuf, text: String| std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()));
    for sub in ["db", "local.d"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
    }
    let top = format!(
        r#".include "$CONFDIR/common.conf"
options {{
    pidfile = "$RUNDIR/rspamd.pid";
    .include "$CONFDIR/options.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}}
logging {{
    type = "file";
    filename = "$LOGDIR/rspamd.log";
    .include "$CONFDIR/logging.inc"
}}
worker "normal" {{
    bind_socket = "127.0.0.1:{port}";
    .include "$CONFDIR/worker-normal.inc"
    count = 1;
}}
"#
    );
    write(dir.join("rspamd.conf"), top)?;
    let cache = shared_cache()?;
    write(
        dir.join("local.d/options.inc"),
        format!(
            "dns {{ nameserver = [\"127.0.0.1:{}\"]; timeout = 0.2s; retransmits = 1; }}\nhs_cache_dir = \"{}/\";\n",
            free_port()?,
            cache.display()
        ),
    )?;
    for module in NETWORK_MODULES {
        write(dir.join(format!("local.d/{module}.conf")), "enabled = false;\n".to_owned())?;
    }
    write(
        dir.join("local.d/milter_headers.conf"),
        "use = [\"x-spam-status\", \"x-spamd-result\", \"x-rspamd-queue-id\"];\nskip_local = false;\n\
         skip_authenticated = false;\n"
            .to_owned(),
    )
}

/// The Hyperscan databases' directory, shared by every run (see the module's comment).
fn shared_cache() -> Result<PathBuf, String> {
    let cache = std::env::temp_dir().join("facteur-rspamd-cache");
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    Ok(cache)
}

/// `GET /ping`, answered `pong` by a ready worker.
fn ping(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"GET /ping HTTP/1.0\r\n\r\n").is_err() {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.contains("pong")
}

/// A port of 127.0.0.1 free now (other tests and the bench hold some: never a fixed one).
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|e| format!("no free port: {e}"))
}

/// Sends `signal` to rspamd's process group (its main process and workers).
fn signal_group(leader: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), format!("-{leader}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops rspamd's process group once this test process is gone, should it end without dropping (a `static`,
/// an abort).
fn watch_for_exit(leader: u32) {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while [ -d /proc/{pid} ]; do sleep 1; done; kill -KILL -- -{leader} 2>/dev/null",
        pid = std::process::id()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group: a Ctrl-C to the tests must not take the watchdog with them.
        .process_group(0)
        .spawn();
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}
