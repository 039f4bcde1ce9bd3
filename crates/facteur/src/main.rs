//! `facteur`: the binary. Parses the command line, loads the data directory's configuration and runs a command.
//! Everything of substance lives in the library crates; this one wires them together.

mod acme_peers;
mod admin_site;
mod certificates;
mod cli;
mod commands;
mod data_dir;
mod failure;
mod handlers;
mod http;
mod logging;
mod password_input;
mod postgres_setup;
mod quickstart;
mod shared_files;
mod srs_secret;
mod text_indexer;
mod warnings;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::data_dir::DataDir;
use crate::failure::Outcome;

/// jemalloc, not glibc's malloc: memory freed after a burst (a 10 MB attachment parsed, a thousand sessions
/// gone) goes back to the system within seconds, where glibc's per-thread arenas kept it for good (RSS 24 MB →
/// 189 MB over five rounds of bench/memory_hostile.sh, never falling). Its background threads purge pages
/// unused for the decay time (1 s, set in .cargo/config.toml) even when no allocation happens, so an idle
/// server shrinks too.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2, as our own usage errors do.
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("facteur: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("facteur: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Outcome {
    let data_dir = DataDir::new(cli.data_dir);
    match cli.command {
        Command::Init(args) => commands::init::run(&data_dir, &args).await,
        Command::Serve(args) => commands::serve::run(&data_dir, &args).await,
        Command::Account(command) => commands::account::run(&data_dir, command).await,
        Command::Domain(command) => commands::domain::run(&data_dir, command).await,
        Command::Alias(command) => commands::alias::run(&data_dir, command).await,
        Command::Queue(command) => commands::queue::run(&data_dir, command).await,
        Command::Dkim(command) => commands::dkim::run(&data_dir, command).await,
        Command::Store(command) => commands::store::run(&data_dir, command).await,
        Command::DnsRecords(args) => commands::dns_records::run(&data_dir, &args).await,
        Command::TlsReport(command) => commands::tls_report::run(&data_dir, command).await,
        Command::Trace(args) => commands::trace::run(&data_dir, &args).await,
        Command::Spam(command) => commands::spam::run(&data_dir, command).await,
        Command::Stats(args) => commands::stats::run(&data_dir, &args).await,
        Command::Reindex(args) => commands::reindex::run(&data_dir, &args).await,
        Command::Import(command) => commands::import::run(&data_dir, command).await,
        Command::Export(args) => commands::export::run(&data_dir, &args).await,
        Command::Backup(args) => commands::backup::run(&data_dir, &args).await,
        Command::Restore(args) => commands::restore::run(&data_dir, &args).await,
    }
}
