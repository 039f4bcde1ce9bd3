//! The operator's interface (design brief §5): init, account, domain and alias commands against a real data
//! directory, with their outputs and exit codes.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::{CliOutput, TestServer};

fn facteur(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> CliOutput {
    let output = facteur_testkit::cli::run(data_dir, args, stdin);
    eprintln!("facteur {args:?} -> {:?}\n{}{}", output.code, output.stdout, output.stderr);
    output
}

fn init(data_dir: &Path) {
    let output = facteur(data_dir, &["init", "--domain", "example.test", "--bind-address", "127.0.0.1"], None);
    assert!(output.success());
}

#[test]
fn init_creates_a_commented_config_a_certificate_and_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let config = std::fs::read_to_string(dir.join("facteur.toml")).unwrap();
    assert!(config.contains("hostname = \"mail.example.test\""), "{config}");
    assert!(config.contains("# "), "the file is commented");
    assert!(dir.join("tls/cert.pem").exists() && dir.join("tls/key.pem").exists());
    assert!(dir.join("dkim").is_dir());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.join("tls/key.pem")).unwrap().permissions().mode() & 0o077, 0);
    let domains = facteur(&dir, &["domain", "list"], None);
    assert_eq!(domains.stdout.trim(), "example.test");
}

#[test]
fn init_refuses_to_overwrite_an_existing_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let before = std::fs::read(dir.join("facteur.toml")).unwrap();
    let again = facteur(&dir, &["init", "--domain", "other.test"], None);
    assert_eq!(again.code, Some(2));
    assert!(again.stderr.contains("already initialised"), "{}", again.stderr);
    assert_eq!(std::fs::read(dir.join("facteur.toml")).unwrap(), before);

    std::fs::write(tmp.path().join("stranger"), "x").unwrap();
    let foreign = facteur(tmp.path(), &["init", "--domain", "other.test"], None);
    assert_eq!(foreign.code, Some(2));
    assert!(foreign.stderr.contains("not empty"), "{}", foreign.stderr);
}

