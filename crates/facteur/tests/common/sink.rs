//! `clients/smtp_sink.py`, the remote server of the outbound tests: plain text (no STARTTLS), PIPELINING; it
//! defers recipients whose local part starts with `defer-`, refuses those starting with `bounce-`, accepts the
//! others, and writes each message (connection, envelope, data) to a file.

use std::io::BufRead;
use std::time::{Duration, Instant};

pub struct Sink {
    process: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Sink {
    pub fn start() -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/smtp_sink.py");
        let mut process = std::process::Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(process.stdout.take().unwrap()).read_line(&mut line).unwrap();
        Sink { process, port: line.trim().parse().unwrap(), dir }
    }

    /// What the sink received, once it has at least `count` messages (or after 30 s).
    pub fn received_at_least(&self, count: usize) -> Vec<String> {
        self.received_within(count, Duration::from_secs(30))
    }

    /// What the sink received, once it has at least `count` messages (or after `timeout`), sorted.
    pub fn received_within(&self, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut found: Vec<String> = std::fs::read_dir(self.dir.path())
                .unwrap()
                .filter_map(|entry| entry.ok())
                .filter(|entry| !entry.file_name().to_string_lossy().ends_with(".tmp"))
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .collect();
            if found.len() >= count || Instant::now() > deadline {
                found.sort();
                return found;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
