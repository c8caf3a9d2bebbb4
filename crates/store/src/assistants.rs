//! Assistants: who answers a number's texts, and how.

use chrono::TimeDelta;
use secrecy::SecretString;
use smsagent_domain::form::Form;
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
    /// The form it collects; `None` for a general assistant.
    pub form: Option<Form>,
    pub segment_budget: usize,
    /// The support contact given in answer to HELP.
    pub help_text: Option<String>,
    pub completion_url: Option<String>,
    pub completion_secret: Option<SecretString>,
    pub form_stale_after: TimeDelta,
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
               form_stale_after_hours
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
