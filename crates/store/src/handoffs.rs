//! Hand-offs to a person: opened when the contact asks for one, ended by a person's reply or a resume.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// Opens a hand-off for the conversation; `None` when one is open already (the business was told).
pub async fn open(db: impl PgExecutor<'_>, conversation_id: Uuid, summary: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO handoff (id, conversation_id, summary) VALUES ($1, $2, $3)
        ON CONFLICT (conversation_id) WHERE resolved_at IS NULL DO NOTHING
        RETURNING id
        "#,
        Uuid::now_v7(),
        conversation_id,
        summary,
    )
    .fetch_optional(db)
    .await?)
}

/// Ends the conversation's open hand-off, if any: `by` is `operator_reply` or `resumed`.
pub async fn resolve(db: impl PgExecutor<'_>, conversation_id: Uuid, by: &str) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        "UPDATE handoff SET resolved_at = now(), resolved_by = $2 WHERE conversation_id = $1 AND resolved_at IS NULL",
        conversation_id,
        by,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A hand-off as the business is told of it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub contact_number: String,
    pub business_number: String,
    pub summary: String,
    pub requested_at: DateTime<Utc>,
    pub notified: bool,
    /// The assistant's completion URL and secret: where its webhooks go.
    pub url: Option<String>,
    pub secret: Option<SecretString>,
}

pub async fn notice(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Notice>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT h.id, h.conversation_id, c.contact_number, c.business_number, h.summary, h.requested_at,
               h.notified_at IS NOT NULL AS "notified!", a.completion_url, a.completion_secret
        FROM handoff h
        JOIN conversation c ON c.id = h.conversation_id
        LEFT JOIN assistant a ON a.id = c.assistant_id
        WHERE h.id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Notice {
        id: r.id,
        conversation_id: r.conversation_id,
        contact_number: r.contact_number,
        business_number: r.business_number,
        summary: r.summary,
        requested_at: r.requested_at,
        notified: r.notified,
        url: r.completion_url,
        secret: r.completion_secret.map(SecretString::from),
    }))
}

pub async fn mark_notified(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), StoreError> {
    sqlx::query!("UPDATE handoff SET notified_at = now() WHERE id = $1", id).execute(db).await?;
    Ok(())
}
