//! Where each conversation's booking stands between texts, as the booking crate keeps it.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// The conversation's stage and its state; `None` when nothing is being chosen.
pub async fn get(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
) -> Result<Option<(String, serde_json::Value)>, StoreError> {
    let row = sqlx::query!("SELECT stage, state FROM booking_dialogue WHERE conversation_id = $1", conversation_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.stage, r.state)))
}

/// Sets the conversation's stage, or clears it (`None`).
pub async fn set(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    stage: Option<(&str, &serde_json::Value)>,
) -> Result<(), StoreError> {
    match stage {
        Some((stage, state)) => {
            sqlx::query!(
                r#"
                INSERT INTO booking_dialogue (conversation_id, stage, state) VALUES ($1, $2, $3)
                ON CONFLICT (conversation_id) DO UPDATE
                SET stage = EXCLUDED.stage, state = EXCLUDED.state, updated_at = now()
                "#,
                conversation_id,
                stage,
                state,
            )
            .execute(db)
            .await?;
        }
        None => {
            sqlx::query!("DELETE FROM booking_dialogue WHERE conversation_id = $1", conversation_id)
                .execute(db)
                .await?;
        }
    }
    Ok(())
}