#[test]
fn init_with_a_bad_domain_or_port_base_is_a_usage_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let bad_domain = facteur(&dir, &["init", "--domain", "not a domain"], None);
    assert_eq!(bad_domain.code, Some(2));
    assert!(!dir.exists(), "a failed init leaves no data directory");
    // A valid DNS name (underscores are) that makes no host name: the domain is blamed, not --hostname.
    let underscore = facteur(&dir, &["init", "--domain", "bad_domain.test"], None);
    assert_eq!(underscore.code, Some(2));
    assert!(
        underscore.stderr.contains("--domain") && !underscore.stderr.contains("--hostname:"),
        "{}",
        underscore.stderr
    );
    let bad_port = facteur(&dir, &["init", "--domain", "example.test", "--port-base", "65000"], None);
    assert_eq!(bad_port.code, Some(2));
    assert!(bad_port.stderr.contains("--port-base"), "{}", bad_port.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn accounts_are_added_listed_changed_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let added = facteur(&dir, &["account", "add", "Alice@Example.test", "--password-stdin"], Some("correct horse\n"));
    assert!(added.success());
    assert!(!added.stdout.contains("correct horse"), "the password is not echoed");
    let generated = facteur(&dir, &["account", "add", "bob@example.test"], None);
    assert!(generated.success());
    assert!(generated.stdout.contains("password: "), "a generated password is shown once");

    let list = facteur(&dir, &["account", "list"], None);
    assert!(list.stdout.contains("alice@example.test") && list.stdout.contains("bob@example.test"));

    let duplicate =
        facteur(&dir, &["account", "add", "alice@example.test", "--password-stdin"], Some("another passphrase\n"));
    assert_eq!(duplicate.code, Some(2));
    assert!(duplicate.stderr.contains("already exists"), "{}", duplicate.stderr);

    let foreign =
        facteur(&dir, &["account", "add", "carol@elsewhere.test", "--password-stdin"], Some("another passphrase\n"));
    assert_eq!(foreign.code, Some(2));
    assert!(foreign.stderr.contains("elsewhere.test"), "{}", foreign.stderr);

    let no_password = facteur(&dir, &["account", "passwd", "alice@example.test", "--password-stdin"], Some(""));
    assert_eq!(no_password.code, Some(2));
    assert!(
        facteur(&dir, &["account", "passwd", "alice@example.test", "--password-stdin"], Some("a new passphrase\n"))
            .success()
    );

    let admin = facteur(
        &dir,
        &["account", "add", "root@example.test", "--admin", "--password-stdin"],
        Some("a root passphrase\n"),
    );
    assert!(admin.success() && admin.stdout.contains("administrator"), "{admin:?}");
    let marked = |list: &str, who: &str| list.lines().any(|line| line.starts_with(who) && line.ends_with(" admin"));
    let list = facteur(&dir, &["account", "list"], None).stdout;
    assert!(marked(&list, "root@") && !marked(&list, "alice@"), "{list}");
    assert!(facteur(&dir, &["account", "admin", "alice@example.test", "on"], None).success());
    assert!(facteur(&dir, &["account", "admin", "root@example.test", "off"], None).success());
    let list = facteur(&dir, &["account", "list"], None).stdout;
    assert!(marked(&list, "alice@") && !marked(&list, "root@"), "{list}");
    assert_eq!(facteur(&dir, &["account", "admin", "alice@example.test", "maybe"], None).code, Some(2));
    assert_eq!(facteur(&dir, &["account", "admin", "nobody@example.test", "on"], None).code, Some(2));

    assert!(facteur(&dir, &["account", "remove", "bob@example.test"], None).success());
    let list = facteur(&dir, &["account", "list"], None);
    assert!(!list.stdout.contains("bob@example.test"), "{}", list.stdout);
    let missing = facteur(&dir, &["account", "remove", "bob@example.test"], None);
    assert_eq!(missing.code, Some(2));
}

#[test]
fn passwords_are_only_taken_from_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let on_command_line = facteur(&dir, &["account", "add", "alice@example.test", "--password", "secret"], None);
    assert_eq!(on_command_line.code, Some(2), "clap refuses an unknown --password option");
    let passwd_without_stdin = facteur(&dir, &["account", "passwd", "alice@example.test"], None);
    assert_eq!(passwd_without_stdin.code, Some(2));
}

#[test]
fn domains_in_use_cannot_be_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    assert!(facteur(&dir, &["domain", "add", "Second.test"], None).success());
    assert!(facteur(&dir, &["domain", "list"], None).stdout.contains("second.test"));
    assert!(
        facteur(&dir, &["account", "add", "a@second.test", "--password-stdin"], Some("a fine passphrase\n")).success()
    );
    let in_use = facteur(&dir, &["domain", "remove", "second.test"], None);
    assert_eq!(in_use.code, Some(2));
    assert!(in_use.stderr.contains("still used"), "{}", in_use.stderr);
    assert!(facteur(&dir, &["account", "remove", "a@second.test"], None).success());
    assert!(facteur(&dir, &["domain", "remove", "second.test"], None).success());
    assert!(!facteur(&dir, &["domain", "list"], None).stdout.contains("second.test"));
}

