//! `facteur store migrate --to URL`: the data directory's SQLite store copied into PostgreSQL
//! (`facteur_store::migrate` does the copy and the verification), then `facteur.toml` pointed at it.
//!
//! The SQLite store stays locked from before the first row is read until the configuration names the new
//! store, so no server starts on it in between and no mail arrives in a store already copied.

use std::path::Path;

use anyhow::anyhow;
use facteur_config::{CONFIG_FILE, StoreBackend};
use facteur_store::migrate::{Event, MigrateError, Migration, Report, Source};

use crate::cli::{MigrateArgs, StoreCommand};
use crate::data_dir::DataDir;
use crate::failure::{Failure, Outcome, usage};
use crate::postgres_setup::PostgresSetup;

/// Where a PostgreSQL node stages content (`[store] path`) after the migration: not the SQLite store's
/// directory, whose files stay as they were for the operator to check and remove. A PostgreSQL node deletes
/// the staged files whose blob loses its last reference, which would empty the SQLite store bit by bit.
const STAGING_DIR: &str = "staging";

/// Test hooks, read only here: stop after this many committed batches (as a kill would), and rows per batch.
const STOP_AFTER_BATCHES: &str = "FACTEUR_TEST_MIGRATE_STOP_AFTER_BATCHES";
const BATCH_ROWS: &str = "FACTEUR_TEST_MIGRATE_BATCH_ROWS";

pub async fn run(data_dir: &DataDir, command: StoreCommand) -> Outcome {
    match command {
        StoreCommand::Migrate(args) => migrate(data_dir, &args).await,
    }
}

async fn migrate(data_dir: &DataDir, args: &MigrateArgs) -> Outcome {
    let config = data_dir.load_config()?;
    if config.store.backend == StoreBackend::Postgres {
        return Err(usage!(
            "{CONFIG_FILE} keeps the store in PostgreSQL already ({}): there is no SQLite store to migrate",
            config.store.url
        ));
    }
    let target = PostgresSetup::new(args.to.clone())
        .password_file(args.password_file.as_deref(), "--password-file")?
        .ca_file(args.ca_file.as_deref(), "--ca-file")?;
    let mut store = config.store.clone();
    target.apply(&mut store);
    store.path = STAGING_DIR.into();
    // Before the copy, so that a URL the server would refuse (a password in it) stops everything now.
    let text = std::fs::read_to_string(data_dir.config_path())
        .map_err(|error| usage!("cannot read {}: {error}", data_dir.config_path().display()))?;
    let new_text = facteur_config::edit::set_store(&text, &store).map_err(|error| usage!("--to: {error}"))?;
    let options = data_dir.postgres_options(&store)?;

    let sqlite_dir = data_dir.resolve(&config.store.path);
    let source = Source::open(&sqlite_dir).await.map_err(migrate_failure)?;
    println!("Copying the SQLite store in {} into {}:", source.dir().display(), target.url);
    let report = migration(options)?.run(&source, &mut print_event).await.map_err(migrate_failure)?;
    print_report(&report);
    if !report.is_identical() {
        return Err(Failure::Runtime(anyhow!(
            "the copy differs from the SQLite store (see above), so {CONFIG_FILE} still uses SQLite; empty the \
             database (or name a new one) and run the migration again"
        )));
    }
    data_dir.replace_config(&new_text)?;
    drop(source);
    print_done(data_dir, &sqlite_dir, &target.url);
    Ok(())
}

/// The migration, with the test hooks of the environment.
fn migration(options: facteur_store::PostgresOptions) -> Outcome<Migration> {
    let mut migration = Migration::new(options);
    if let Some(batches) = test_hook(STOP_AFTER_BATCHES)? {
        migration = migration.stop_after_batches(batches);
    }
    if let Some(rows) = test_hook(BATCH_ROWS)? {
        migration = migration.batch_rows(usize::try_from(rows).unwrap_or(usize::MAX));
    }
    Ok(migration)
}

fn test_hook(name: &str) -> Outcome<Option<u64>> {
    let Ok(value) = std::env::var(name) else { return Ok(None) };
    value.parse().map(Some).map_err(|_| usage!("{name}={value:?} is not a number"))
}

fn migrate_failure(error: MigrateError) -> Failure {
    match error {
        MigrateError::NoSource(_) | MigrateError::TargetNotEmpty(_) | MigrateError::OtherSource { .. } => {
            Failure::Usage(error.into())
        }
        other => Failure::Runtime(other.into()),
    }
}

fn print_event(event: Event) {
    match event {
        Event::Resumed => println!("  (resuming an interrupted copy: what it committed is kept)"),
        Event::AlreadyCopied => println!("  (the database holds a complete copy of this store: verifying it again)"),
        Event::TableCopied { table, rows } => println!("  {table:<20} {rows:>10} rows"),
        Event::Verifying => println!("Verifying: every row and every message's content, read back from both sides:"),
    }
}

fn print_report(report: &Report) {
    println!("  {:<20} {:>10} {:>11}", "table", "SQLite", "PostgreSQL");
    for table in &report.tables {
        let verdict = if table.identical { "identical" } else { "DIFFERENT" };
        println!("  {:<20} {:>10} {:>11}  {verdict}", table.table, table.source_rows, table.target_rows);
    }
    let content = &report.content;
    if content.mismatched_count == 0 {
        println!("  message content: {} blobs, {} bytes, the same SHA-256 on both sides", content.blobs, content.bytes);
    } else {
        println!("  message content: {} of {} blobs DIFFERENT, e.g.:", content.mismatched_count, content.blobs);
        content.mismatched.iter().for_each(|blob| println!("    {blob}"));
    }
}

fn print_done(data_dir: &DataDir, sqlite_dir: &Path, url: &str) {
    let dir = data_dir.root().display();
    println!("Done: {CONFIG_FILE} now keeps the store in {url} ([store] backend = \"postgres\"; staging files in");
    println!("{dir}/{STAGING_DIR}). Start the server again: facteur --data-dir {dir} serve");
    println!(
        "The SQLite store in {} is no longer used: keep it until you have checked the server on",
        sqlite_dir.display()
    );
    println!("PostgreSQL, then remove it. {dir}/dkim/ is shared with other nodes when `serve` first starts.");
}
