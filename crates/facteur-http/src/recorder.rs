//! The process-wide Prometheus recorder behind the `metrics` facade, and the handle that renders it.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use facteur_net::ShutdownSignal;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use facteur_primitives::metrics::{self as names, MetricKind};

/// How often [`MetricsHandle::run_upkeep_until`] drains recorded histogram samples, so that memory stays
/// bounded when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Another library installed its own global recorder first.
    #[error("cannot install the Prometheus metrics recorder: {0}")]
    Install(#[from] BuildError),
}

/// Renders the current values of every metric; cheap to clone.
#[derive(Debug, Clone)]
pub struct MetricsHandle {
    prometheus: PrometheusHandle,
}

/// The recorder is global to the process (the `metrics` facade has one slot), so the first installation
/// is kept and handed out again: a test that starts several servers in one process gets the same handle.
static INSTALLED: Mutex<Option<MetricsHandle>> = Mutex::new(None);

/// Installs the Prometheus recorder as the process's `metrics` recorder (once; later calls return the same
/// handle) and describes every metric in [`names::ALL`].
pub fn install_metrics() -> Result<MetricsHandle, MetricsError> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let prometheus = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(names::COMMAND_DURATION_SECONDS.to_owned()), names::LATENCY_BUCKETS)?
        .install_recorder()?;
    describe_all();
    let handle = MetricsHandle { prometheus };
    *installed = Some(handle.clone());
    Ok(handle)
}

fn describe_all() {
    for metric in names::ALL {
        match metric.kind {
            MetricKind::Counter => metrics::describe_counter!(metric.name, metric.help),
            MetricKind::Gauge => metrics::describe_gauge!(metric.name, metric.help),
            MetricKind::Histogram => {
                metrics::describe_histogram!(metric.name, metrics::Unit::Seconds, metric.help);
            }
        }
    }
}

impl MetricsHandle {
    /// The Prometheus text exposition format (version 0.0.4) of every metric recorded so far.
    pub fn render(&self) -> String {
        self.prometheus.render()
    }

    /// Drains histogram samples into their buckets every few seconds until `shutdown`. Without it, samples
    /// recorded between scrapes accumulate in memory; the caller spawns it next to the listeners.
    pub async fn run_upkeep_until(self, shutdown: impl Into<ShutdownSignal>) {
        let mut shutdown = shutdown.into();
        let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            tokio::select! {
                () = shutdown.triggered() => return,
                _ = ticks.tick() => self.prometheus.run_upkeep(),
            }
        }
    }
}
