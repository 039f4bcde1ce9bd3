//! Durable deliveries per second, the SMTP hot path: `cargo run --release -p facteur-store --example deliver_bench`.
//!
//! Each configuration opens a fresh store (fsync on, as in production) in a temporary directory and lets N
//! concurrent tasks deliver distinct messages to their own account's INBOX for a few seconds.
//! Options: `--size BYTES` (default 5000), `--seconds S` (default 3), `--tasks 1,10,50`, `--mode file,content`,
//! `--inline-max BYTES` (the store's threshold, default `DEFAULT_INLINE_MAX`).
//! `file` is `blobs().put` + `deliver` (one blob file per message); `content` is `deliver_content` (the store
//! chooses: inline in the database transaction below its threshold, a file above).

// A benchmark: a failed unwrap is a failed run.
#![allow(clippy::unwrap_used)]

use facteur_primitives::ThreadKeys;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use facteur_store::{Delivery, DeliveryTarget, SqliteOptions, SqliteStore, Store};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    File,
    Content,
}

struct Options {
    size: usize,
    seconds: u64,
    tasks: Vec<usize>,
    modes: Vec<Mode>,
    store: SqliteOptions,
}

fn parse_options() -> Options {
    let mut options = Options {
        size: 5000,
        seconds: 3,
        tasks: vec![1, 10, 50],
        modes: vec![Mode::File, Mode::Content],
        store: SqliteOptions::default(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        match pair[0].as_str() {
            "--size" => options.size = value.parse().unwrap(),
            "--seconds" => options.seconds = value.parse().unwrap(),
            "--inline-max" => options.store.inline_max = value.parse().unwrap(),
            "--tasks" => options.tasks = value.split(',').map(|n| n.parse().unwrap()).collect(),
            "--mode" => {
                options.modes = value
                    .split(',')
                    .map(|mode| match mode {
                        "file" => Mode::File,
                        "content" => Mode::Content,
                        other => panic!("unknown mode {other:?} (file or content)"),
                    })
                    .collect();
            }
            other => panic!("unknown option {other:?}"),
        }
    }
    options
}

/// A distinct message of exactly `size` bytes (at least its header line).
fn message(task: usize, n: u64, size: usize) -> Vec<u8> {
    let mut content = format!("Subject: bench {task}/{n}\r\n\r\n").into_bytes();
    content.resize(size.max(content.len()), b'x');
    content
}

async fn deliver_one(store: &Arc<SqliteStore>, mode: Mode, content: Vec<u8>, target: DeliveryTarget) {
    let (summary, internal_date, targets) = (b"summary".to_vec(), 1_700_000_000, vec![target]);
    match mode {
        Mode::File => {
            let blobs = store.blobs().clone();
            let blob = tokio::task::spawn_blocking(move || blobs.put(&content)).await.unwrap().unwrap();
            store
                .deliver(Delivery { text: None, blob, summary, internal_date, targets, thread: ThreadKeys::default() })
                .await
                .unwrap();
        }
        Mode::Content => {
            store
                .deliver_content(content.into(), summary, internal_date, targets, ThreadKeys::default(), None)
                .await
                .unwrap();
        }
    }
}

/// Deliveries per second with `tasks` concurrent deliverers.
async fn measure(options: &Options, mode: Mode, tasks: usize) -> f64 {
    let (size, seconds) = (options.size, options.seconds);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_with(dir.path(), options.store.clone()).await.unwrap());
    store.add_domain("example.com").await.unwrap();
    let mut accounts = Vec::new();
    for task in 0..tasks {
        accounts.push(store.create_account(&format!("user{task}@example.com"), "hash").await.unwrap());
    }
    let delivered = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for (task, account) in accounts.into_iter().enumerate() {
        let (store, delivered) = (store.clone(), delivered.clone());
        handles.push(tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < deadline {
                n += 1;
                deliver_one(&store, mode, message(task, n, size), DeliveryTarget::inbox(account)).await;
                delivered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    let rate = delivered.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    store.close().await.unwrap();
    rate
}

fn main() {
    let options = parse_options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!(
        "{} byte messages, {} s per run, fsync on, inline up to {} bytes",
        options.size, options.seconds, options.store.inline_max
    );
    println!("{:>8} {:>6} {:>14}", "mode", "tasks", "deliveries/s");
    for &mode in &options.modes {
        for &tasks in &options.tasks {
            let rate = runtime.block_on(measure(&options, mode, tasks));
            let name = if mode == Mode::File { "file" } else { "content" };
            println!("{name:>8} {tasks:>6} {rate:>14.0}");
        }
    }
}
