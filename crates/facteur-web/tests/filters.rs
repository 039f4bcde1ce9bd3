//! `GET` and `PUT /webmail/filters` in process over a real store: who may (a session; its CSRF token and JSON
//! for a change), what a save leaves in the store (the generated Sieve script, active), and what is refused
//! with which words.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::{ALICE, PASSWORD, Web};
use facteur_store::AccountId;
use serde_json::{Value, json};

const PATH: &str = "/webmail/filters";

/// A logged-in browser: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn log_in(web: &Web) -> Browser {
    let answer = web.login(ALICE, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    Browser { cookie: answer.session_cookie(), csrf: answer.json()["csrf"].as_str().unwrap().to_owned() }
}

async fn alice(web: &Web) -> AccountId {
    web.fixture.store.account_by_address(ALICE).await.unwrap().unwrap().id
}

async fn put(web: &Web, who: &Browser, body: &str) -> common::Answer {
    let headers =
        [("cookie", who.cookie.as_str()), ("x-facteur-csrf", who.csrf.as_str()), ("content-type", "application/json")];
    web.send("PUT", PATH, &headers, body).await
}

/// What the Filters page sends for "From contains shop.example → Shopping, read" and a reply in a window.
fn shop_rule_and_reply() -> Value {
    json!({
        "rules": [
            {"field": "from", "contains": "shop.example", "folder": "Shopping", "markRead": true},
            {"field": "subject", "contains": "invoice", "folder": "Archive", "markRead": false},
        ],
        "outOfOffice": {
            "enabled": true,
            "fromDate": "2026-07-01T07:00:00Z",
            "toDate": "2026-07-15T22:00:00+02:00",
            "subject": "Away",
            "textBody": "Back on the 16th.",
            "htmlBody": null,
        },
    })
}

#[tokio::test]
async fn reading_and_saving_need_a_session() {
    let web = Web::start().await;
    assert_eq!(web.get(PATH, &[]).await.status, 401);
    let body = shop_rule_and_reply().to_string();
    let refused = web.send("PUT", PATH, &[("content-type", "application/json")], &body).await;
    assert_eq!(refused.status, 401);
    let stale = web.get(PATH, &[("cookie", "facteur_session=not-a-session")]).await;
    assert_eq!(stale.status, 401);
    assert!(web.fixture.store.sieve_script(alice(&web).await, "facteur").await.unwrap().is_none());
}

#[tokio::test]
async fn saving_needs_the_csrf_token_and_json() {
    let web = Web::start().await;
    let alice_browser = log_in(&web).await;
    let body = shop_rule_and_reply().to_string();
    let cookie = alice_browser.cookie.as_str();
    let without_token = web.send("PUT", PATH, &[("cookie", cookie), ("content-type", "application/json")], &body).await;
    assert_eq!(without_token.status, 403, "{}", without_token.text());
    let wrong_token = web
        .send(
            "PUT",
            PATH,
            &[("cookie", cookie), ("x-facteur-csrf", "guess"), ("content-type", "application/json")],
            &body,
        )
        .await;
    assert_eq!(wrong_token.status, 403);
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let headers =
            [("cookie", cookie), ("x-facteur-csrf", alice_browser.csrf.as_str()), ("content-type", content_type)];
        let answer = web.send("PUT", PATH, &headers, &body).await;
        assert_eq!(answer.status, 415, "{content_type}: {}", answer.text());
    }
    // A POST is no way around it: the page writes with PUT only.
    let headers =
        [("cookie", cookie), ("x-facteur-csrf", alice_browser.csrf.as_str()), ("content-type", "application/json")];
    assert_eq!(web.send("POST", PATH, &headers, &body).await.status, 405);
    assert!(web.fixture.store.sieve_script(alice(&web).await, "facteur").await.unwrap().is_none(), "nothing saved");
}

