//! `facteur tls-report send`: the TLS-RPT reports (RFC 8460) of everything counted so far, now. The running
//! server sends each finished day's reports by itself; this is for operators (and tests) who will not wait for
//! midnight UTC. The reports are queued in the store, and the running server's delivery engine sends them.

use std::sync::Arc;

use facteur_primitives::unix_now;

use crate::cli::TlsReportCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};
use crate::handlers::Engines;

pub async fn run(data_dir: &DataDir, command: TlsReportCommand) -> Outcome {
    let TlsReportCommand::Send = command;
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = send(data_dir, &config, &store).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

async fn send(data_dir: &DataDir, config: &facteur_config::Config, store: &Arc<dyn facteur_store::Store>) -> Outcome {
    // No listener here, so bans would refuse nothing.
    let engines = Engines::new(config, Arc::clone(store), &data_dir.dkim_dir(), None, facteur_net::Bans::default())
        .map_err(|error| Failure::Runtime(error.into()))?;
    let engine = engines.outbound().map_err(|error| usage!("{error}"))?;
    let tomorrow = unix_now().div_euclid(facteur_delivery::tlsrpt::DAY) + 1;
    let sent = engine.send_tls_reports(tomorrow).await.map_err(store_failure)?;
    println!("{sent} TLS report(s) queued");
    Ok(())
}
