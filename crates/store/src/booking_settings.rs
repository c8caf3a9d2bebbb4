//! Which assistants book, and how: their booking settings, as JSON the booking crate checks.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Sets one of the tenant's assistants' booking settings; false when the tenant has no such assistant.
pub async fn set(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    assistant_id: Uuid,
    settings: &serde_json::Value,
) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        r#"
        INSERT INTO booking_settings (assistant_id, settings)
        SELECT id, $3 FROM assistant WHERE id = $1 AND tenant_id = $2
        ON CONFLICT (assistant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
        "#,
        assistant_id,
        tenant_id,
        settings,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The booking settings of one of the tenant's assistants; `None` when it does not book (or is not theirs).
pub async fn get(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    assistant_id: Uuid,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        SELECT b.settings FROM booking_settings b JOIN assistant a ON a.id = b.assistant_id
        WHERE b.assistant_id = $1 AND a.tenant_id = $2
        "#,
        assistant_id,
        tenant_id,
    )
    .fetch_optional(db)
    .await?)
}

/// An assistant's tenant and booking settings, whoever's it is (for the engine, which works for every
/// tenant); `None` when it does not book.
pub async fn of_assistant(
    db: impl PgExecutor<'_>,
    assistant_id: Uuid,
) -> Result<Option<(Uuid, serde_json::Value)>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT a.tenant_id, b.settings FROM booking_settings b JOIN assistant a ON a.id = b.assistant_id
        WHERE b.assistant_id = $1
        "#,
        assistant_id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.tenant_id, r.settings)))
}

/// Stops one of the tenant's assistants booking; false when it did not.
pub async fn remove(db: impl PgExecutor<'_>, tenant_id: Uuid, assistant_id: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        r#"
        DELETE FROM booking_settings b USING assistant a
        WHERE b.assistant_id = $1 AND a.id = b.assistant_id AND a.tenant_id = $2
        "#,
        assistant_id,
        tenant_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