#[test]
fn aliases_and_catch_alls_are_managed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    assert!(
        facteur(&dir, &["account", "add", "alice@example.test", "--password-stdin"], Some("a fine passphrase\n"))
            .success()
    );
    assert!(facteur(&dir, &["alias", "add", "sales@example.test", "alice@example.test"], None).success());
    assert!(facteur(&dir, &["alias", "add", "@example.test", "alice@example.test"], None).success());
    let list = facteur(&dir, &["alias", "list"], None);
    assert!(list.stdout.contains("sales@example.test -> alice@example.test"), "{}", list.stdout);
    assert!(list.stdout.contains("@example.test -> alice@example.test"), "{}", list.stdout);
    let no_target = facteur(&dir, &["alias", "add", "x@example.test"], None);
    assert_eq!(no_target.code, Some(2));
    // A local target nobody has, and a loop, are refused when made, not found out when mail arrives.
    let unknown = facteur(&dir, &["alias", "add", "team@example.test", "nobody@example.test"], None);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("nobody@example.test is neither an account nor an alias"), "{}", unknown.stderr);
    assert!(facteur(&dir, &["alias", "add", "loop1@example.test", "sales@example.test"], None).success());
    let looping = facteur(&dir, &["alias", "add", "sales@example.test", "loop1@example.test"], None);
    assert_eq!(looping.code, Some(2));
    assert!(looping.stderr.contains("loop"), "{}", looping.stderr);
    let to_itself = facteur(&dir, &["alias", "add", "self@example.test", "Self@example.test"], None);
    assert_eq!(to_itself.code, Some(2));
    assert!(facteur(&dir, &["alias", "add", "fwd@example.test", "someone@elsewhere.test"], None).success());
    assert!(facteur(&dir, &["alias", "remove", "loop1@example.test"], None).success());
    assert!(facteur(&dir, &["alias", "remove", "sales@example.test"], None).success());
    assert!(!facteur(&dir, &["alias", "list"], None).stdout.contains("sales@"));
}

#[test]
fn commands_on_a_missing_or_corrupt_config_exit_2_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = facteur(&tmp.path().join("nothing"), &["account", "list"], None);
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("facteur init"), "{}", missing.stderr);

    let dir = tmp.path().join("data");
    init(&dir);
    let path = dir.join("facteur.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("idle_timeout_secs = 300", "idle_timeout_secs = \"five minutes\"")).unwrap();
    for args in [&["account", "list"][..], &["serve"][..]] {
        let corrupt = facteur(&dir, args, None);
        assert_eq!(corrupt.code, Some(2), "{args:?}");
        assert!(corrupt.stderr.contains("limits.idle_timeout_secs"), "{}", corrupt.stderr);
        assert!(corrupt.stderr.contains("line "), "{}", corrupt.stderr);
    }
    // A level that is no level would silence the server: refused like any other bad setting.
    std::fs::write(&path, text.replace("level = \"info\"", "level = \"verbose\"")).unwrap();
    let silent = facteur(&dir, &["serve"], None);
    assert_eq!(silent.code, Some(2));
    assert!(silent.stderr.contains("log.level") && silent.stderr.contains("verbose"), "{}", silent.stderr);
    std::fs::write(&path, format!("{text}\nunknown_setting = 1\n")).unwrap();
    let unknown = facteur(&dir, &["serve"], None);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("unknown_setting"), "{}", unknown.stderr);
}

#[test]
fn quotas_read_and_show_human_sizes_and_key_listings_of_unknown_domains_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    assert!(
        facteur(&dir, &["account", "add", "alice@example.test", "--password-stdin"], Some("a fine passphrase\n"))
            .success()
    );
    for (limit, shown) in [("500MB", "500 MiB"), ("1.5G", "1.5 GiB"), ("2048", "2 KiB")] {
        let set = facteur(&dir, &["account", "quota", "alice@example.test", limit], None);
        assert!(set.success(), "{limit}: {}", set.stderr);
        assert!(set.stdout.contains(shown), "{limit}: {}", set.stdout);
        assert!(facteur(&dir, &["account", "list"], None).stdout.contains(shown));
    }
    let bad = facteur(&dir, &["account", "quota", "alice@example.test", "lots"], None);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("500M"), "the error shows the form: {}", bad.stderr);

    let unknown = facteur(&dir, &["dkim", "list", "unknown.test"], None);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stdout);
    assert!(unknown.stderr.contains("unknown.test"), "{}", unknown.stderr);

    // A new domain's key is printed as a zone file holds it: strings of 255 bytes at most.
    let added = facteur(&dir, &["domain", "add", "other.test"], None);
    assert!(added.success());
    let start = added.stdout.find("._domainkey.other.test.").unwrap();
    let record = &added.stdout[start..start + added.stdout[start..].find(')').unwrap()];
    let strings: Vec<&str> = record.split('"').skip(1).step_by(2).collect();
    assert!(strings.len() > 1 && strings.iter().all(|s| s.len() <= 255), "{record}");
    assert!(strings.concat().starts_with("v=DKIM1; k=rsa; p="), "{record}");
}

