//! Logging in and out: the cookie's attributes, refusals, and a logout that ends the session on the server.

mod common;

use common::{ALICE, PASSWORD, Web};

#[tokio::test]
async fn login_sets_an_httponly_secure_strict_session_cookie_and_returns_the_csrf_token() {
    let web = Web::start().await;
    let answer = web.login(ALICE, PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let cookie = answer.header("set-cookie");
    assert!(cookie.starts_with("facteur_session="), "{cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} missing from {cookie}");
    }
    let json = answer.json();
    assert_eq!(json["username"], ALICE);
    assert_eq!(json["csrf"].as_str().unwrap().len(), 43, "256 bits in URL-safe base64: {json}");
    let token = answer.session_cookie().trim_start_matches("facteur_session=").to_owned();
    let session = web.jmap.web_sessions().find(&token).expect("the session is held by the server");
    assert_eq!(json["accountId"], facteur_jmap::account_id(session.account));
    assert_ne!(json["csrf"], token.as_str(), "the page never sees the cookie's token");
    assert_eq!(answer.header("cache-control"), "no-store");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401_and_no_cookie() {
    let web = Web::start().await;
    let answer = web.login(ALICE, "not the password").await;
    assert_eq!(answer.status, 401);
    assert!(answer.json()["error"].as_str().unwrap().contains("wrong"), "{}", answer.text());
    assert!(answer.headers.get("set-cookie").is_none());
    let unknown = web.login("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, 401, "an unknown user reads the same as a wrong password");
    assert_eq!(unknown.json(), answer.json());
}

#[tokio::test]
async fn login_reads_only_json() {
    let web = Web::start().await;
    let form = format!("username={ALICE}&password={PASSWORD}");
    let as_form =
        web.send("POST", "/webmail/login", &[("content-type", "application/x-www-form-urlencoded")], &form).await;
    assert_eq!(as_form.status, 415, "a cross-site form must not log anyone in");
    let as_text = web.send("POST", "/webmail/login", &[("content-type", "text/plain")], "{}").await;
    assert_eq!(as_text.status, 415);
    let malformed =
        web.send("POST", "/webmail/login", &[("content-type", "application/json")], "{\"username\":1}").await;
    assert_eq!(malformed.status, 400);
    let huge = "x".repeat(facteur_web::MAX_REQUEST_BODY + 1);
    let too_big = web.send("POST", "/webmail/login", &[("content-type", "application/json")], &huge).await;
    assert_eq!(too_big.status, 413);
}

#[tokio::test]
async fn a_reloaded_page_gets_its_session_back_from_the_cookie() {
    let web = Web::start().await;
    assert_eq!(web.get("/webmail/session", &[]).await.status, 401);
    assert_eq!(web.get("/webmail/session", &[("cookie", "facteur_session=forged")]).await.status, 401);
    let login = web.login(ALICE, PASSWORD).await;
    let cookie = login.session_cookie();
    let again = web.get("/webmail/session", &[("cookie", &cookie)]).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), login.json());
}

#[tokio::test]
async fn logout_without_the_csrf_token_is_forbidden_and_the_session_lives_on() {
    let web = Web::start().await;
    let login = web.login(ALICE, PASSWORD).await;
    let cookie = login.session_cookie();
    let forged = web.send("POST", "/webmail/logout", &[("cookie", &cookie)], "").await;
    assert_eq!(forged.status, 403);
    let wrong = web.send("POST", "/webmail/logout", &[("cookie", &cookie), ("x-facteur-csrf", "guess")], "").await;
    assert_eq!(wrong.status, 403);
    assert_eq!(web.get("/webmail/session", &[("cookie", &cookie)]).await.status, 200);
}

#[tokio::test]
async fn logout_with_the_csrf_token_ends_the_session_on_the_server() {
    let web = Web::start().await;
    let login = web.login(ALICE, PASSWORD).await;
    let cookie = login.session_cookie();
    let csrf = login.json()["csrf"].as_str().unwrap().to_owned();
    let logout = web.send("POST", "/webmail/logout", &[("cookie", &cookie), ("x-facteur-csrf", &csrf)], "").await;
    assert_eq!(logout.status, 204);
    let cleared = logout.header("set-cookie");
    assert!(cleared.starts_with("facteur_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie, replayed (copied before the logout, say), no longer opens anything.
    assert_eq!(web.get("/webmail/session", &[("cookie", &cookie)]).await.status, 401);
    let token = cookie.trim_start_matches("facteur_session=");
    assert!(web.jmap.web_sessions().find(token).is_none());
}

#[tokio::test]
async fn a_password_change_ends_the_sessions_opened_with_the_old_one() {
    let web = Web::start().await;
    let cookie = web.login(ALICE, PASSWORD).await.session_cookie();
    assert_eq!(web.get("/webmail/session", &[("cookie", &cookie)]).await.status, 200);
    // What `facteur account passwd` does, from another process: a new hash in the store.
    let new_hash = facteur_auth::hash_password("a brand new passphrase").unwrap();
    web.fixture.store.set_password(ALICE, &new_hash).await.unwrap();
    assert_eq!(web.get("/webmail/session", &[("cookie", &cookie)]).await.status, 401, "the old session is over");
    assert_eq!(web.login(ALICE, "a brand new passphrase").await.status, 200);
}
