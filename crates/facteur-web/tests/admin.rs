//! The admin page's endpoints in process over a real store: who may use them (an administrator's session,
//! its CSRF token, JSON), and what each does, checked in the store itself.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::sync::Arc;

use common::{ALICE, BOB, PASSWORD, Web};
use facteur_store::{
    DeliveryEvent, Direction, Fate, Notify, QueueId, QueuedEnvelope, QueuedRecipient, RecipientStatus,
};

/// A logged-in browser: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn log_in(web: &Web, user: &str) -> Browser {
    let answer = web.login(user, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    Browser { cookie: answer.session_cookie(), csrf: answer.json()["csrf"].as_str().unwrap().to_owned() }
}

/// Bob is made an administrator; Alice is not.
async fn with_admin() -> (Web, Browser) {
    let web = Web::start().await;
    web.fixture.store.set_admin(BOB, true).await.unwrap();
    let bob = log_in(&web, BOB).await;
    (web, bob)
}

async fn get(web: &Web, who: &Browser, path: &str) -> common::Answer {
    web.get(path, &[("cookie", &who.cookie)]).await
}

async fn post(web: &Web, who: &Browser, path: &str, body: serde_json::Value) -> common::Answer {
    let headers =
        [("cookie", who.cookie.as_str()), ("x-facteur-csrf", who.csrf.as_str()), ("content-type", "application/json")];
    web.send("POST", path, &headers, &body.to_string()).await
}

#[tokio::test]
async fn only_administrators_get_in() {
    let (web, bob) = with_admin().await;
    let page = web.get("/admin", &[]).await;
    assert_eq!(page.status, 200, "the page itself holds no data: it shows the login form");
    assert!(page.header("content-security-policy").contains("script-src 'self'"));
    assert_eq!(web.get("/admin/api/accounts", &[]).await.status, 401);

    let alice = log_in(&web, ALICE).await;
    assert_eq!(get(&web, &alice, "/admin").await.status, 403, "a logged-in account that is not an administrator");
    for path in ["accounts", "domains", "aliases", "queue", "indicators", "trace"] {
        let answer = get(&web, &alice, &format!("/admin/api/{path}")).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.text());
    }
    let refused = post(
        &web,
        &alice,
        "/admin/api/accounts",
        serde_json::json!({"address": "x@example.com", "password": "long enough"}),
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(web.fixture.store.account_by_address("x@example.com").await.unwrap().is_none());

    assert_eq!(get(&web, &bob, "/admin").await.status, 200);
    assert_eq!(get(&web, &bob, "/admin/api/accounts").await.status, 200);
    // The mark is read on every request: taken away, it takes effect at once.
    web.fixture.store.set_admin(BOB, false).await.unwrap();
    assert_eq!(get(&web, &bob, "/admin/api/accounts").await.status, 403);
}

#[tokio::test]
async fn changes_need_the_csrf_token_and_json() {
    let (web, bob) = with_admin().await;
    let body = serde_json::json!({"address": "carol@example.com", "password": "a long passphrase"}).to_string();
    let without_token = web
        .send("POST", "/admin/api/accounts", &[("cookie", &bob.cookie), ("content-type", "application/json")], &body)
        .await;
    assert_eq!(without_token.status, 403);
    let as_form = web
        .send(
            "POST",
            "/admin/api/accounts",
            &[("cookie", &bob.cookie), ("x-facteur-csrf", &bob.csrf), ("content-type", "text/plain")],
            &body,
        )
        .await;
    assert_eq!(as_form.status, 415);
    assert!(web.fixture.store.account_by_address("carol@example.com").await.unwrap().is_none());
}