#[test]
fn weak_passwords_are_refused_and_a_terminal_gets_a_silent_prompt_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    for (weak, says) in [("short\n", "at least 8"), ("alice@example.test\n", "own address"), ("alice123\n", "")] {
        let added = facteur(&dir, &["account", "add", "alice@example.test", "--password-stdin"], Some(weak));
        if says.is_empty() {
            assert!(added.success(), "{weak:?}: {}", added.stderr);
            continue;
        }
        assert_eq!(added.code, Some(2), "{weak:?} accepted");
        assert!(added.stderr.contains(says), "{weak:?}: {}", added.stderr);
    }
    // At a terminal (a pseudo-terminal driven by Python's pty module): asked twice, nothing echoed.
    let script = r#"
import os, pty, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen = b""
for answer in [b"a typed passphrase\n", b"a typed passphrase\n"]:
    while b": " not in seen.rsplit(b"\n", 1)[-1]:
        seen += os.read(fd, 1024)
    # Type as a person would: once the terminal stops echoing (the prompt is written just before that).
    deadline = time.time() + 10
    while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < deadline:
        time.sleep(0.01)
    os.write(fd, answer)
    seen += b"\n"
try:
    while chunk := os.read(fd, 1024):
        seen += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let binary = facteur_testkit::facteur_binary();
    let output = std::process::Command::new("python3")
        .args(["-c", script, binary.to_str().unwrap(), "--data-dir", dir.to_str().unwrap()])
        .args(["account", "passwd", "alice@example.test", "--password-stdin"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    assert!(said.contains("New password for alice@example.test: ") && said.contains("again: "), "{said}");
    assert!(!said.contains("a typed passphrase"), "the password was echoed: {said}");
    assert!(said.contains("changed the password of alice@example.test"), "{said}");
}

#[test]
fn every_positional_argument_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, argument) in [
        (&["account", "quota", "--help"][..], "<LIMIT>"),
        (&["account", "remove", "--help"], "<ADDRESS>"),
        (&["alias", "add", "--help"], "<TARGETS>"),
        (&["queue", "show", "--help"], "<ID>"),
        (&["dkim", "retire", "--help"], "<SELECTOR>"),
        (&["domain", "add", "--help"], "<DOMAIN>"),
    ] {
        let help = facteur(tmp.path(), args, None).stdout;
        let line = help.lines().skip_while(|line| !line.starts_with("Arguments:")).find(|line| line.contains(argument));
        let explained = line.is_some_and(|line| line.trim_start().len() > argument.len() + 4);
        assert!(explained, "{args:?}: {argument} has no help text:\n{help}");
    }
}

#[test]
fn store_migrate_explains_its_options() {
    let tmp = tempfile::tempdir().unwrap();
    let help = facteur(tmp.path(), &["store", "migrate", "--help"], None).stdout;
    for option in ["--to <URL>", "--password-file <FILE>"] {
        let line = help.lines().find(|line| line.trim_start().starts_with(option));
        let explained = line.is_some_and(|line| line.trim_start().len() > option.len() + 4);
        assert!(explained, "{option} has no help text:\n{help}");
    }
}

#[test]
fn store_migrate_refuses_a_url_holding_a_password_before_touching_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    let config = std::fs::read_to_string(dir.join("facteur.toml")).unwrap();
    let refused = facteur(&dir, &["store", "migrate", "--to", "postgres://facteur:secret@db.example/mail"], None);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("--to") && refused.stderr.contains("password"), "{refused:?}");
    assert_eq!(std::fs::read_to_string(dir.join("facteur.toml")).unwrap(), config);
    assert!(facteur(&dir, &["account", "list"], None).success(), "the store is not left locked");
}

