//! `facteur spam explain MESSAGE [--account ADDRESS]` and `facteur spam train --account ADDRESS --spam|--ham|--forget
//! PATH...`: why a message was judged so, and teaching an account's classifier by hand (a Maildir of old spam).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use facteur_config::Config;
use facteur_primitives::unix_now;
use facteur_spam::{Judged, Judgement, Thresholds, Verdict, content};
use facteur_store::{Account, SpamClass, Store};

use crate::cli::SpamCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};

/// Messages read from one directory at most (a mistaken `/` must not read the disk).
const MAX_FILES: usize = 100_000;

pub async fn run(data_dir: &DataDir, command: SpamCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let outcome = match command {
        SpamCommand::Explain { message, account } => explain(&config, &store, &message, account.as_deref()).await,
        SpamCommand::Train { account, spam, ham, forget: _, paths } => {
            let class = if spam {
                Some(SpamClass::Spam)
            } else if ham {
                Some(SpamClass::Ham)
            } else {
                None
            };
            train(&store, &account, class, &paths).await
        }
    };
    let closed = store.close().await;
    outcome?;
    closed.map_err(store_failure)
}

async fn explain(config: &Config, store: &Arc<dyn Store>, path: &Path, address: Option<&str>) -> Outcome {
    let raw = read_message(path)?;
    let summary = facteur_message::ingest(&raw);
    println!("When it arrived:");
    let recorded = recorded_verdict(&raw);
    if recorded.is_empty() {
        println!("  no X-Spam-Status field: it was not judged here (sent by a user, or [spam] was off)");
    }
    for field in recorded {
        println!("  {field}");
    }
    let thresholds = crate::handlers::spam_thresholds(config);
    let account = match address {
        Some(address) => Some(account(store, address).await?),
        None => None,
    };
    let local_domains: Vec<String> =
        account.iter().filter_map(|account| account.address.rsplit_once('@')).map(|(_, d)| d.to_owned()).collect();
    let facts = content::Facts { raw: &raw, summary: &summary, now: unix_now(), local_domains: &local_domains };
    let verdict = Verdict { reasons: content::check(&facts), known_correspondent: None, decided: None };
    let Some(account) = account else {
        print_verdict("Its content now (without DNS lists, rspamd or an account):", &verdict, &thresholds);
        return Ok(());
    };
    let from = summary.envelope.from.first().and_then(|from| from.addr_spec()).map(|from| from.to_lowercase());
    let judgement = Judgement {
        verdict,
        thresholds,
        hostname: config.server.hostname.clone(),
        // A file says nothing of how it was authenticated; its From: is taken at its word here, which only
        // matters for "is a correspondent", and the output says so.
        authenticated_from: from,
        bayes: config.spam.bayes,
        summary: summary.clone(),
    };
    let judged = Judged::new(&raw, &summary);
    let assessed = judgement.assess(store.as_ref(), account.id, &judged).await.map_err(store_failure)?;
    let title = format!("For {} now (its From: taken as authenticated):", account.address);
    print_verdict(&title, &assessed.verdict, &thresholds);
    Ok(())
}

fn print_verdict(title: &str, verdict: &Verdict, thresholds: &Thresholds) {
    println!("{title}");
    for reason in &verdict.reasons {
        println!("  {:<22} {:+8.1}  {}", reason.rule, reason.score, reason.detail);
    }
    if let Some(correspondent) = &verdict.known_correspondent {
        println!(
            "  {:<22} {:>8}  {correspondent} is written to by the account: never junked",
            "KNOWN_CORRESPONDENT", ""
        );
    }
    if verdict.reasons.is_empty() && verdict.known_correspondent.is_none() {
        println!("  no rule matched");
    }
    let reject = thresholds.reject.map_or("never".to_owned(), |reject| format!("{reject:.1}"));
    println!(
        "  score {:.1} (junk at {:.1}, reject at {reject}): {}",
        verdict.score(),
        thresholds.junk,
        verdict.action(thresholds).as_str()
    );
}

/// The `X-Spam-*` fields at the top of the message, unfolded.
fn recorded_verdict(raw: &[u8]) -> Vec<String> {
    let header = &raw[..facteur_message::header_length(raw)];
    facteur_message::header_fields(header)
        .filter(|field| facteur_spam::OUR_FIELDS.iter().any(|name| field.name_is(name)))
        .map(|field| format!("{}: {}", String::from_utf8_lossy(field.name), field.unfolded_value()))
        .collect()
}

async fn train(store: &Arc<dyn Store>, address: &str, class: Option<SpamClass>, paths: &[PathBuf]) -> Outcome {
    let account = account(store, address).await?;
    let files = message_files(paths)?;
    let (mut changed, mut known) = (0usize, 0usize);
    for file in &files {
        let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let learnt = facteur_spam::training::learn(store.as_ref(), account.id, &raw, class).await;
        if learnt.map_err(store_failure)? {
            changed += 1;
        } else {
            known += 1;
        }
    }
    match class {
        Some(class) => {
            println!("{}: {changed} messages learnt as {}, {known} already so", account.address, class.as_str());
        }
        None => println!("{}: {changed} messages forgotten, {known} not learnt before", account.address),
    }
    Ok(())
}

async fn account(store: &Arc<dyn Store>, address: &str) -> Outcome<Account> {
    store.account_by_address(address).await.map_err(store_failure)?.ok_or_else(|| usage!("no account {address}"))
}

fn read_message(path: &Path) -> Outcome<Vec<u8>> {
    if path == Path::new("-") {
        let mut raw = Vec::new();
        std::io::stdin().read_to_end(&mut raw).context("cannot read the message from standard input")?;
        return Ok(raw);
    }
    Ok(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
}

/// The message files of `paths`: files as they are, directories' files (and a Maildir's `cur/` and `new/`),
/// hidden files left out.
fn message_files(paths: &[PathBuf]) -> Outcome<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            for dir in [path.clone(), path.join("cur"), path.join("new")] {
                let Ok(entries) = std::fs::read_dir(&dir) else { continue };
                for entry in entries.flatten() {
                    let hidden = entry.file_name().to_string_lossy().starts_with('.');
                    if !hidden && entry.path().is_file() && files.len() < MAX_FILES {
                        files.push(entry.path());
                    }
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(usage!("{} is neither a message file nor a directory", path.display()));
        }
    }
    files.sort();
    Ok(files)
}
