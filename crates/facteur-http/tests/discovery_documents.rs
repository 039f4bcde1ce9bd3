//! Every discovery document fetched over HTTPS with curl and read with an independent parser (python3's
//! xml.etree and plistlib, serde_json), checking every server, port and socket type.

#![allow(clippy::unwrap_used)]

mod common;

use common::{HOSTNAME, TestServer, clients_available, curl, percent_encode, python_json};
use facteur_testkit::in_process::LOCAL_DOMAIN;
use serde_json::json;

/// Prints the autoconfig servers as JSON, in document order.
const READ_AUTOCONFIG: &str = r#"
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
provider = root.find('emailProvider')
servers = [{'kind': s.tag, 'type': s.get('type'), 'hostname': s.findtext('hostname'), 'port': s.findtext('port'),
            'socketType': s.findtext('socketType'), 'username': s.findtext('username'),
            'authentication': s.findtext('authentication')}
           for s in provider if s.tag in ('incomingServer', 'outgoingServer')]
print(json.dumps({'version': root.get('version'), 'id': provider.get('id'),
                  'domain': provider.findtext('domain'), 'servers': servers}))
"#;

/// Prints the Autodiscover POX answer as JSON, namespaces stripped.
const READ_AUTODISCOVER: &str = r#"
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
local = lambda tag: tag.split('}')[-1]
def text(element, name):
    return next((child.text for child in element if local(child.tag) == name), None)
response = next(child for child in root if local(child.tag) == 'Response')
user = next(child for child in response if local(child.tag) == 'User')
account = next(child for child in response if local(child.tag) == 'Account')
protocols = [{name: text(p, name) for name in ('Type', 'Server', 'Port', 'LoginName', 'SSL', 'Encryption', 'AuthRequired')}
             for p in account if local(p.tag) == 'Protocol']
print(json.dumps({'root_ns': root.tag.split('}')[0][1:], 'display_name': text(user, 'DisplayName'),
                  'smtp_address': text(user, 'AutoDiscoverSMTPAddress'), 'action': text(account, 'Action'),
                  'protocols': protocols}))
"#;

const READ_PLIST: &str = r#"
import sys, json, plistlib
print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))
"#;

