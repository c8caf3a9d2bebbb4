//! Idempotency keys for API calls: the first call's answer is kept and given to every repeat.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::StoreError;

/// What a call with an idempotency key should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The first call with this key: do the work, then [`finish`] in the same transaction.
    New,
    /// A repeat: answer with the first call's answer.
    Replay { status: u16, body: serde_json::Value },
    /// The key was used for a different call.
    Mismatch,
}

/// Claims `key` for a call whose method, path and body hash to `request_hash`. Inside a transaction: a
/// repeat arriving while the first call is still running waits for it, then replays its answer; if the
/// first call fails, its claim is rolled back with it and the repeat does the work.
pub async fn claim(
    db: &mut PgConnection,
    tenant_id: Uuid,
    key: &str,
    request_hash: &[u8; 32],
) -> Result<Claim, StoreError> {
    let inserted = sqlx::query!(
        r#"
        INSERT INTO api_idempotency (tenant_id, idempotency_key, request_hash, response_status, response_body)
        VALUES ($1, $2, $3, 0, 'null') ON CONFLICT DO NOTHING
        "#,
        tenant_id,
        key,
        request_hash.as_slice(),
    )
    .execute(&mut *db)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::New);
    }
    let first = sqlx::query!(
        "SELECT request_hash, response_status, response_body FROM api_idempotency WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant_id,
        key,
    )
    .fetch_one(&mut *db)
    .await?;
    if first.request_hash != request_hash.as_slice() {
        return Ok(Claim::Mismatch);
    }
    Ok(Claim::Replay { status: u16::try_from(first.response_status).unwrap_or(200), body: first.response_body })
}

/// Keeps the answer to a [`Claim::New`] call.
pub async fn finish(
    db: &mut PgConnection,
    tenant_id: Uuid,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE api_idempotency SET response_status = $3, response_body = $4 WHERE tenant_id = $1 AND idempotency_key = $2",
        tenant_id,
        key,
        status as i16,
        body,
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}
