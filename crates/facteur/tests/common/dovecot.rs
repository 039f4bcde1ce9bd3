//! A private Dovecot (Debian's dovecot-core and dovecot-imapd) for tests that compare with it or read from it:
//! started on free loopback ports with a certificate of its own, one account, stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use facteur_testkit::tool_available;
use tempfile::TempDir;

/// Debian's paths (`/usr/sbin` is not on every user's PATH).
const DOVECOT: &str = "/usr/sbin/dovecot";
const DOVECOT_IMAP: &str = "/usr/lib/dovecot/imap";
/// How long Dovecot may take to listen, or to stop.
const DOVECOT_TIMEOUT: Duration = Duration::from_secs(20);

/// A private Dovecot: its own configuration, state, logs, mail and certificate in a temporary directory,
/// listening on 127.0.0.1 only, IMAPS on one port and IMAP (STARTTLS, TLS required to log in) on another.
/// Stopped when dropped, so that a failing test leaves no server behind.
pub struct Dovecot {
    master: Child,
    pub imaps_port: u16,
    pub imap_port: u16,
    dir: TempDir,
    user: String,
    password: String,
}

impl Dovecot {
    /// `None` when Dovecot is not installed (with a notice; under CI that fails the test instead).
    pub fn start(user: &str, password: &str) -> Option<Dovecot> {
        let installed = Path::new(DOVECOT).exists() && Path::new(DOVECOT_IMAP).exists();
        if !installed && !tool_available("dovecot") {
            eprintln!("NOTICE: Dovecot is not installed ({DOVECOT}, {DOVECOT_IMAP}): import_dovecot did not run");
            return None;
        }
        let dir = tempfile::Builder::new().prefix("facteur-dovecot-").tempdir().unwrap();
        let certificate = dir.path().join("cert.pem");
        // A certificate for localhost and 127.0.0.1 that is no CA: what a real server has.
        facteur_net::generate_self_signed("localhost", &certificate, &dir.path().join("key.pem")).unwrap();
        std::fs::write(dir.path().join("users"), format!("{user}:{{PLAIN}}{password}::::::\n")).unwrap();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let identity = Identity::of_this_process();
        if identity.is_root() {
            // Dovecot runs no mail process as root: the mail belongs to its own `dovecot` user, who must be
            // able to reach it.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let chown = Command::new("chown").arg("dovecot:dovecot").arg(dir.path().join("mail")).status().unwrap();
            assert!(chown.success(), "chown dovecot: {chown}");
        }
        // The ports are found free, then given to Dovecot: another process may take one meanwhile, and then
        // Dovecot stops at once and the start is tried again on others.
        let mut failures = Vec::new();
        for _ in 0..5 {
            let (imaps_port, imap_port) = (free_port(), free_port());
            let config = dir.path().join("dovecot.conf");
            std::fs::write(&config, configuration(dir.path(), imaps_port, imap_port, &identity)).unwrap();
            let binary = if installed { DOVECOT } else { "dovecot" };
            let mut master = Command::new(binary)
                .arg("-F")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            match wait_until_listening(&mut master, dir.path(), [imaps_port, imap_port]) {
                Ok(()) => {
                    let (user, password) = (user.to_owned(), password.to_owned());
                    return Some(Dovecot { master, imaps_port, imap_port, dir, user, password });
                }
                Err(why) => {
                    stop(&mut master);
                    failures.push(format!("{why}\n{}", dovecot_log(dir.path())));
                }
            }
        }
        panic!("Dovecot did not start:\n{}", failures.join("\n----\n"));
    }

    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// The account on the IMAPS listener, as the Python clients take it: `PORT,CA_FILE,USER,PASSWORD`.
    pub fn endpoint(&self) -> String {
        format!("{},{},{},{}", self.imaps_port, self.certificate().display(), self.user, self.password)
    }

    pub fn log(&self) -> String {
        dovecot_log(self.dir.path())
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        stop(&mut self.master);
    }
}

/// Dovecot's log in its directory.
fn dovecot_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default()
}

/// Until Dovecot says it started (which it does once its listeners are bound: a port another process took
/// meanwhile stops it first) and its ports answer.
fn wait_until_listening(master: &mut Child, dir: &Path, ports: [u16; 2]) -> Result<(), String> {
    let deadline = Instant::now() + DOVECOT_TIMEOUT;
    loop {
        if let Some(status) = master.try_wait().unwrap() {
            return Err(format!("dovecot exited: {status}"));
        }
        let started = dovecot_log(dir).contains("starting up");
        if started && ports.iter().all(|port| TcpStream::connect(("127.0.0.1", *port)).is_ok()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("dovecot is not listening after {DOVECOT_TIMEOUT:?}"));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM to the master, which stops its processes; SIGKILL if it is still there after the timeout.
fn stop(master: &mut Child) {
    if master.try_wait().ok().flatten().is_some() {
        return;
    }
    let _ = Command::new("kill").arg("-TERM").arg(master.id().to_string()).status();
    let deadline = Instant::now() + DOVECOT_TIMEOUT;
    while Instant::now() < deadline {
        if master.try_wait().ok().flatten().is_some() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = master.kill();
    let _ = master.wait();
}

/// Who this test runs as, for Dovecot's users: as root, Dovecot's defaults (`dovenull` for the login
/// processes, `dovecot` for the others and the mail); otherwise this user for all of them.
struct Identity {
    uid: u32,
    user: String,
    group: String,
}

impl Identity {
    fn of_this_process() -> Identity {
        let id = |flag: &str| {
            let output = Command::new("id").arg(flag).output().unwrap();
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        };
        Identity { uid: id("-u").parse().unwrap(), user: id("-un"), group: id("-gn") }
    }

    fn is_root(&self) -> bool {
        self.uid == 0
    }
}

/// The instance's dovecot.conf (Dovecot 2.3): only what differs from Dovecot's defaults, as the bench peer's
/// (../shared/bench/peers/dovecot/dovecot.conf) has it, with TLS required before any login.
fn configuration(dir: &Path, imaps_port: u16, imap_port: u16, identity: &Identity) -> String {
    let dir = dir.display();
    let (users, mail_user, mail_group) = match identity.is_root() {
        true => (String::new(), "dovecot", "dovecot"),
        false => (
            format!(
                "default_login_user = {0}\ndefault_internal_user = {0}\ndefault_internal_group = {1}\n",
                identity.user, identity.group
            ),
            identity.user.as_str(),
            identity.group.as_str(),
        ),
    };
    format!(
        r#"instance_name = facteur-test-{pid}-{imaps_port}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
{users}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={dir}/mail/%n
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \Drafts
  }}
  mailbox Sent {{
    special_use = \Sent
  }}
  mailbox Trash {{
    special_use = \Trash
  }}
}}
# No chroot: it needs root, and the instance may run without.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"#,
        pid = std::process::id(),
    )
}

/// A port free on 127.0.0.1 a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
