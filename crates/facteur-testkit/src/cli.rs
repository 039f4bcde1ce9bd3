use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the `facteur` binary is: `$FACTEUR_BIN` if set, else next to the test executable's directory (cargo puts
/// test binaries in `target/<profile>/deps/` and the binary in `target/<profile>/`).
pub fn facteur_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FACTEUR_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current test executable");
    let profile_dir = exe.parent().and_then(Path::parent).expect("test executable inside target/<profile>/deps");
    let binary = profile_dir.join("facteur");
    assert!(
        binary.exists(),
        "{} does not exist: build it first (`cargo build -p facteur`) or set FACTEUR_BIN",
        binary.display()
    );
    binary
}

/// What a one-shot command printed and how it ended.
#[derive(Debug)]
pub struct CliOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `facteur --data-dir DIR ARGS…` with `stdin` piped in, and waits for it.
pub fn run(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> CliOutput {
    let mut child = Command::new(facteur_binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn facteur");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    let output = child.wait_with_output().expect("wait for facteur");
    CliOutput {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether an external program (a client, a CA, a tool) is installed. `.ci/run` installs them all, so under CI a
/// missing one fails the test; on a developer's machine the test says loudly that it did not run.
pub fn tool_available(tool: &str) -> bool {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{tool} is not installed: .ci/run should have installed it");
        eprintln!("SKIPPED: {tool} is not installed (bash .ci/run installs it)");
    }
    found
}

/// A port base (`init --port-base`, `serve --port-base`) whose standard ports are all free now: a test must not
/// depend on a fixed port being free (the bench peers hold 10110, 10143, 10993, 10995).
pub fn free_port_base() -> u16 {
    const OFFSETS: [u16; 10] = [25, 587, 465, 143, 993, 110, 995, 80, 443, 4190];
    // Spread the tries over the range so parallel tests rarely pick the same base.
    let seed =
        std::process::id().wrapping_mul(7919) ^ std::time::UNIX_EPOCH.elapsed().unwrap_or_default().subsec_nanos();
    for attempt in 0..200u32 {
        let base = 20_000 + u16::try_from((seed.wrapping_add(attempt.wrapping_mul(977))) % 40_000).unwrap_or(0);
        let all_free = OFFSETS.iter().all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok());
        if all_free {
            return base;
        }
    }
    panic!("no port base with ten free ports found");
}
