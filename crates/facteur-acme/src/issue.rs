//! One certificate order (RFC 8555 §7.4): ask for the names, prove control of each, send the certificate
//! request, fetch the chain.

use std::time::Duration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewOrder, Order, OrderStatus, RetryPolicy,
};
use rcgen::{CertificateParams, DistinguishedName, KeyPair};
use tracing::{debug, info};

use crate::AcmeError;
use crate::challenge::{Published, Responder};
use crate::manager::ChallengeKind;

/// How long the CA may take to validate every name: it connects to each, possibly more than once.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the CA may take to sign once the request is sent.
const SIGNING_TIMEOUT: Duration = Duration::from_secs(60);

/// Obtains a certificate for `names` and `key`, answering `kind` challenges through `responder`. Returns the
/// chain, PEM, leaf first. Every published answer is taken down before this returns, whatever the outcome.
pub(crate) async fn issue(
    account: &Account,
    names: &[String],
    kind: ChallengeKind,
    responder: &Responder,
    key: &KeyPair,
) -> Result<String, AcmeError> {
    let identifiers: Vec<Identifier> = names.iter().map(|name| Identifier::Dns(name.clone())).collect();
    let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
    let published = publish_answers(&mut order, kind, responder).await?;
    let policy = RetryPolicy::new().initial_delay(Duration::from_millis(500)).timeout(VALIDATION_TIMEOUT);
    let status = order.poll_ready(&policy).await;
    drop(published);
    if !matches!(status, Ok(OrderStatus::Ready)) {
        let reasons = failed_validations(&mut order).await;
        let reason = match (status, reasons.is_empty()) {
            (Err(error), true) => error.to_string(),
            (Ok(status), true) => format!("the order ended {status:?}"),
            (_, false) => reasons.join("; "),
        };
        return Err(AcmeError::Refused { what: "validation failed".to_owned(), reason });
    }
    let mut request = CertificateParams::new(names.to_vec())?;
    request.distinguished_name = DistinguishedName::new();
    let request = request.serialize_request(key)?;
    order.finalize_csr(request.der()).await?;
    let signing = RetryPolicy::new().initial_delay(Duration::from_millis(500)).timeout(SIGNING_TIMEOUT);
    Ok(order.poll_certificate(&signing).await?)
}

/// Publishes the answer to every pending authorization's challenge of `kind` and tells the CA it may look.
async fn publish_answers(
    order: &mut Order,
    kind: ChallengeKind,
    responder: &Responder,
) -> Result<Vec<Published>, AcmeError> {
    let wanted = match kind {
        ChallengeKind::TlsAlpn01 => ChallengeType::TlsAlpn01,
        ChallengeKind::Http01 => ChallengeType::Http01,
    };
    let mut published = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization?;
        let name = authorization.identifier().to_string();
        match authorization.status {
            AuthorizationStatus::Valid => {
                debug!(%name, "ACME: already authorized");
                continue;
            }
            AuthorizationStatus::Pending => {}
            other => {
                return Err(AcmeError::Refused {
                    what: format!("authorization for {name}"),
                    reason: format!("{other:?}"),
                });
            }
        }
        let Some(mut challenge) = authorization.challenge(wanted.clone()) else {
            return Err(AcmeError::Refused {
                what: format!("authorization for {name}"),
                reason: format!("the CA offers no {} challenge", kind.as_str()),
            });
        };
        let answer = responder.publish(kind, &name, &challenge.token, &challenge.key_authorization()).await?;
        published.push(answer);
        challenge.set_ready().await?;
        info!(%name, challenge = kind.as_str(), "ACME: challenge ready");
    }
    Ok(published)
}

/// What the CA said about each name it could not validate.
async fn failed_validations(order: &mut Order) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(Ok(mut authorization)) = authorizations.next().await {
        if authorization.refresh().await.is_err() || authorization.status == AuthorizationStatus::Valid {
            continue;
        }
        let name = authorization.identifier().to_string();
        let problems: Vec<String> = authorization
            .challenges
            .iter()
            .filter_map(|challenge| challenge.error.as_ref())
            .map(|problem| problem.detail.clone().unwrap_or_else(|| problem.to_string()))
            .collect();
        reasons.push(match problems.is_empty() {
            true => format!("{name}: {:?}", authorization.status),
            false => format!("{name}: {}", problems.join(", ")),
        });
    }
    reasons
}