#[test]
fn help_is_available_on_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["init", "--help"],
        &["serve", "--help"],
        &["account", "--help"],
        &["account", "add", "--help"],
        &["domain", "--help"],
        &["alias", "add", "--help"],
        &["store", "--help"],
        &["store", "migrate", "--help"],
    ] {
        let help = facteur(tmp.path(), args, None);
        assert!(help.success(), "{args:?}");
        assert!(help.stdout.contains("Usage:"), "{args:?}: {}", help.stdout);
    }
}

#[test]
fn management_commands_work_while_the_server_runs() {
    let server = TestServer::builder().account("alice@example.test", "pw-alice").start();
    assert!(
        server.cli(&["account", "add", "bob@example.test", "--password-stdin"], Some("a fine passphrase\n")).success()
    );
    let list = server.cli(&["account", "list"], None);
    assert!(list.stdout.contains("alice@example.test") && list.stdout.contains("bob@example.test"));
    assert!(server.stop().success());
}

#[test]
fn init_with_a_postgres_store_creates_its_schema_and_a_second_node_joins_it() {
    let Some(cluster) = facteur_testkit::postgres_cluster() else { return };
    let url = cluster.create_database();
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    let created = facteur(&first, &["init", "--domain", "example.test", "--no-acme", "--store", &url], None);
    assert!(created.success());
    assert!(created.stdout.contains("schema created"), "{}", created.stdout);
    let config = std::fs::read_to_string(first.join("facteur.toml")).unwrap();
    assert!(config.contains("backend = \"postgres\"") && config.contains(&format!("url = \"{url}\"")), "{config}");
    let added = facteur(&first, &["account", "add", "alice@example.test", "--password-stdin"], Some("pass phrase\n"));
    assert!(added.success());

    let joined = facteur(&second, &["init", "--domain", "example.test", "--no-acme", "--store", &url], None);
    assert!(joined.success());
    assert!(
        joined.stdout.contains("joined") && joined.stdout.contains("already one of its domains"),
        "{}",
        joined.stdout
    );
    assert!(second.join("tls/cert.pem").exists() && second.join("dkim").is_dir(), "the node's own files");
    let accounts = facteur(&second, &["account", "list"], None);
    assert!(accounts.stdout.contains("alice@example.test"), "one store for both nodes: {}", accounts.stdout);
}

#[test]
fn init_refuses_a_store_url_holding_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let url = "postgres://facteur:secret@db.example.test/mail";
    let refused = facteur(&dir, &["init", "--domain", "example.test", "--no-acme", "--store", url], None);
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("password_file"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("secret"), "the password is not echoed: {}", refused.stderr);
    assert!(!dir.exists(), "a refused init leaves no data directory");
}

#[test]
fn a_store_this_user_cannot_write_is_one_error_naming_the_path() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    init(&dir);
    // Root writes whatever the permissions say: run the command as `nobody` then, in a directory it may read.
    let as_root =
        Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    if as_root {
        for path in walk(tmp.path()) {
            let mode = if path.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    let store = dir.join("store");
    for path in walk(&store) {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let mut command = if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(env!("CARGO_BIN_EXE_facteur"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_facteur"))
    };
    let output = command.arg("--data-dir").arg(&dir).args(["domain", "add", "other.test"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&store.display().to_string()), "the path is named: {stderr}");
    assert_eq!(stderr.matches("Permission denied").count(), 1, "said once: {stderr}");
}

/// `root` and everything under it.
fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = vec![root.to_owned()];
    if root.is_dir() {
        for entry in std::fs::read_dir(root).unwrap() {
            found.extend(walk(&entry.unwrap().path()));
        }
    }
    found
}
