//! Tenants, their API keys (kept as hashes) and the audit trail of what operators did.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

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

/// Stores a key's hash for `tenant_id` (a key already stored is left as it is).
pub async fn add_key(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    key_hash: &[u8; 32],
    key_prefix: &str,
    label: &str,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO api_key (id, tenant_id, key_hash, key_prefix, label) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key_hash) DO NOTHING",
        Uuid::now_v7(),
        tenant_id,
        key_hash.as_slice(),
        key_prefix,
        label,
    )
    .execute(db)
    .await?;
    Ok(())
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
