//! The delivery log and what is built on it, against the real binary: one line per recipient, inbound and
//! outbound, in text and JSON (`[log] format`), with stable field names; `facteur trace` finding a message a
//! day later; `facteur stats` and `/metrics` agreeing on a scripted mix of delivered, deferred and bounced
//! mail. The remote server is `clients/smtp_sink.py` (no TLS; it defers `defer-…` and refuses `bounce-…`).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::BufRead;
use std::process::Command;
use std::time::{Duration, Instant};

use facteur_config::LogFormat;
use facteur_testkit::TestServer;
use serde_json::Value;

mod common;
use common::sink::Sink;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const DAY: i64 = 86_400;

#[test]
fn each_recipient_is_one_json_line_and_trace_finds_it_a_day_later() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.log.format = LogFormat::Json;
            config.relay.routes.insert("remote.test".into(), route);
        })
        .start();
    submit(&a, &["ok@remote.test", "bounce-1@remote.test"], "one delivered, one bounced");

    let lines = wait_for(|| {
        let lines = delivery_lines(&a.log());
        (lines.iter().filter(|line| line["direction"] == "out").count() >= 2).then_some(lines)
    });
    let find = |direction: &str, to: &str| {
        let found = lines.iter().find(|line| line["direction"] == direction && line["to"] == to);
        found.unwrap_or_else(|| panic!("no {direction} line for {to} in {lines:#?}")).clone()
    };
    let delivered = find("out", "ok@remote.test");
    assert_eq!(delivered["result"], "delivered");
    assert_eq!(delivered["from"], ALICE);
    assert_eq!(delivered["remote_host"], "127.0.0.1");
    assert_eq!(delivered["remote_ip"], "127.0.0.1");
    assert_eq!(delivered["tls"], "", "the sink offers no STARTTLS");
    assert_eq!(delivered["tls_verified"], false);
    assert!(delivered["reply"].as_str().unwrap().starts_with("250 2.0.0"), "{delivered}");
    assert!(delivered["queue_id"].as_i64().is_some(), "{delivered}");
    assert!(delivered["delay_secs"].as_i64().is_some_and(|secs| secs >= 0), "{delivered}");
    let bounced = find("out", "bounce-1@remote.test");
    assert_eq!(bounced["result"], "bounced");
    assert!(bounced["reply"].as_str().unwrap().starts_with("550 5.1.1"), "{bounced}");
    assert_eq!(bounced["queue_id"], delivered["queue_id"], "one message, one queue id");
    let accepted = find("in", "ok@remote.test");
    assert_eq!((accepted["result"].as_str(), accepted["account"].as_str()), (Some("accepted"), Some(ALICE)));
    assert_eq!(accepted["tls"], "TLSv1.3", "submission over implicit TLS");

    let tomorrow = (now() + DAY).to_string();
    let trace = wait_for(|| {
        let output = a.cli(&["trace", "ok@remote.test", "--since", "2d", "--now", &tomorrow], None);
        output.stdout.contains("delivered").then_some(output)
    });
    assert!(trace.success(), "{trace:?}");
    assert!(trace.stdout.contains("<alice@example.test> -> <ok@remote.test>"), "{}", trace.stdout);
    assert!(trace.stdout.contains("via 127.0.0.1 [127.0.0.1], no TLS"), "{}", trace.stdout);
    let by_domain = a.cli(&["trace", "--domain", "remote.test", "--now", &tomorrow], None);
    assert!(by_domain.stdout.contains("bounced") && by_domain.stdout.contains("550 5.1.1"), "{}", by_domain.stdout);
    let too_recent = a.cli(&["trace", "ok@remote.test", "--since", "1h", "--now", &tomorrow], None);
    assert!(too_recent.stdout.contains("nothing in the delivery history"), "{}", too_recent.stdout);
    let queue_id = delivered["queue_id"].as_i64().unwrap().to_string();
    let by_queue = a.cli(&["trace", &queue_id], None);
    assert_eq!(by_queue.stdout.matches(" out ").count(), 2, "{}", by_queue.stdout);
}

