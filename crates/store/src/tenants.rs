//! Tenants, their API keys (kept as hashes) and the audit trail of what operators did.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{PgPool, StoreError};

/// The tenant that owns what existed before tenants, numbers from PHONE_NUMBER and API_BOOTSTRAP_KEY
/// (made by the migration that made tenants).
pub const DEFAULT_TENANT: Uuid = Uuid::from_u128(1);

/// Who an API key speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyOwner {
    pub tenant_id: Uuid,
    /// The stored key; `None` for API_BOOTSTRAP_KEY, which lives in the settings only.
    pub key_id: Option<Uuid>,
}

pub async fn create(db: impl PgExecutor<'_>, name: &str) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!("INSERT INTO tenant (id, name) VALUES ($1, $2)", id, name).execute(db).await?;
    Ok(id)
}

/// The tenant's name.
pub async fn name(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT name FROM tenant WHERE id = $1", id).fetch_optional(db).await?)
}

/// Stores a key's hash for `tenant_id`; returns the key's id.
pub async fn add_key(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    key_hash: &[u8; 32],
    key_prefix: &str,
    label: &str,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO api_key (id, tenant_id, key_hash, key_prefix, label) VALUES ($1, $2, $3, $4, $5)",
        id,
        tenant_id,
        key_hash.as_slice(),
        key_prefix,
        label,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// The tenant a key belongs to, unless it is unknown or revoked.
pub async fn key_owner(db: impl PgExecutor<'_>, key_hash: &[u8; 32]) -> Result<Option<KeyOwner>, StoreError> {
    let row = sqlx::query!(
        "SELECT id, tenant_id FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL",
        key_hash.as_slice(),
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| KeyOwner { tenant_id: r.tenant_id, key_id: Some(r.id) }))
}

/// A key as its tenant sees it: never the key, only its first characters.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: Uuid,
    pub prefix: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The tenant's stored keys, newest first (API_BOOTSTRAP_KEY is in the settings, not here).
pub async fn keys(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<KeyRow>, StoreError> {
    let rows = sqlx::query_as!(
        KeyRow,
        r#"SELECT id, key_prefix AS prefix, label, created_at, revoked_at FROM api_key
           WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC"#,
        tenant_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Withdraws one of the tenant's keys for good: it is refused from the next request on. Returns when it
/// was revoked (earlier, if it already was), or `None` when the tenant has no such key.
pub async fn revoke_key(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    key_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let revoked = sqlx::query_scalar!(
        r#"UPDATE api_key SET revoked_at = coalesce(revoked_at, now())
           WHERE id = $1 AND tenant_id = $2 RETURNING revoked_at AS "revoked_at!""#,
        key_id,
        tenant_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(revoked)
}

/// A new key for `by`'s tenant, made with `by`'s key, and its line in the audit trail: one transaction.
pub async fn create_key(
    pool: &PgPool,
    by: KeyOwner,
    key_hash: &[u8; 32],
    key_prefix: &str,
    label: &str,
) -> Result<Uuid, StoreError> {
    let mut tx = pool.begin().await?;
    let id = add_key(&mut *tx, by.tenant_id, key_hash, key_prefix, label).await?;
    audit(&mut *tx, by, "api_key.create", &id.to_string(), &serde_json::json!({ "prefix": key_prefix })).await?;
    tx.commit().await?;
    Ok(id)
}

/// Revokes one of `by`'s tenant's keys with its line in the audit trail: one transaction. `None` when the
/// tenant has no such key (nothing is written).
pub async fn revoke_key_audited(
    pool: &PgPool,
    by: KeyOwner,
    key_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(revoked) = revoke_key(&mut *tx, by.tenant_id, key_id).await? else { return Ok(None) };
    audit(&mut *tx, by, "api_key.revoke", &key_id.to_string(), &serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(Some(revoked))
}

/// One line of the audit trail: `action` done to `subject` (an id or a masked number) by `by`.
pub async fn audit(
    db: impl PgExecutor<'_>,
    by: KeyOwner,
    action: &str,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO audit_event (tenant_id, api_key_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        by.tenant_id,
        by.key_id,
        action,
        subject,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}
