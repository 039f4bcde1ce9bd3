//! SQL for ACME http-01 answers (`crate::shared::SharedState`): published by the node that orders, read by
//! the node the CA's request reaches.

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, value};

pub(crate) async fn publish(tx: &Tx<'_>, token: &str, key_authorization: &str, now: i64, until: i64) -> Result<()> {
    exec(tx, "DELETE FROM acme_http01 WHERE until <= $1", &[&now]).await?;
    exec(
        tx,
        "INSERT INTO acme_http01 (token, key_authorization, until) VALUES ($1, $2, $3) \
         ON CONFLICT (token) DO UPDATE SET key_authorization = EXCLUDED.key_authorization, until = EXCLUDED.until",
        &[&token, &key_authorization, &until],
    )
    .await?;
    Ok(())
}

pub(crate) async fn answer(tx: &Tx<'_>, token: &str, now: i64) -> Result<Option<String>> {
    value(tx, "SELECT key_authorization FROM acme_http01 WHERE token = $1 AND until > $2", &[&token, &now]).await
}

pub(crate) async fn withdraw(tx: &Tx<'_>, token: &str) -> Result<()> {
    exec(tx, "DELETE FROM acme_http01 WHERE token = $1", &[&token]).await?;
    Ok(())
}
