//! The webmail over a real store: the in-process fixture (accounts `alice@example.com` and `bob@example.com`,
//! see `facteur_testkit::in_process`), a `Jmap` on it as the binary builds one, and the router driven in
//! process with the client address facteur-http would give it.

#![allow(dead_code, unused_imports, clippy::unwrap_used)] // test code: a panic is the failure report

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use facteur_auth::Login;
use facteur_delivery::Submission;
use facteur_jmap::{Jmap, JmapLimits, JmapSettings};
use facteur_testkit::in_process::Fixture;
use tower::ServiceExt;

pub use facteur_testkit::in_process::{ALICE, BOB, PASSWORD};

/// The address requests come from.
pub const PEER: ([u8; 4], u16) = ([127, 0, 0, 1], 50_000);

pub struct Web {
    pub fixture: Fixture,
    pub jmap: Jmap,
    router: Router,
}

/// An answer, its body read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(|value| value.to_str().unwrap()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("JSON: {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The `facteur_session=…` pair of the `Set-Cookie` header, to send back as `Cookie`.
    pub fn session_cookie(&self) -> String {
        self.header("set-cookie").split(';').next().unwrap().to_owned()
    }
}

impl Web {
    pub async fn start() -> Web {
        let fixture = Fixture::new().await;
        let jmap = jmap_on(&fixture);
        let router =
            facteur_web::router(jmap.clone()).merge(facteur_web::admin_router(jmap.clone(), admin_settings(&fixture)));
        Web { fixture, jmap, router }
    }

    /// Sends a request as facteur-http hands it to the router (with the client's address in
    /// `ConnectInfo`).
    pub async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_owned())).unwrap();
        let router = self.router.clone().layer(axum::Extension(ConnectInfo(SocketAddr::from(PEER))));
        let response = router.oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
        Answer { status: parts.status, headers: parts.headers, body }
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send("GET", path, headers, "").await
    }

    pub async fn login(&self, username: &str, password: &str) -> Answer {
        let body = serde_json::json!({ "username": username, "password": password }).to_string();
        self.send("POST", "/webmail/login", &[("content-type", "application/json")], &body).await
    }
}

/// The admin page's settings over the fixture's store. Domains are only rows here: DKIM keys and the DNS
/// check are the binary's, tested against it (`crates/facteur/tests/admin_page.rs`).
pub fn admin_settings(fixture: &Fixture) -> facteur_web::AdminSettings {
    facteur_web::AdminSettings {
        store: Arc::clone(&fixture.store),
        domains: Arc::new(StoreDomains(Arc::clone(&fixture.store))),
        min_password_length: 8,
    }
}

struct StoreDomains(Arc<dyn facteur_store::Store>);

#[async_trait::async_trait]
impl facteur_admin::DomainSetup for StoreDomains {
    async fn add_domain(&self, domain: &str) -> Result<Vec<String>, facteur_admin::AdminError> {
        self.0.add_domain(domain).await?;
        Ok(Vec::new())
    }

    async fn check_dns(&self, _domain: &str) -> Result<Vec<facteur_mailauth::Checked>, facteur_admin::AdminError> {
        Ok(Vec::new())
    }
}

/// A `Jmap` over the fixture's store, wired as the binary wires it.
pub fn jmap_on(fixture: &Fixture) -> Jmap {
    let login = Arc::new(Login::new(Arc::clone(&fixture.store), Arc::clone(&fixture.login_throttle)));
    let submission = Submission::new(Arc::clone(&fixture.store), None);
    let settings = JmapSettings {
        hostname: "localhost".to_owned(),
        queue_lifetime: Duration::from_secs(3600),
        limits: JmapLimits::default(),
        sieve_limits: facteur_store::SieveLimits { max_scripts: 16, max_script_bytes: 64 * 1024 },
    };
    Jmap::new(Arc::clone(&fixture.store), login, submission, settings)
}
