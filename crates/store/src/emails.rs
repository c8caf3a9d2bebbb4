//! Emails to send, kept as written: each row goes once (its job sends it and marks it in one step).

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// An email to queue.
#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    pub tenant_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// An iCalendar invite to attach.
    pub invite: Option<&'a str>,
}

/// An email waiting to go.
#[derive(Debug, Clone)]
pub struct QueuedEmail {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub invite: Option<String>,
}

pub async fn insert(db: impl PgExecutor<'_>, email: &NewEmail<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"
        INSERT INTO email_outbox (id, tenant_id, appointment_id, recipient, subject, body, invite)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        "#,
        id,
        email.tenant_id,
        email.appointment_id,
        email.recipient,
        email.subject,
        email.body,
        email.invite,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// The email, if it is still to go (not sent, failed or skipped), locked until the caller's transaction
/// ends.
pub async fn queued(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<QueuedEmail>, StoreError> {
    Ok(sqlx::query_as!(
        QueuedEmail,
        r#"
        SELECT id, recipient, subject, body, invite FROM email_outbox
        WHERE id = $1 AND status = 'queued'
        FOR UPDATE
        "#,
        id,
    )
    .fetch_optional(db)
    .await?)
}

/// Marks what became of the email: `sent`, `failed` (with why) or `skipped`.
pub async fn mark(db: impl PgExecutor<'_>, id: Uuid, status: &str, error: Option<&str>) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE email_outbox SET status = $2, error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END
        WHERE id = $1
        "#,
        id,
        status,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}