fn autoconfig_servers() -> serde_json::Value {
    let server = |kind: &str, kind_type: &str, port: &str, socket: &str| {
        json!({"kind": kind, "type": kind_type, "hostname": HOSTNAME, "port": port, "socketType": socket,
               "username": "%EMAILADDRESS%", "authentication": "password-cleartext"})
    };
    json!([
        server("incomingServer", "imap", "993", "SSL"),
        server("incomingServer", "imap", "143", "STARTTLS"),
        server("incomingServer", "pop3", "995", "SSL"),
        server("incomingServer", "pop3", "110", "STARTTLS"),
        server("outgoingServer", "smtp", "465", "SSL"),
        server("outgoingServer", "smtp", "587", "STARTTLS"),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoconfig_by_address_lists_every_server_with_its_socket_type() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let path = format!("/mail/config-v1.1.xml?emailaddress={}", percent_encode("Alice@Example.com"));
    let fetched = curl(server.https_url("autoconfig.example.com", &path)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert!(fetched.content_type.starts_with("application/xml"), "{}", fetched.content_type);
    let document = python_json("python3", READ_AUTOCONFIG, fetched.body).await;
    assert_eq!(document["version"], "1.1");
    assert_eq!(document["id"], LOCAL_DOMAIN);
    assert_eq!(document["domain"], LOCAL_DOMAIN);
    assert_eq!(document["servers"], autoconfig_servers());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_known_autoconfig_finds_the_domain_from_the_host_header() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    for host in ["autoconfig.example.com", "example.com"] {
        let fetched = curl(server.https_url(host, "/.well-known/autoconfig/mail/config-v1.1.xml")).await;
        assert_eq!(fetched.status, 200, "{host}: {}", fetched.text());
        let document = python_json("python3", READ_AUTOCONFIG, fetched.body).await;
        assert_eq!(document["servers"], autoconfig_servers(), "{host}");
    }
}

fn autodiscover_request(address_xml: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>{address_xml}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>"#
    )
}

fn post(server: &TestServer, path: &str, body: String) -> Vec<String> {
    let mut args = vec!["-X".into(), "POST".into(), "-H".into(), "Content-Type: text/xml".into()];
    args.extend(["--data-binary".into(), body]);
    args.extend(server.https_url("autodiscover.example.com", path));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autodiscover_pox_echoes_the_address_and_lists_protocols() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let body = autodiscover_request("bob@example.com");
    let fetched = curl(post(&server, "/Autodiscover/Autodiscover.xml", body)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    let answer = python_json("python3", READ_AUTODISCOVER, fetched.body).await;
    assert_eq!(answer["root_ns"], "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006");
    assert_eq!(answer["display_name"], "bob@example.com");
    assert_eq!(answer["smtp_address"], "bob@example.com");
    assert_eq!(answer["action"], "settings");
    let protocol = |kind: &str, port: &str, encryption: &str| {
        json!({"Type": kind, "Server": HOSTNAME, "Port": port, "LoginName": "bob@example.com", "SSL": "on",
               "Encryption": encryption, "AuthRequired": "on"})
    };
    let expected = json!([
        protocol("IMAP", "993", "SSL"),
        protocol("IMAP", "143", "TLS"),
        protocol("POP3", "995", "SSL"),
        protocol("POP3", "110", "TLS"),
        protocol("SMTP", "465", "SSL"),
        protocol("SMTP", "587", "TLS"),
    ]);
    assert_eq!(answer["protocols"], expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_address_with_markup_characters_is_escaped() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    // Angle brackets are refused in any address (facteur-primitives), so `&` and quotes carry the test.
    let address = r#""x&y'z"@example.com"#;
    let body = autodiscover_request("&quot;x&amp;y&apos;z&quot;@example.com");
    let fetched = curl(post(&server, "/autodiscover/autodiscover.xml", body)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    let raw = fetched.text();
    assert!(!raw.contains("x&y") && raw.contains("x&amp;y"), "{raw}");
    let answer = python_json("python3", READ_AUTODISCOVER, fetched.body).await;
    assert_eq!(answer["display_name"], address);
    assert_eq!(answer["protocols"][0]["LoginName"], address);

    let path = format!("/apple/mail.mobileconfig?emailaddress={}", percent_encode(address));
    let fetched = curl(server.https_url(HOSTNAME, &path)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert!(!fetched.text().contains("x&y"));

    let markup = autodiscover_request("&quot;x&lt;y&gt;&quot;@example.com");
    let refused = curl(post(&server, "/autodiscover/autodiscover.xml", markup)).await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    let profile = python_json("python3", READ_PLIST, fetched.body).await;
    assert_eq!(profile["PayloadContent"][0]["EmailAddress"], address);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autodiscover_json_points_outlook_to_the_pox_endpoint() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let expected =
        json!({"Protocol": "AutodiscoverV1", "Url": "https://mail.example.com:10443/autodiscover/autodiscover.xml"});
    for path in [
        "/autodiscover/autodiscover.json?Email=carol%40example.com&Protocol=AutodiscoverV1",
        "/autodiscover/autodiscover.json/v1.0/carol@example.com?Protocol=AutodiscoverV1",
    ] {
        let fetched = curl(server.https_url("autodiscover.example.com", path)).await;
        assert_eq!(fetched.status, 200, "{path}: {}", fetched.text());
        assert_eq!(fetched.content_type, "application/json");
        let answer: serde_json::Value = serde_json::from_slice(&fetched.body).unwrap();
        assert_eq!(answer, expected, "{path}");
    }
    let path = "/autodiscover/autodiscover.json/v1.0/carol@example.com?Protocol=ActiveSync";
    let fetched = curl(server.https_url("autodiscover.example.com", path)).await;
    assert_eq!(fetched.status, 400);
    let answer: serde_json::Value = serde_json::from_slice(&fetched.body).unwrap();
    assert_eq!(answer["ErrorCode"], "InvalidProtocol");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apple_profile_configures_imap_and_submission_without_a_password() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let path = "/apple/mail.mobileconfig?emailaddress=dave%40example.com";
    let fetched = curl(server.https_url(HOSTNAME, path)).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text());
    assert_eq!(fetched.content_type, "application/x-apple-aspen-config");
    let profile = python_json("python3", READ_PLIST, fetched.body).await;
    assert_eq!(profile["PayloadType"], "Configuration");
    assert_eq!(profile["PayloadVersion"], 1);
    let mail = &profile["PayloadContent"][0];
    assert_eq!(mail["PayloadType"], "com.apple.mail.managed");
    assert_eq!(mail["EmailAccountType"], "EmailTypeIMAP");
    assert_eq!(mail["EmailAddress"], "dave@example.com");
    for password_key in ["IncomingPassword", "OutgoingPassword"] {
        assert!(mail.get(password_key).is_none(), "{password_key} is in the profile");
    }
    for (side, port) in [("Incoming", 993), ("Outgoing", 465)] {
        assert_eq!(mail[format!("{side}MailServerHostName")], HOSTNAME);
        assert_eq!(mail[format!("{side}MailServerPortNumber")], port);
        assert_eq!(mail[format!("{side}MailServerUseSSL")], true);
        assert_eq!(mail[format!("{side}MailServerUsername")], "dave@example.com");
        assert_eq!(mail[format!("{side}MailServerAuthentication")], "EmailAuthPassword");
    }
    let uuid = |value: &serde_json::Value| value.as_str().unwrap().to_owned();
    assert_ne!(uuid(&profile["PayloadUUID"]), uuid(&mail["PayloadUUID"]));

    // The same address gives the same identifiers, so reinstalling replaces the account.
    let again = python_json("python3", READ_PLIST, curl(server.https_url(HOSTNAME, path)).await.body).await;
    assert_eq!(again["PayloadUUID"], profile["PayloadUUID"]);
    assert_eq!(again["PayloadContent"][0]["PayloadUUID"], mail["PayloadUUID"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mta_sts_policy_is_served_for_each_local_domain() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    server.fixture.store.add_domain("example.org").await.unwrap();
    for host in ["mta-sts.example.com", "mta-sts.example.org"] {
        let fetched = curl(server.https_url(host, "/.well-known/mta-sts.txt")).await;
        assert_eq!(fetched.status, 200, "{host}");
        assert!(fetched.content_type.starts_with("text/plain"), "{}", fetched.content_type);
        assert_eq!(
            fetched.text(),
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.backup.example.net\r\nmax_age: 604800\r\n"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mta_sts_mode_none_publishes_nothing() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start_with(common::discovery(facteur_http::MtaStsMode::None), None).await;
    let fetched = curl(server.https_url("mta-sts.example.com", "/.well-known/mta-sts.txt")).await;
    assert_eq!(fetched.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_domains_get_404_from_every_document() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let foreign = "eve%40elsewhere.example";
    let cases = [
        ("autoconfig.example.com", format!("/mail/config-v1.1.xml?emailaddress={foreign}")),
        ("autoconfig.elsewhere.example", "/.well-known/autoconfig/mail/config-v1.1.xml".to_owned()),
        ("mta-sts.elsewhere.example", "/.well-known/mta-sts.txt".to_owned()),
        (HOSTNAME, "/.well-known/mta-sts.txt".to_owned()),
        (HOSTNAME, format!("/apple/mail.mobileconfig?emailaddress={foreign}")),
        (HOSTNAME, format!("/autodiscover/autodiscover.json?Email={foreign}&Protocol=AutodiscoverV1")),
    ];
    for (host, path) in cases {
        let fetched = curl(server.https_url(host, &path)).await;
        assert_eq!(fetched.status, 404, "{host}{path}: {}", fetched.text());
    }
    let body = autodiscover_request("eve@elsewhere.example");
    let fetched = curl(post(&server, "/autodiscover/autodiscover.xml", body)).await;
    assert_eq!(fetched.status, 404);
    // Over a direct IP there is no domain at all.
    let fetched = curl(vec![format!("https://{}/.well-known/autoconfig/mail/config-v1.1.xml", server.https)]).await;
    assert_eq!(fetched.status, 404);
}
