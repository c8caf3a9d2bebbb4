//! Assistants: who answers a number's texts, and how.

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use smsagent_domain::form::Form;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{PgPool, StoreError};

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
    /// The form it collects; `None` for a general assistant.
    pub form: Option<Form>,
    pub segment_budget: usize,
    /// The support contact given in answer to HELP.
    pub help_text: Option<String>,
    pub completion_url: Option<String>,
    pub completion_secret: Option<SecretString>,
    pub form_stale_after: TimeDelta,
    /// ID photos asked for when the form completes: 0, 1 (front) or 2 (front and back).
    pub id_photos: i16,
}

/// A new assistant; the model and SMS settings take their defaults.
#[derive(Debug, Clone)]
pub struct NewAssistant<'a> {
    pub name: &'a str,
    pub first_sms: &'a str,
    pub sms_prompt: &'a str,
    pub form: Option<&'a Form>,
}

pub async fn insert(db: impl PgExecutor<'_>, new: &NewAssistant<'_>) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let form = new.form.map(serde_json::to_value).transpose().map_err(StoreError::corrupt)?;
    sqlx::query!(
        "INSERT INTO assistant (id, name, first_sms, sms_prompt, form) VALUES ($1, $2, $3, $4, $5)",
        id,
        new.name,
        new.first_sms,
        new.sms_prompt,
        form,
    )
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Assistant>, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT id, name, first_sms, sms_prompt, model, temperature, max_reply_tokens, history_limit,
               session_window_minutes, form, segment_budget, help_text, completion_url, completion_secret,
               form_stale_after_hours, id_photos
        FROM assistant WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(Assistant {
            id: r.id,
            name: r.name,
            first_sms: r.first_sms,
            sms_prompt: r.sms_prompt,
            model: r.model,
            temperature: r.temperature,
            // The schema's checks keep these within their ranges.
            max_reply_tokens: r.max_reply_tokens.clamp(1, 100) as u32,
            history_limit: r.history_limit.into(),
            session_window: TimeDelta::minutes(r.session_window_minutes.into()),
            form: r.form.as_ref().map(Form::from_json).transpose().map_err(StoreError::corrupt)?,
            segment_budget: r.segment_budget.clamp(1, 10) as usize,
            help_text: r.help_text,
            completion_url: r.completion_url,
            completion_secret: r.completion_secret.map(SecretString::from),
            form_stale_after: TimeDelta::hours(r.form_stale_after_hours.into()),
            id_photos: r.id_photos,
        })
    })
    .transpose()
}

