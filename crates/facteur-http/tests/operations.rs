//! `/healthz` and `/metrics` on the operations listener, and the metric names every crate records with.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{TestServer, clients_available, curl};
use facteur_primitives::metrics::{self as names, MetricKind, labels};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_ok_and_unknown_paths_are_404() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let fetched = curl(server.ops_url("/healthz")).await;
    assert_eq!((fetched.status, fetched.text().as_str()), (200, "ok"));
    assert_eq!(curl(server.ops_url("/")).await.status, 404);
    assert_eq!(curl(server.ops_url("/metrics/../x")).await.status, 404);
}

/// Records one value for every metric, as the protocol crates will.
fn record_every_metric() {
    for metric in names::ALL {
        match metric.kind {
            MetricKind::Counter => {
                metrics::counter!(metric.name, labels::PROTOCOL => "imap", labels::REASON => "test").increment(1);
            }
            MetricKind::Gauge => metrics::gauge!(metric.name).set(3.0),
            MetricKind::Histogram => {
                metrics::histogram!(metric.name, labels::PROTOCOL => "imap", labels::COMMAND => "FETCH").record(0.003);
            }
        }
    }
}

/// A value of `name` (with all labels) in the text: the first sample line that starts with it.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find(|line| line.starts_with(series)).and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_output_has_every_metric_and_parses() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    record_every_metric();
    assert_eq!(curl(server.https_url(common::HOSTNAME, "/nothing-here")).await.status, 404);
    let fetched = curl(server.ops_url("/metrics")).await;
    assert_eq!(fetched.status, 200);
    assert!(fetched.content_type.starts_with("text/plain; version=0.0.4"), "{}", fetched.content_type);
    let text = fetched.text();
    for metric in names::ALL {
        let kind = match metric.kind {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        };
        assert!(text.contains(&format!("# TYPE {} {kind}\n", metric.name)), "{} missing:\n{text}", metric.name);
        assert!(text.contains(&format!("# HELP {} ", metric.name)), "{} has no help:\n{text}", metric.name);
    }
    assert!(text.contains("facteur_command_duration_seconds_bucket{protocol=\"imap\",command=\"FETCH\",le=\"0.005\"}"));
    assert!(sample(&text, "facteur_http_requests_total{status=\"404\"}").unwrap() >= 1.0, "{text}");
    assert!(sample(&text, "facteur_connections_total{protocol=\"https\"}").unwrap() >= 1.0, "{text}");
    check_exposition_format(&text);
    parse_with_prometheus_client(&text).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_between_scrapes() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let series = "facteur_auth_failures_total{protocol=\"pop3\"}";
    metrics::counter!(names::AUTH_FAILURES_TOTAL, labels::PROTOCOL => "pop3").increment(1);
    let before = sample(&curl(server.ops_url("/metrics")).await.text(), series).unwrap();
    metrics::counter!(names::AUTH_FAILURES_TOTAL, labels::PROTOCOL => "pop3").increment(2);
    let after = sample(&curl(server.ops_url("/metrics")).await.text(), series).unwrap();
    assert!(after >= before + 2.0, "{before} → {after}");
}

/// A strict reading of the text format (exposition format 0.0.4): comments are `# HELP`/`# TYPE` with a
/// valid name, samples are `name{label="value",…} number`, and a metric's samples follow its TYPE line.
fn check_exposition_format(text: &str) {
    let valid_name = |name: &str| {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut typed: Option<String> = None;
    for line in text.lines().filter(|line| !line.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (keyword, name, rest) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap_or(""));
            assert!(valid_name(name), "bad name in {line:?}");
            match keyword {
                "HELP" => {}
                "TYPE" => {
                    assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest), "{line:?}");
                    typed = Some(name.to_owned());
                }
                _ => panic!("unknown comment {line:?}"),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value in {line:?}"));
        assert!(value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value), "{line:?}");
        let name = series.split('{').next().unwrap();
        assert!(valid_name(name), "bad name in {line:?}");
        let family = typed.as_deref().unwrap_or_else(|| panic!("{line:?} before any TYPE"));
        assert!(name.starts_with(family), "{line:?} is not in family {family}");
        if let Some(labels) = series.strip_prefix(name)
            && !labels.is_empty()
        {
            let inner = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')).unwrap();
            for pair in inner.split("\",").filter(|pair| !pair.is_empty()) {
                let (label, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("{line:?}"));
                assert!(valid_name(label) && quoted.starts_with('"'), "{line:?}");
            }
        }
    }
}

/// The reference parser, when python3's prometheus_client is installed (Debian: python3-prometheus-client,
/// found by /usr/bin/python3 even when another python3 comes first on PATH).
async fn parse_with_prometheus_client(text: &str) {
    const PARSE: &str = "import sys, json\nfrom prometheus_client.parser import text_string_to_metric_families\n\
        print(json.dumps([f.name for f in text_string_to_metric_families(sys.stdin.read())]))";
    let has_client = |program: &str| {
        Command::new(program)
            .args(["-c", "import prometheus_client.parser"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let Some(program) = ["python3", "/usr/bin/python3"].into_iter().find(|program| has_client(program)) else {
        eprintln!("NOTICE: prometheus_client not installed; only the strict line check ran");
        return;
    };
    let families = common::python_json(program, PARSE, text.as_bytes().to_vec()).await;
    let families: Vec<String> = serde_json::from_value(families).unwrap();
    for metric in names::ALL {
        // The parser names counter families without their `_total` suffix.
        let family = metric.name.strip_suffix("_total").unwrap_or(metric.name);
        assert!(families.iter().any(|name| name == family), "{family} not parsed: {families:?}");
    }
}
