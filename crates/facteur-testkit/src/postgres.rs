//! A throwaway PostgreSQL cluster for tests: one per test process, one fresh database per test.
//!
//! `initdb` into a temporary directory, then `pg_ctl start` with the server listening on a Unix socket in that
//! directory only (`listen_addresses = ''`): no TCP port is taken, so nothing depends on a port being free.
//! PostgreSQL refuses to run as root, and the tests do run as root, so the binaries then run as the `postgres`
//! user (`runuser`), in a directory that user owns. A watchdog process stops the cluster and removes the
//! directory once the test process is gone: a `static` fixture is never dropped.
//!
//! Std only, so that any test can use it: `facteur-store`'s own tests include this file by path (depending on
//! this crate from there would build the whole kit for the store's tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server's socket "port": only the name of the socket file, since the cluster listens on no TCP port.
const SOCKET_PORT: u16 = 5432;

/// A running cluster.
#[derive(Debug)]
pub struct PostgresCluster {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    next_database: AtomicU32,
    /// `pg_ctl -o`: where the server listens, and how.
    options: String,
    /// The port: its socket file's name, and with TLS the TCP port as well.
    port: u16,
    /// Whether it listens on TCP, with TLS.
    tls: bool,
}

/// The process's cluster, started on first use. `None` (after printing `SKIPPED` and the reason) when the
/// PostgreSQL binaries are not installed and `CI` is not set; under CI a missing PostgreSQL fails the test.
pub fn postgres_cluster() -> Option<&'static PostgresCluster> {
    static CLUSTER: OnceLock<Result<PostgresCluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| PostgresCluster::start(None)) {
        Ok(cluster) => Some(cluster),
        Err(reason) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required under CI: {reason}"),
        Err(reason) => {
            eprintln!("SKIPPED: no PostgreSQL for this test: {reason}");
            None
        }
    }
}

/// A certificate and key for a private cluster's TLS (PEM files; the cluster copies them).
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

/// A cluster of the calling test's own, which it may stop and start (the process's shared cluster must stay
/// up for the other tests). With `tls`, it also listens on a free TCP port of 127.0.0.1 with TLS on: see
/// [`PostgresCluster::tcp_url`]. `None` as [`postgres_cluster`] says.
pub fn private_postgres_cluster(tls: Option<ServerTls>) -> Option<PostgresCluster> {
    match PostgresCluster::start(tls) {
        Ok(cluster) => Some(cluster),
        Err(reason) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required under CI: {reason}"),
        Err(reason) => {
            eprintln!("SKIPPED: no PostgreSQL for this test: {reason}");
            None
        }
    }
}