/// What an assistant's compliance texts need: the program name and the support contact. Read apart from
/// the rest, so a form that no longer parses can never stand in the way of an opt-out.
pub async fn program(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<(String, Option<String>)>, StoreError> {
    let row = sqlx::query!("SELECT name, help_text FROM assistant WHERE id = $1", id).fetch_optional(db).await?;
    Ok(row.map(|r| (r.name, r.help_text)))
}

/// Where completed forms go, and how to sign them (for tests and the operators' API).
pub async fn set_completion(
    db: impl PgExecutor<'_>,
    id: Uuid,
    url: Option<&str>,
    secret: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE assistant SET completion_url = $2, completion_secret = $3, updated_at = now() WHERE id = $1",
        id,
        url,
        secret,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Everything an operator sets on an assistant (checked by the caller; the schema checks the ranges).
#[derive(Debug, Clone)]
pub struct AssistantSettings {
    pub name: String,
    pub first_sms: String,
    pub sms_prompt: String,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_reply_tokens: i32,
    pub history_limit: i32,
    pub session_window_minutes: i32,
    pub form: Option<serde_json::Value>,
    pub segment_budget: i32,
    pub help_text: Option<String>,
    pub completion_url: Option<String>,
    pub completion_secret: Option<SecretString>,
    pub form_stale_after_hours: i32,
    pub id_photos: i16,
}

/// An assistant as its tenant's operators see it.
#[derive(Debug, Clone)]
pub struct StoredAssistant {
    pub id: Uuid,
    pub settings: AssistantSettings,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

pub async fn create(db: impl PgExecutor<'_>, tenant_id: Uuid, s: &AssistantSettings) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"
        INSERT INTO assistant (id, tenant_id, name, first_sms, sms_prompt, model, temperature, max_reply_tokens,
                               history_limit, session_window_minutes, form, segment_budget, help_text,
                               completion_url, completion_secret, form_stale_after_hours, id_photos)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        "#,
        id,
        tenant_id,
        s.name,
        s.first_sms,
        s.sms_prompt,
        s.model,
        s.temperature,
        s.max_reply_tokens,
        s.history_limit,
        s.session_window_minutes,
        s.form,
        s.segment_budget,
        s.help_text,
        s.completion_url,
        s.completion_secret.as_ref().map(|secret| secret.expose_secret()),
        s.form_stale_after_hours,
        s.id_photos,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Replaces an assistant's settings; false when the tenant has no such assistant.
pub async fn replace(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
    s: &AssistantSettings,
) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        r#"
        UPDATE assistant SET name = $3, first_sms = $4, sms_prompt = $5, model = $6, temperature = $7,
               max_reply_tokens = $8, history_limit = $9, session_window_minutes = $10, form = $11,
               segment_budget = $12, help_text = $13, completion_url = $14, completion_secret = $15,
               form_stale_after_hours = $16, id_photos = $17, updated_at = now()
        WHERE id = $1 AND tenant_id = $2
        "#,
        id,
        tenant_id,
        s.name,
        s.first_sms,
        s.sms_prompt,
        s.model,
        s.temperature,
        s.max_reply_tokens,
        s.history_limit,
        s.session_window_minutes,
        s.form,
        s.segment_budget,
        s.help_text,
        s.completion_url,
        s.completion_secret.as_ref().map(|secret| secret.expose_secret()),
        s.form_stale_after_hours,
        s.id_photos,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The tenant's assistants, oldest first.
/// Replaces one of the tenant's assistants with what `change` makes of its current settings, in one
/// transaction; `None` when the tenant has no such assistant. A `change` that fails changes nothing.
pub async fn update_with<E: From<StoreError>>(
    pool: &PgPool,
    tenant_id: Uuid,
    id: Uuid,
    change: impl AsyncFnOnce(AssistantSettings) -> Result<AssistantSettings, E>,
) -> Result<Option<StoredAssistant>, E> {
    let mut tx = pool.begin().await.map_err(StoreError::from)?;
    let Some(current) = get(&mut *tx, tenant_id, id).await? else { return Ok(None) };
    let settings = change(current.settings).await?;
    replace(&mut *tx, tenant_id, id, &settings).await?;
    let stored = get(&mut *tx, tenant_id, id)
        .await?
        .ok_or_else(|| StoreError::corrupt("an assistant vanished within its own transaction"))?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(stored))
}

pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<StoredAssistant>, StoreError> {
    select(db, tenant_id, None).await
}

/// One of the tenant's assistants.
pub async fn get(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<StoredAssistant>, StoreError> {
    Ok(select(db, tenant_id, Some(id)).await?.pop())
}

/// The tenant's assistants, or only the one with `id`.
async fn select(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Option<Uuid>,
) -> Result<Vec<StoredAssistant>, StoreError> {
    let rows = sqlx::query!(
        r#"
        SELECT id, name, first_sms, sms_prompt, model, temperature, max_reply_tokens, history_limit,
               session_window_minutes, form, segment_budget, help_text, completion_url, completion_secret,
               form_stale_after_hours, id_photos, created_at, updated_at
        FROM assistant WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY id
        "#,
        tenant_id,
        id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredAssistant {
            id: r.id,
            settings: AssistantSettings {
                name: r.name,
                first_sms: r.first_sms,
                sms_prompt: r.sms_prompt,
                model: r.model,
                temperature: r.temperature,
                max_reply_tokens: r.max_reply_tokens,
                history_limit: r.history_limit,
                session_window_minutes: r.session_window_minutes,
                form: r.form,
                segment_budget: r.segment_budget,
                help_text: r.help_text,
                completion_url: r.completion_url,
                completion_secret: r.completion_secret.map(SecretString::from),
                form_stale_after_hours: r.form_stale_after_hours,
                id_photos: r.id_photos,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Deletes one of the tenant's assistants: its numbers and conversations are left unanswered.
pub async fn delete(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
    let done =
        sqlx::query!("DELETE FROM assistant WHERE id = $1 AND tenant_id = $2", id, tenant_id).execute(db).await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the tenant owns the assistant (before a number is given to it).
pub async fn owned_by(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM assistant WHERE id = $1 AND tenant_id = $2) AS "exists!""#,
        id,
        tenant_id
    )
    .fetch_one(db)
    .await?)
}