#[test]
fn refused_and_accepted_inbound_recipients_are_text_lines_with_quoted_values() {
    let a = TestServer::builder().account(ALICE, ALICE_PASSWORD).start();
    let replies = smtp_dialogue(
        &a,
        &[
            "EHLO client.remote.test",
            "MAIL FROM:<someone@remote.test>",
            "RCPT TO:<alice@example.test>",
            "RCPT TO:<nobody@example.test>",
            "DATA",
            "Subject: hello\r\n\r\nhi\r\n.",
            "QUIT",
        ],
    );
    assert_eq!(replies, ["220", "250", "250", "250", "550", "354", "250", "221"]);
    let log = wait_for(|| {
        let log = a.log();
        (log.matches("facteur::delivery").count() >= 2).then_some(log)
    });
    let line = |to: &str| log.lines().find(|line| line.contains(&format!("to=\"{to}\""))).unwrap().to_owned();
    let refused = line("nobody@example.test");
    assert!(refused.contains(r#"direction="in" result="refused""#), "{refused}");
    assert!(refused.contains(r#"from="someone@remote.test""#), "{refused}");
    assert!(refused.contains(r#"remote_host="client.remote.test" remote_ip="127.0.0.1""#), "{refused}");
    assert!(refused.contains(r#"reply="550 5.1.1 No such user here""#), "{refused}");
    let accepted = line("alice@example.test");
    assert!(accepted.contains(r#"result="accepted""#) && !accepted.contains("Some("), "{accepted}");

    let trace = wait_for(|| {
        let output = a.cli(&["trace", "nobody@example.test"], None);
        output.stdout.contains("refused").then_some(output)
    });
    assert!(trace.stdout.contains("from client.remote.test [127.0.0.1], no TLS: 550 5.1.1"), "{}", trace.stdout);
}

#[test]
fn stats_and_metrics_agree_on_seventy_delivered_twenty_deferred_ten_bounced() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), route);
            config.http.metrics_bind = vec!["127.0.0.1:0".parse().unwrap()];
            // A hundred messages in a minute from a new account is what `[outbound]`'s volume rule holds (its
            // default floor is 100); this test is about the counts of what is delivered.
            config.outbound.hold_volume_factor = 0;
        })
        .start();
    let recipients: Vec<String> = (0..70)
        .map(|n| format!("ok-{n}@remote.test"))
        .chain((0..20).map(|n| format!("defer-{n}@remote.test")))
        .chain((0..10).map(|n| format!("bounce-{n}@remote.test")))
        .collect();
    let submission = a.submission(ALICE, ALICE_PASSWORD);
    for to in &recipients {
        let email = lettre::Message::builder().from(ALICE.parse().unwrap()).to(to.parse().unwrap());
        submission.send(email.subject("mix").body("One of a hundred.\r\n".to_owned()).unwrap());
    }

    let stats = wait_for(|| {
        let output = a.cli(&["stats"], None);
        output.stdout.contains("last 24 hours  100 in all").then_some(output)
    });
    let expected = "last 24 hours  100 in all: 70 delivered (70.0%), 20 deferred (20.0%), 10 bounced (10.0%)";
    assert!(stats.stdout.contains(expected), "{}", stats.stdout);
    assert!(stats.stdout.contains("remote.test"), "{}", stats.stdout);
    assert!(stats.stdout.contains("10  550 5.1.1"), "the bounce reason: {}", stats.stdout);

    let count = |result| metric(&a, "facteur_deliveries_total", &[("result", result)]);
    let (delivered, deferred, bounced) = (count("delivered"), count("deferred"), count("bounced"));
    assert_eq!((delivered, deferred, bounced), (70.0, 20.0, 10.0));
    assert!((bounced / (delivered + deferred + bounced) - 0.10).abs() < 1e-9);
    let by_domain =
        metric(&a, "facteur_deliveries_by_domain_total", &[("domain", "remote.test"), ("result", "bounced")]);
    assert_eq!(by_domain, 10.0);
    let queued = wait_for(|| {
        let queued = metric(&a, "facteur_queue_recipients", &[]);
        (queued == 20.0).then_some(queued)
    });
    assert_eq!(queued, 20.0, "the deferred recipients wait in the queue");
    assert!(metric(&a, "facteur_connections_total", &[("protocol", "submission")]) >= 1.0);
    let ehlo = [("protocol", "submission"), ("command", "EHLO")];
    assert!(metric(&a, "facteur_commands_total", &ehlo) >= 1.0);
    assert!(metric(&a, "facteur_command_duration_seconds_count", &ehlo) >= 1.0);
}

/// The `facteur::delivery` lines of a JSON log, parsed.
fn delivery_lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "facteur::delivery")
        .collect()
}

/// Samples of `name` as (their labels, value), read by prometheus_client's reference parser.
fn metric_samples(server: &TestServer, name: &str) -> Vec<(serde_json::Map<String, Value>, f64)> {
    let url = format!("http://{}/metrics", server.addr("metrics"));
    let exposition = Command::new("curl").args(["--silent", "--fail", &url]).output().unwrap();
    assert!(exposition.status.success(), "{exposition:?}");
    let parse = "import sys, json\nfrom prometheus_client.parser import text_string_to_metric_families\n\
        print(json.dumps([[s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read())\n\
        \x20   for s in f.samples if s.name == sys.argv[1]]))\n";
    let mut python = Command::new(python_with_prometheus_client())
        .args(["-c", parse, name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut python.stdin.take().unwrap(), &exposition.stdout).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(output.status.success(), "prometheus_client: {output:?}");
    let samples: Vec<(serde_json::Map<String, Value>, f64)> = serde_json::from_slice(&output.stdout).unwrap();
    samples
}

/// The value of the sample of `name` whose labels include all of `labels`, 0 if there is none.
fn metric(server: &TestServer, name: &str, labels: &[(&str, &str)]) -> f64 {
    let samples = metric_samples(server, name);
    let matching = |sample: &&(serde_json::Map<String, Value>, f64)| {
        labels.iter().all(|(key, value)| sample.0.get(*key).and_then(Value::as_str) == Some(*value))
    };
    samples.iter().find(matching).map_or(0.0, |(_, value)| *value)
}

/// Debian's python3-prometheus-client is found by /usr/bin/python3 even when another python3 comes first on PATH.
fn python_with_prometheus_client() -> &'static str {
    let has_client = |program: &str| {
        Command::new(program).args(["-c", "import prometheus_client.parser"]).output().is_ok_and(|o| o.status.success())
    };
    ["python3", "/usr/bin/python3"].into_iter().find(|program| has_client(program)).unwrap_or("python3")
}

fn submit(server: &TestServer, recipients: &[&str], subject: &str) {
    let mut email = lettre::Message::builder().from(ALICE.parse().unwrap());
    for to in recipients {
        email = email.to(to.parse().unwrap());
    }
    server.submission(ALICE, ALICE_PASSWORD).send(email.subject(subject).body("Hello.\r\n".to_owned()).unwrap());
}

/// The commands' reply codes over the MX listener, the greeting's first.
fn smtp_dialogue(server: &TestServer, commands: &[&str]) -> Vec<String> {
    use std::io::Write;
    let stream = std::net::TcpStream::connect(server.addr("smtp")).unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut reply = || loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.as_bytes().get(3) != Some(&b'-') {
            return line[..3].to_owned();
        }
    };
    let mut codes = vec![reply()];
    for command in commands {
        writer.write_all(format!("{command}\r\n").as_bytes()).unwrap();
        codes.push(reply());
    }
    codes
}

/// Polls `check` for up to 30 s: the history is written just after the log line, and delivery takes a moment.
fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "not seen within 30 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
