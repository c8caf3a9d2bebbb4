//! Where each conversation's booking stands between texts, as the booking crate keeps it.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Where a conversation's booking stands.
#[derive(Debug, Clone)]
pub struct Dialogue {
    pub stage: String,
    pub state: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

/// The conversation's stage and its state; `None` when nothing is being chosen.
pub async fn get(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<Option<Dialogue>, StoreError> {
    Ok(sqlx::query_as!(
        Dialogue,
        "SELECT stage, state, updated_at FROM booking_dialogue WHERE conversation_id = $1",
        conversation_id
    )
    .fetch_optional(db)
    .await?)
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