impl PostgresCluster {
    fn start(tls: Option<ServerTls>) -> Result<PostgresCluster, String> {
        let bin =
            find_binaries().ok_or("no initdb in /usr/lib/postgresql/*/bin or on PATH (apt install postgresql)")?;
        let as_postgres = running_as_root();
        let dir = tempfile_dir()?;
        let mut options = format!(
            "-c listen_addresses='' -k {} -p {SOCKET_PORT} -c fsync=on -c max_connections=200",
            path_str(&dir)?
        );
        let mut port = SOCKET_PORT;
        if let Some(tls) = &tls {
            port = free_tcp_port()?;
            options = format!(
                "-c listen_addresses=127.0.0.1 -k {0} -p {port} -c fsync=on -c max_connections=200 -c ssl=on \
                 -c ssl_cert_file={0}/server.crt -c ssl_key_file={0}/server.key",
                path_str(&dir)?
            );
            copy_tls_files(tls, &dir)?;
        }
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(&dir))?;
        }
        let cluster = PostgresCluster {
            bin,
            dir,
            as_postgres,
            next_database: AtomicU32::new(0),
            options,
            port,
            tls: tls.is_some(),
        };
        let data = cluster.dir.join("data");
        cluster.run_tool("initdb", &["-D", path_str(&data)?, "-U", "postgres", "--auth=trust", "-E", "UTF8"])?;
        cluster.start_server()?;
        cluster.watch_for_exit(&data)?;
        Ok(cluster)
    }

    /// Starts the server again after [`PostgresCluster::stop`] (or for the first time).
    pub fn start_server(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        let log = self.dir.join("server.log");
        self.run_tool("pg_ctl", &["-D", path_str(&data)?, "-l", path_str(&log)?, "-o", &self.options, "-w", "start"])
    }

    /// Stops the server at once, as a crash would (`immediate`: connections are cut, nothing is flushed
    /// beyond what was committed).
    pub fn stop_server(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        self.run_tool("pg_ctl", &["-D", path_str(&data)?, "-m", "immediate", "-w", "stop"])
    }

    /// The URL of `database` over TCP and TLS (`sslmode=require`), for a cluster started with TLS; the
    /// server's certificate must name `localhost`.
    pub fn tcp_url(&self, database_url: &str) -> Option<String> {
        let name = database_url.rsplit('/').next()?;
        self.tls.then(|| format!("postgres://postgres@localhost:{}/{name}?sslmode=require", self.port))
    }

    /// The directory holding the server's socket: the `host` of a connection to it.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// Creates an empty database of its own and returns its URL (`postgres://postgres@%2F…:5432/NAME`).
    pub fn create_database(&self) -> String {
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("test_{}_{n}", std::process::id());
        let host = self.dir.to_string_lossy().to_string();
        let port = self.port.to_string();
        if let Err(error) = self.run_tool("createdb", &["-h", &host, "-p", &port, "-U", "postgres", &name]) {
            panic!("createdb {name}: {error}");
        }
        format!("postgres://postgres@{}:{}/{name}", host.replace('/', "%2F"), self.port)
    }

    /// Runs one of the PostgreSQL binaries, as `postgres` when we are root.
    fn run_tool(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args).current_dir(&self.dir);
        run(&mut command)
    }

    /// Starts the watchdog that stops the server (immediate mode: nothing to keep) and removes the directory
    /// once this process has exited.
    fn watch_for_exit(&self, data: &Path) -> Result<(), String> {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = format!("{} -D {} stop -m immediate", path_str(&pg_ctl)?, path_str(data)?);
        let stop = if self.as_postgres { format!("runuser -u postgres -- {stop}") } else { stop };
        let script = format!(
            "while [ -d /proc/{pid} ]; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = path_str(&self.dir)?
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("cannot start the cluster's watchdog: {e}"))
    }
}

/// The directory of `initdb`, `pg_ctl` and `createdb`: Debian's PostgreSQL 15 first, then any version, then
/// wherever `initdb` on PATH really is.
fn find_binaries() -> Option<PathBuf> {
    let debian = Path::new("/usr/lib/postgresql");
    let mut candidates = vec![debian.join("15/bin")];
    if let Ok(versions) = std::fs::read_dir(debian) {
        candidates.extend(versions.flatten().map(|entry| entry.path().join("bin")));
    }
    let on_path =
        std::env::var_os("PATH").into_iter().flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    candidates
        .extend(on_path.filter_map(|dir| std::fs::canonicalize(dir.join("initdb")).ok()?.parent().map(PathBuf::from)));
    candidates.into_iter().find(|dir| dir.join("initdb").is_file() && dir.join("createdb").is_file())
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A new directory under the system's temporary directory, kept (the watchdog removes it).
fn tempfile_dir() -> Result<PathBuf, String> {
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!("facteur-pg-{}-{attempt}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    Err("no free temporary directory name".into())
}

/// A port of 127.0.0.1 free now (the bench peers and other tests hold some: never a fixed one).
fn free_tcp_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| format!("no free port: {e}"))
}

/// The certificate and key, into the cluster's directory; PostgreSQL refuses a key others may read.
fn copy_tls_files(tls: &ServerTls, dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let copy = |from: &Path, to: &str| {
        std::fs::copy(from, dir.join(to)).map(drop).map_err(|e| format!("copy {}: {e}", from.display()))
    };
    copy(&tls.certificate, "server.crt")?;
    copy(&tls.private_key, "server.key")?;
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("chmod server.key: {e}"))
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str().ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
