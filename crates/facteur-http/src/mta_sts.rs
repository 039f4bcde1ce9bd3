//! The MTA-STS policy file (RFC 8461 §3.2), served at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::discovery::{MtaSts, MtaStsMode, is_mx_pattern};
use crate::refusal::Refusal;
use crate::site::Site;

/// `GET /.well-known/mta-sts.txt`: the policy for the domain named by the Host header. Mode `none` in our
/// settings means "publish nothing", hence 404.
pub(crate) async fn serve(State(site): State<Arc<Site>>, headers: HeaderMap) -> Result<Response, Refusal> {
    if site.discovery.mta_sts.mode == MtaStsMode::None {
        return Err(Refusal::NotOurs);
    }
    site.domain_of_host(&headers).await?;
    let policy = policy_text(&site.discovery.mta_sts, &site.discovery.hostname);
    // RFC 8461 §3.3: the media type is "text/plain".
    Ok(([(CONTENT_TYPE, "text/plain; charset=utf-8")], policy).into_response())
}

/// RFC 8461 §3.2: `version`, `mode`, one `mx` line per pattern, `max_age`, each line ending in CRLF. With no
/// patterns configured the hostname is the one MX. Patterns that are not host names are left out (they are
/// refused by `Discovery::validate` at start-up), so no setting can add a line.
fn policy_text(policy: &MtaSts, hostname: &str) -> String {
    let mut text = format!("version: STSv1\r\nmode: {}\r\n", policy.mode.as_str());
    let patterns: Vec<&str> = policy.mx.iter().map(String::as_str).filter(|pattern| is_mx_pattern(pattern)).collect();
    let patterns = if patterns.is_empty() { vec![hostname] } else { patterns };
    for pattern in patterns {
        let _ = write!(text, "mx: {pattern}\r\n");
    }
    let _ = write!(text, "max_age: {}\r\n", policy.max_age.as_secs());
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn policy_lists_every_mx_and_the_max_age() {
        let policy = MtaSts {
            mode: MtaStsMode::Enforce,
            mx: vec!["mx1.example.com".to_owned(), "*.example.net".to_owned()],
            max_age: Duration::from_secs(86_400),
        };
        assert_eq!(
            policy_text(&policy, "mail.example.com"),
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n"
        );
    }

    #[test]
    fn without_patterns_the_hostname_is_the_mx_and_no_pattern_can_add_a_line() {
        let policy = MtaSts {
            mode: MtaStsMode::Testing,
            mx: vec!["x\r\nmode: none".to_owned()],
            max_age: Duration::from_secs(60),
        };
        assert_eq!(
            policy_text(&policy, "mail.example.com"),
            "version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 60\r\n"
        );
    }
}
