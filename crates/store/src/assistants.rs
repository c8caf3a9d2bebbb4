//! Assistants: who answers a number's texts, and how. Settings are written as checked and read back
//! through the same check, so a reader holds [`AssistantSettings`] and never raw JSON.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use smsagent_domain::assistant::{AssistantDraft, AssistantSettings};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{PgPool, StoreError};

/// An assistant as stored.
#[derive(Debug, Clone)]
pub struct Assistant {
    pub id: Uuid,
    pub settings: AssistantSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A row of `assistant`, as its columns hold it.
struct Row {
    id: Uuid,
    name: String,
    first_sms: String,
    sms_prompt: String,
    model: Option<String>,
    temperature: Option<f32>,
    max_reply_tokens: i32,
    history_limit: i32,
    session_window_minutes: i32,
    form: Option<serde_json::Value>,
    segment_budget: i32,
    help_text: Option<String>,
    completion_url: Option<String>,
    completion_secret: Option<String>,
    form_stale_after_hours: i32,
    id_photos: i16,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    /// The row's settings, checked as the API checks them: a row that fails (edited by hand past what
    /// the schema's constraints catch, such as a form) is reported, not half-read.
    fn into_assistant(self) -> Result<Assistant, StoreError> {
        let draft = AssistantDraft {
            name: self.name,
            first_sms: self.first_sms,
            sms_prompt: self.sms_prompt,
            model: self.model,
            temperature: self.temperature,
            max_reply_tokens: self.max_reply_tokens.into(),
            history_limit: self.history_limit.into(),
            session_window_minutes: self.session_window_minutes.into(),
            form: self.form,
            segment_budget: self.segment_budget.into(),
            help_text: self.help_text,
            completion_url: self.completion_url,
            completion_secret: self.completion_secret.map(SecretString::from),
            form_stale_after_hours: self.form_stale_after_hours.into(),
            id_photos: self.id_photos.into(),
        };
        let settings = draft.check().map_err(|e| StoreError::corrupt(format!("assistant {}: {e}", self.id)))?;
        Ok(Assistant { id: self.id, settings, created_at: self.created_at, updated_at: self.updated_at })
    }
}

/// Any assistant, by id (for the engine, which reaches it through a number).
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Assistant>, StoreError> {
    let row = sqlx::query_as!(
        Row,
        r#"
        SELECT id, name, first_sms, sms_prompt, model, temperature, max_reply_tokens, history_limit,
               session_window_minutes, form, segment_budget, help_text, completion_url, completion_secret,
               form_stale_after_hours, id_photos, created_at, updated_at
        FROM assistant WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?;
    row.map(Row::into_assistant).transpose()
}

/// What an assistant's compliance texts need: the program name and the support contact. Read apart from
/// the rest, so a form that no longer parses can never stand in the way of an opt-out.
/// The assistant's tenant.
pub async fn tenant_of(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Uuid>, StoreError> {
    Ok(sqlx::query_scalar!("SELECT tenant_id FROM assistant WHERE id = $1", id).fetch_optional(db).await?)
}

pub async fn program(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<(String, Option<String>)>, StoreError> {
    let row = sqlx::query!("SELECT name, help_text FROM assistant WHERE id = $1", id).fetch_optional(db).await?;
    Ok(row.map(|r| (r.name, r.help_text)))
}

pub async fn create(db: impl PgExecutor<'_>, tenant_id: Uuid, s: &AssistantSettings) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let form = s.form.as_ref().map(serde_json::to_value).transpose().map_err(StoreError::corrupt)?;
    // The casts cannot wrap: every number is within its (small) range.
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
        s.max_reply_tokens as i32,
        s.history_limit as i32,
        s.session_window_minutes as i32,
        form,
        s.segment_budget as i32,
        s.help_text,
        s.completion_url,
        s.completion_secret.as_ref().map(|secret| secret.expose_secret()),
        s.form_stale_after_hours as i32,
        i16::from(s.id_photos),
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
    let form = s.form.as_ref().map(serde_json::to_value).transpose().map_err(StoreError::corrupt)?;
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
        s.max_reply_tokens as i32,
        s.history_limit as i32,
        s.session_window_minutes as i32,
        form,
        s.segment_budget as i32,
        s.help_text,
        s.completion_url,
        s.completion_secret.as_ref().map(|secret| secret.expose_secret()),
        s.form_stale_after_hours as i32,
        i16::from(s.id_photos),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces one of the tenant's assistants with what `change` makes of its current settings, in one
/// transaction; `None` when the tenant has no such assistant. A `change` that fails changes nothing.
pub async fn update_with<E: From<StoreError>>(
    pool: &PgPool,
    tenant_id: Uuid,
    id: Uuid,
    change: impl AsyncFnOnce(AssistantSettings) -> Result<AssistantSettings, E>,
) -> Result<Option<Assistant>, E> {
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

/// The tenant's assistants, oldest first. One whose row no longer reads (a form broken by a hand edit) is
/// left out with a warning, rather than hiding the others.
pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<Assistant>, StoreError> {
    Ok(select(db, tenant_id, None)
        .await?
        .into_iter()
        .filter_map(|read| read.inspect_err(|error| tracing::warn!(%error, "an assistant left out")).ok())
        .collect())
}

/// One of the tenant's assistants.
pub async fn get(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<Assistant>, StoreError> {
    select(db, tenant_id, Some(id)).await?.pop().transpose()
}

/// The tenant's assistants, or only the one with `id`, each read or what is wrong with it.
async fn select(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Option<Uuid>,
) -> Result<Vec<Result<Assistant, StoreError>>, StoreError> {
    let rows = sqlx::query_as!(
        Row,
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
    Ok(rows.into_iter().map(Row::into_assistant).collect())
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
