//! `GET /webmail/message/{id}/html`: only for a logged-in user, and under the message CSP. The sanitiser
//! itself is tested in `src/sanitize_tests.rs` (and fuzzed).

mod common;

use common::{ALICE, PASSWORD, Web};

#[tokio::test]
async fn a_message_needs_a_session() {
    let web = Web::start().await;
    let answer = web.get("/webmail/message/M1/html", &[]).await;
    assert_eq!(answer.status, 401);
    let forged = web.get("/webmail/message/M1/html?images=1", &[("cookie", "facteur_session=forged")]).await;
    assert_eq!(forged.status, 401);
}

#[tokio::test]
async fn an_unknown_message_is_404() {
    let web = Web::start().await;
    let cookie = web.login(ALICE, PASSWORD).await.session_cookie();
    let answer = web.get("/webmail/message/no-such-id/html", &[("cookie", &cookie)]).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("x-content-type-options"), "nosniff");
}

#[test]
fn the_message_csp_allows_no_script_and_sandboxes_the_document() {
    for csp in [facteur_web::MESSAGE_CSP, facteur_web::MESSAGE_CSP_REMOTE_IMAGES] {
        assert!(csp.starts_with("default-src 'none'; style-src 'unsafe-inline'; img-src data:"), "{csp}");
        assert!(csp.contains("; sandbox allow-popups allow-popups-to-escape-sandbox;"), "{csp}");
        assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");
        assert!(!csp.contains("script-src") && !csp.contains("allow-scripts") && !csp.contains("allow-same-origin"));
    }
    assert!(facteur_web::MESSAGE_CSP_REMOTE_IMAGES.contains("img-src data: https: http:"));
}
