//! Forms in conversations: the session holding a form's state, and the submissions of completed forms.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use smsagent_domain::Contact;
use smsagent_domain::form::FormState;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::StoreError;

/// The form in play in a conversation.
#[derive(Debug, Clone)]
pub struct FormSession {
    pub id: Uuid,
    pub state: FormState,
    pub completed: bool,
    pub updated_at: DateTime<Utc>,
}

/// The conversation's form in play, if any.
pub async fn current(db: impl PgExecutor<'_>, conversation_id: Uuid) -> Result<Option<FormSession>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT id, state, status, updated_at FROM form_session
        WHERE conversation_id = $1 AND status <> 'abandoned'
        "#,
        conversation_id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(FormSession {
            id: r.id,
            state: serde_json::from_value(r.state).map_err(StoreError::corrupt)?,
            completed: r.status == "completed",
            updated_at: r.updated_at,
        })
    })
    .transpose()
}

/// Starts a form afresh, setting aside the one in play (started over, or gone stale).
pub async fn begin(
    db: &mut PgConnection,
    conversation_id: Uuid,
    assistant_id: Uuid,
    state: &FormState,
) -> Result<Uuid, StoreError> {
    sqlx::query!(
        "UPDATE form_session SET status = 'abandoned', updated_at = now() WHERE conversation_id = $1 AND status <> 'abandoned'",
        conversation_id,
    )
    .execute(&mut *db)
    .await?;
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"
        INSERT INTO form_session (id, conversation_id, assistant_id, state, status, completed_at)
        VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN 'completed' ELSE 'in_progress' END, CASE WHEN $5 THEN now() END)
        "#,
        id,
        conversation_id,
        assistant_id,
        serde_json::to_value(state).map_err(StoreError::corrupt)?,
        state.completed,
    )
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// Stores a form's new state.
pub async fn save(db: impl PgExecutor<'_>, id: Uuid, state: &FormState) -> Result<(), StoreError> {
    sqlx::query!(
        r#"
        UPDATE form_session
        SET state = $2,
            status = CASE WHEN $3 THEN 'completed' ELSE 'in_progress' END,
            completed_at = CASE WHEN $3 THEN COALESCE(completed_at, now()) END,
            updated_at = now()
        WHERE id = $1
        "#,
        id,
        serde_json::to_value(state).map_err(StoreError::corrupt)?,
        state.completed,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A completed form to store.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    pub form_session_id: Uuid,
    pub conversation_id: Uuid,
    pub assistant_id: Uuid,
    pub contact: &'a Contact,
    pub answers: serde_json::Value,
    /// Keys of the answers taken as given, for a person to verify.
    pub unverified: Vec<String>,
    /// Whether it is to be POSTed to the assistant's completion URL.
    pub deliver: bool,
}

pub async fn insert_submission(db: impl PgExecutor<'_>, new: &NewSubmission<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"
        INSERT INTO form_submission
            (id, form_session_id, conversation_id, assistant_id, contact_number, answers, unverified, delivery_status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN 'pending' ELSE 'not_configured' END)
        "#,
        id,
        new.form_session_id,
        new.conversation_id,
        new.assistant_id,
        new.contact.as_str(),
        new.answers,
        &new.unverified,
        new.deliver,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// A submission and where it goes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub assistant_id: Option<Uuid>,
    pub conversation_id: Uuid,
    pub contact_number: String,
    pub answers: serde_json::Value,
    pub unverified: Vec<String>,
    pub submitted_at: DateTime<Utc>,
    pub delivered: bool,
    pub url: Option<String>,
    pub secret: Option<SecretString>,
}

pub async fn delivery(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Delivery>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT s.id, s.assistant_id, s.conversation_id, s.contact_number, s.answers, s.unverified, s.created_at,
               s.delivery_status,
               a.completion_url AS "completion_url?", a.completion_secret AS "completion_secret?"
        FROM form_submission s LEFT JOIN assistant a ON a.id = s.assistant_id
        WHERE s.id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Delivery {
        id: r.id,
        assistant_id: r.assistant_id,
        conversation_id: r.conversation_id,
        contact_number: r.contact_number,
        answers: r.answers,
        unverified: r.unverified,
        submitted_at: r.created_at,
        delivered: r.delivery_status == "delivered",
        url: r.completion_url,
        secret: r.completion_secret.map(SecretString::from),
    }))
}

/// Records how the POST of a submission ended: `Ok` delivered, `Err(reason)` failed for good.
pub async fn record_delivery(db: impl PgExecutor<'_>, id: Uuid, outcome: Result<(), &str>) -> Result<(), StoreError> {
    let (status, error) = match outcome {
        Ok(()) => ("delivered", None),
        Err(reason) => ("failed", Some(reason)),
    };
    sqlx::query!(
        r#"
        UPDATE form_submission
        SET delivery_status = $2, delivery_error = $3, delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
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

/// A completed form as operators list it.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub contact_number: String,
    pub answers: serde_json::Value,
    /// Keys of the answers taken as given, for a person to verify.
    pub unverified: Vec<String>,
    pub delivery_status: String,
    pub created_at: DateTime<Utc>,
}

/// The submissions of one of the tenant's assistants, oldest first (`limit` from `offset`).
pub async fn submissions(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    assistant_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<SubmissionRow>, StoreError> {
    Ok(sqlx::query_as!(
        SubmissionRow,
        r#"
        SELECT s.id, s.conversation_id, s.contact_number, s.answers, s.unverified, s.delivery_status, s.created_at
        FROM form_submission s JOIN assistant a ON a.id = s.assistant_id AND a.tenant_id = $1
        WHERE s.assistant_id = $2
        ORDER BY s.created_at, s.id LIMIT $3 OFFSET $4
        "#,
        tenant_id,
        assistant_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await?)
}
