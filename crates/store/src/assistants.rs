//! Assistants: who answers a number's texts, and how.

use chrono::TimeDelta;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// An assistant as the reply logic needs it.
#[derive(Debug, Clone)]
pub struct Assistant {
    pub id: Uuid,
    pub name: String,
    pub first_sms: String,
    pub sms_prompt: String,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_reply_tokens: u32,
    pub history_limit: i64,
    pub session_window: TimeDelta,
}

/// A new assistant; the model settings take their defaults.
#[derive(Debug, Clone)]
pub struct NewAssistant<'a> {
    pub name: &'a str,
    pub first_sms: &'a str,
    pub sms_prompt: &'a str,
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewAssistant<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO assistant (id, name, first_sms, sms_prompt) VALUES ($1, $2, $3, $4)",
        id,
        new.name,
        new.first_sms,
        new.sms_prompt,
    )
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Assistant>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT id, name, first_sms, sms_prompt, model, temperature, max_reply_tokens, history_limit,
               session_window_minutes
        FROM assistant WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Assistant {
        id: r.id,
        name: r.name,
        first_sms: r.first_sms,
        sms_prompt: r.sms_prompt,
        model: r.model,
        temperature: r.temperature,
        // The schema's checks keep both within 1..=100 and 1..=200.
        max_reply_tokens: r.max_reply_tokens.clamp(1, 100) as u32,
        history_limit: r.history_limit.into(),
        session_window: TimeDelta::minutes(r.session_window_minutes.into()),
    }))
}