#[tokio::test]
async fn accounts_are_added_changed_and_removed_under_the_command_lines_rules() {
    let (web, bob) = with_admin().await;
    let short = post(
        &web,
        &bob,
        "/admin/api/accounts",
        serde_json::json!({"address": "carol@example.com", "password": "short"}),
    )
    .await;
    assert_eq!(short.status, 422);
    assert!(short.json()["error"].as_str().unwrap().contains("min_password_length"), "{}", short.text());

    let added = post(
        &web,
        &bob,
        "/admin/api/accounts",
        serde_json::json!({"address": "carol@example.com", "password": "a long passphrase", "admin": true}),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let carol = web.fixture.store.account_by_address("carol@example.com").await.unwrap().unwrap();
    assert!(carol.admin);
    assert!(facteur_auth::verify_password(&carol.password_hash, "a long passphrase"));
    let listed = get(&web, &bob, "/admin/api/accounts").await.json();
    let row = listed.as_array().unwrap().iter().find(|row| row["address"] == "carol@example.com").unwrap().clone();
    assert_eq!((row["messages"].as_u64(), row["admin"].as_bool()), (Some(0), Some(true)));

    let taken = post(
        &web,
        &bob,
        "/admin/api/accounts",
        serde_json::json!({"address": "carol@example.com", "password": "a long passphrase"}),
    )
    .await;
    assert_eq!(taken.status, 422, "{}", taken.text());

    let quota = post(
        &web,
        &bob,
        "/admin/api/accounts/quota",
        serde_json::json!({"address": "carol@example.com", "quota": "5M"}),
    )
    .await;
    assert_eq!(quota.status, 200, "{}", quota.text());
    let bad_quota = post(
        &web,
        &bob,
        "/admin/api/accounts/quota",
        serde_json::json!({"address": "carol@example.com", "quota": "5Q"}),
    )
    .await;
    assert_eq!(bad_quota.status, 422);
    assert_eq!(
        web.fixture.store.account_by_address("carol@example.com").await.unwrap().unwrap().quota_bytes,
        Some(5 << 20)
    );

    let password = post(
        &web,
        &bob,
        "/admin/api/accounts/password",
        serde_json::json!({"address": "carol@example.com", "password": "another passphrase"}),
    )
    .await;
    assert_eq!(password.status, 200, "{}", password.text());
    assert_eq!(web.login("carol@example.com", "another passphrase").await.status, 200);

    let own_mark =
        post(&web, &bob, "/admin/api/accounts/admin", serde_json::json!({"address": BOB, "admin": false})).await;
    assert_eq!(own_mark.status, 422, "an administrator cannot lock themselves out");
    let own_account = post(&web, &bob, "/admin/api/accounts/remove", serde_json::json!({"address": BOB})).await;
    assert_eq!(own_account.status, 422);

    let removed =
        post(&web, &bob, "/admin/api/accounts/remove", serde_json::json!({"address": "carol@example.com"})).await;
    assert_eq!(removed.status, 200);
    assert!(web.fixture.store.account_by_address("carol@example.com").await.unwrap().is_none());
    let gone =
        post(&web, &bob, "/admin/api/accounts/remove", serde_json::json!({"address": "carol@example.com"})).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn aliases_are_checked_like_the_command_line_checks_them() {
    let (web, bob) = with_admin().await;
    let unknown = post(
        &web,
        &bob,
        "/admin/api/aliases",
        serde_json::json!({"alias": "team@example.com", "targets": ["nobody@example.com"]}),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.json()["error"].as_str().unwrap().contains("neither an account nor an alias"));
    let team = post(
        &web,
        &bob,
        "/admin/api/aliases",
        serde_json::json!({"alias": "team@example.com", "targets": [ALICE, BOB]}),
    )
    .await;
    assert_eq!(team.status, 201, "{}", team.text());
    let looping = post(
        &web,
        &bob,
        "/admin/api/aliases",
        serde_json::json!({"alias": "all@example.com", "targets": ["team@example.com"]}),
    )
    .await;
    assert_eq!(looping.status, 201);
    let back = post(
        &web,
        &bob,
        "/admin/api/aliases",
        serde_json::json!({"alias": "team2@example.com", "targets": ["team2@example.com"]}),
    )
    .await;
    assert_eq!(back.status, 422, "{}", back.text());
    let listed = get(&web, &bob, "/admin/api/aliases").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(
        post(&web, &bob, "/admin/api/aliases/remove", serde_json::json!({"alias": "all@example.com"})).await.status,
        200
    );
    assert_eq!(web.fixture.store.list_aliases().await.unwrap().len(), 1);
}

#[tokio::test]
async fn queued_messages_are_held_released_and_deleted() {
    let (web, bob) = with_admin().await;
    let envelope = QueuedEnvelope {
        return_path: ALICE.into(),
        envid: None,
        ret: None,
        expires_at: facteur_primitives::unix_now() + 3600,
        require_tls: false,
        recipients: vec![QueuedRecipient { address: "dan@remote.test".into(), orcpt: None, notify: Notify::default() }],
        account: None,
    };
    let content: Arc<[u8]> =
        Arc::from(b"From: alice@example.com\r\nSubject: <b>quarterly</b> report\r\n\r\nhi\r\n".as_slice());
    let id = web.fixture.store.enqueue_content(content, envelope).await.unwrap();
    let listed = get(&web, &bob, "/admin/api/queue").await.json();
    let message = &listed["messages"][0];
    assert_eq!((message["id"].as_i64(), message["subject"].as_str()), (Some(id.0), Some("<b>quarterly</b> report")));
    assert_eq!(message["recipients"][0]["status"], "pending");

    let status = |web_store: Arc<dyn facteur_store::Store>, id: QueueId| async move {
        let queue = web_store.queue().await.unwrap();
        queue.iter().find(|entry| entry.id == id).map(|entry| entry.recipients[0].status)
    };
    let hold = post(&web, &bob, "/admin/api/queue/action", serde_json::json!({"id": id.0, "action": "hold"})).await;
    assert_eq!((hold.status.as_u16(), hold.json()["changed"].as_u64()), (200, Some(1)));
    assert_eq!(status(Arc::clone(&web.fixture.store), id).await, Some(RecipientStatus::Held));
    post(&web, &bob, "/admin/api/queue/action", serde_json::json!({"id": id.0, "action": "release"})).await;
    assert_eq!(status(Arc::clone(&web.fixture.store), id).await, Some(RecipientStatus::Pending));
    let unknown =
        post(&web, &bob, "/admin/api/queue/action", serde_json::json!({"id": id.0, "action": "explode"})).await;
    assert_eq!(unknown.status, 422);
    let deleted =
        post(&web, &bob, "/admin/api/queue/action", serde_json::json!({"id": id.0, "action": "delete"})).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(status(Arc::clone(&web.fixture.store), id).await, None);
    let missing = post(&web, &bob, "/admin/api/queue/action", serde_json::json!({"id": id.0, "action": "hold"})).await;
    assert_eq!(missing.status, 404, "{}", missing.text());
}

fn outbound(at: i64, queue: i64, to: &str, fate: Fate, reply: &str) -> DeliveryEvent {
    DeliveryEvent {
        at,
        direction: Direction::Outbound,
        fate,
        queue_id: Some(QueueId(queue)),
        sender: ALICE.into(),
        recipient: to.into(),
        account: ALICE.into(),
        remote_host: "mx.remote.test".into(),
        remote_ip: "192.0.2.1".into(),
        reply: reply.into(),
        tls: "TLSv1.3".into(),
        tls_verified: false,
        delay_secs: 1,
    }
}

#[tokio::test]
async fn indicators_and_trace_read_the_delivery_history() {
    let (web, bob) = with_admin().await;
    let now = facteur_primitives::unix_now();
    let mut events = Vec::new();
    for n in 0..7 {
        events.push(outbound(now - 60, n, &format!("ok{n}@remote.test"), Fate::Delivered, "250 2.0.0 OK"));
    }
    events.push(outbound(now - 2 * 3600, 10, "later@remote.test", Fate::Deferred, "451 4.7.1 try later"));
    events.push(outbound(now - 3 * 86_400, 11, "gone@other.test", Fate::Bounced, "550 5.1.1 no such user"));
    events.push(outbound(now - 30, 12, "gone2@other.test", Fate::Bounced, "550 5.1.1 no such user"));
    web.fixture.store.record_history(events).await.unwrap();

    let data = get(&web, &bob, "/admin/api/indicators").await.json();
    assert_eq!(data["day"]["outbound"]["delivered"], 7);
    assert_eq!(data["day"]["outbound"]["deferred"], 1);
    assert_eq!(data["day"]["outbound"]["bounced"], 1);
    assert_eq!(data["week"]["outbound"]["bounced"], 2);
    assert!((data["week"]["outbound"]["bounce_rate"].as_f64().unwrap() - 20.0).abs() < 1e-9, "{data}");
    let hourly = data["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 24);
    assert_eq!((hourly[23]["delivered"].as_u64(), hourly[23]["bounced"].as_u64()), (Some(7), Some(1)), "this hour");
    assert_eq!(data["daily"].as_array().unwrap().len(), 7);
    let total: u64 = data["daily"].as_array().unwrap().iter().map(|day| day["bounced"].as_u64().unwrap()).sum();
    assert_eq!(total, 2);
    assert_eq!(data["bounce_reasons"][0]["reason"], "550 5.1.1");
    assert_eq!(data["by_domain"][0]["name"], "remote.test");

    let traced = get(&web, &bob, "/admin/api/trace?q=gone%40other.test&since=1w").await.json();
    assert_eq!(traced.as_array().unwrap().len(), 1, "{traced}");
    assert_eq!(traced[0]["reply"], "550 5.1.1 no such user");
    let by_id = get(&web, &bob, "/admin/api/trace?q=10").await.json();
    assert_eq!(by_id[0]["recipient"], "later@remote.test");
    let bad = get(&web, &bob, "/admin/api/trace?since=1y").await;
    assert_eq!(bad.status, 422);
}