#[tokio::test]
async fn saved_filters_come_back_and_are_the_active_script() {
    let web = Web::start().await;
    let browser = log_in(&web).await;
    let first = web.get(PATH, &[("cookie", &browser.cookie)]).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.header("cache-control"), "no-store");
    let first = first.json();
    assert_eq!(
        first["filters"],
        json!({"rules": [], "outOfOffice": {"enabled": false, "fromDate": null, "toDate": null, "subject": null, "textBody": null, "htmlBody": null}})
    );
    assert_eq!(
        (&first["active"], &first["editedByHand"], &first["otherActive"]),
        (&json!(false), &json!(false), &Value::Null)
    );
    let folders = first["folders"].as_array().unwrap();
    assert!(folders.contains(&json!({"name": "INBOX", "role": "inbox"})), "{folders:?}");
    assert!(folders.contains(&json!({"name": "Junk", "role": "junk"})), "{folders:?}");

    let saved = put(&web, &browser, &shop_rule_and_reply().to_string()).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let saved = saved.json();
    let mut expected = shop_rule_and_reply();
    // Dates come back in UTC, as JMAP's VacationResponse writes them.
    expected["outOfOffice"]["toDate"] = json!("2026-07-15T20:00:00Z");
    assert_eq!(saved["filters"], expected);
    assert_eq!(
        (&saved["active"], &saved["editedByHand"], &saved["otherActive"]),
        (&json!(true), &json!(false), &Value::Null)
    );
    let again = web.get(PATH, &[("cookie", &browser.cookie)]).await.json();
    assert_eq!(again, saved, "a load after the save reads what the save answered");

    // In the store: the generated script, active, doing what the page said.
    let store = &web.fixture.store;
    let id = alice(&web).await;
    let (active, script) = store.active_sieve_script(id).await.unwrap().unwrap();
    assert_eq!(active, facteur_filters::SCRIPT_NAME);
    assert!(script.contains(r#"if header :contains "from" "shop.example" {"#), "{script}");
    assert!(script.contains(r#"fileinto :create :flags "\\Seen" "Shopping";"#), "{script}");
    assert!(script.contains(r#"vacation :days 7 :subject "Away" "Back on the 16th.";"#), "{script}");
    assert!(script.contains(r#""lt" "iso8601" "2026-07-15T20:00:00Z""#), "{script}");
    let stored = facteur_filters::load(store.as_ref(), id).await.unwrap();
    assert_eq!(stored.filters.out_of_office.from_date, Some(1_782_889_200));
    assert_eq!(stored.filters.rules.len(), 2);
}

#[tokio::test]
async fn invalid_settings_are_refused_with_words_that_say_why() {
    let web = Web::start().await;
    let browser = log_in(&web).await;
    let cases: [(&str, Value, &str); 5] = [
        (
            "empty folder",
            json!({"rules": [{"field": "from", "contains": "x", "folder": " "}], "outOfOffice": {"enabled": false}}),
            "rule 1: the folder is empty",
        ),
        (
            "line break",
            json!({"rules": [{"field": "to", "contains": "x", "folder": "A"}, {"field": "subject", "contains": "a\r\nb", "folder": "B"}], "outOfOffice": {"enabled": false}}),
            "rule 2: at most 500 characters, without line breaks",
        ),
        (
            "reversed dates",
            json!({"rules": [], "outOfOffice": {"enabled": true, "fromDate": "2026-07-02T00:00:00Z", "toDate": "2026-07-01T00:00:00Z"}}),
            "the out-of-office reply ends before it starts",
        ),
        (
            "not a date",
            json!({"rules": [], "outOfOffice": {"enabled": true, "fromDate": "next Monday"}}),
            "fromDate is not an RFC 3339 date and time",
        ),
        (
            "subject on two lines",
            json!({"rules": [], "outOfOffice": {"enabled": true, "subject": "Away\nBcc: x@y.test"}}),
            "the out-of-office subject is too long or has a line break",
        ),
    ];
    for (case, body, words) in cases {
        let answer = put(&web, &browser, &body.to_string()).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.text());
        let error = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(error.starts_with(words), "{case}: {error}");
    }
    // What the page never sends: a member missing (which would otherwise read as "reply off"), a misspelt one,
    // an unknown field, a body that is not JSON.
    for body in [
        json!({"rules": []}).to_string(),
        json!({"rules": [], "outofoffice": {"enabled": true}}).to_string(),
        json!({"rules": [{"field": "body", "contains": "x", "folder": "A"}], "outOfOffice": {"enabled": false}})
            .to_string(),
        "{\"rules\": [".to_owned(),
    ] {
        let answer = put(&web, &browser, &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text());
        assert!(answer.json()["error"].is_string());
    }
    assert!(web.fixture.store.sieve_script(alice(&web).await, "facteur").await.unwrap().is_none(), "nothing saved");
}

#[tokio::test]
async fn settings_over_the_sieve_limits_are_refused_with_the_limit() {
    let web = Web::start().await;
    let browser = log_in(&web).await;
    // The test server keeps scripts to 64 KiB: a 40 KiB reply is in the script twice (settings and Sieve). The
    // body is over the webmail's usual 16 KiB, which this endpoint reads.
    let long = "Away. ".repeat(40 * 1024 / 6);
    let body = json!({"rules": [], "outOfOffice": {"enabled": true, "textBody": long}});
    let answer = put(&web, &browser, &body.to_string()).await;
    assert_eq!(answer.status, 422, "{}", answer.text());
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("65536 bytes"), "{error}");
    // 20 KiB fits.
    let body = json!({"rules": [], "outOfOffice": {"enabled": true, "textBody": &long[..20 * 1024]}});
    assert_eq!(put(&web, &browser, &body.to_string()).await.status, 200);
    // Over the endpoint's own bound, the body is not even read.
    let huge = json!({"rules": [], "outOfOffice": {"enabled": true, "textBody": "x".repeat(3 * 1024 * 1024)}});
    assert_eq!(put(&web, &browser, &huge.to_string()).await.status, 413);
}

#[tokio::test]
async fn a_hand_edit_and_an_own_active_script_are_reported_and_saving_replaces_them() {
    let web = Web::start().await;
    let browser = log_in(&web).await;
    let store = &web.fixture.store;
    let id = alice(&web).await;
    let limits = web.jmap.settings().sieve_limits;
    assert_eq!(put(&web, &browser, &shop_rule_and_reply().to_string()).await.status, 200);
    let text = store.sieve_script(id, "facteur").await.unwrap().unwrap();
    let edited = text.replace("fileinto :create \"Archive\"", "fileinto :create \"Bills\"");
    assert_ne!(edited, text);
    store.put_sieve_script(id, "facteur", &edited, limits).await.unwrap();
    store.put_sieve_script(id, "mine", "keep;", limits).await.unwrap();
    store.activate_sieve_script(id, Some("mine")).await.unwrap();

    let read = web.get(PATH, &[("cookie", &browser.cookie)]).await.json();
    assert_eq!(
        (&read["active"], &read["editedByHand"], &read["otherActive"]),
        (&json!(false), &json!(true), &json!("mine"))
    );
    assert_eq!(read["filters"]["rules"][1]["folder"], "Archive", "the settings the script was generated from");

    let saved = put(&web, &browser, &read["filters"].to_string()).await.json();
    assert_eq!(
        (&saved["active"], &saved["editedByHand"], &saved["otherActive"]),
        (&json!(true), &json!(false), &Value::Null)
    );
    assert_eq!(store.active_sieve_script(id).await.unwrap().unwrap().0, "facteur");
    assert!(store.sieve_script(id, "mine").await.unwrap().is_some(), "the person's own script is kept, inactive");
}
