//! `/api/v1/assistants`: who answers a number's texts, and how. An update is a JSON merge patch (RFC 7396)
//! on the assistant as it stands, checked whole, so a patch can never leave an assistant half-valid.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use smsagent_domain::form::Form;
use smsagent_egress::Guard;
use smsagent_store::assistants::{self, AssistantSettings, StoredAssistant};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// An assistant as sent to create or (merged with a patch) to update one.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistantInput {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// The greeting of each new session; empty: the model answers the first text.
    #[serde(default)]
    first_sms: String,
    /// Not blank.
    #[schema(min_length = 1)]
    sms_prompt: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    temperature: Option<f32>,
    #[serde(default = "defaults::max_reply_tokens")]
    #[schema(minimum = 1, maximum = 100)]
    max_reply_tokens: i32,
    #[serde(default = "defaults::history_limit")]
    #[schema(minimum = 1, maximum = 200)]
    history_limit: i32,
    #[serde(default = "defaults::session_window_minutes")]
    #[schema(minimum = 1, maximum = 10080)]
    session_window_minutes: i32,
    /// The form to collect (see the README); null for a general assistant.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    form: Option<Value>,
    #[serde(default = "defaults::segment_budget")]
    #[schema(minimum = 1, maximum = 10)]
    segment_budget: i32,
    #[serde(default)]
    help_text: Option<String>,
    /// Where completed forms are POSTed, signed. It must reach the public internet: private, loopback,
    /// link-local and metadata addresses are refused (unless the deployment allowlists the host), and
    /// redirects are not followed.
    #[serde(default)]
    completion_url: Option<String>,
    /// At least 16 characters. Write-only: never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 16)]
    completion_secret: Option<String>,
    #[serde(default = "defaults::form_stale_after_hours")]
    #[schema(minimum = 1, maximum = 8760)]
    form_stale_after_hours: i32,
    /// ID photos to ask for when the form completes, through an upload link: 0 (none), 1 (the front) or
    /// 2 (front and back).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    id_photos: i16,
}

mod defaults {
    pub fn max_reply_tokens() -> i32 {
        100
    }
    pub fn history_limit() -> i32 {
        20
    }
    pub fn session_window_minutes() -> i32 {
        30
    }
    pub fn segment_budget() -> i32 {
        2
    }
    pub fn form_stale_after_hours() -> i32 {
        72
    }
}

/// An assistant as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssistantView {
    id: Uuid,
    name: String,
    first_sms: String,
    sms_prompt: String,
    model: Option<String>,
    temperature: Option<f32>,
    max_reply_tokens: i32,
    history_limit: i32,
    session_window_minutes: i32,
    #[schema(value_type = Option<Object>)]
    form: Option<Value>,
    segment_budget: i32,
    help_text: Option<String>,
    completion_url: Option<String>,
    /// Whether completions are signed (the secret itself is never shown).
    completion_secret_set: bool,
    form_stale_after_hours: i32,
    id_photos: i16,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl AssistantInput {
    /// The settings to store, or a 400 saying what is wrong. A completion URL is checked against `egress` as
    /// written, and, unless it is `unchanged` (resolved when it was set), on the addresses its name resolves
    /// to now.
    async fn checked(self, egress: &Guard, unchanged: Option<&str>) -> Result<AssistantSettings, ApiError> {
        let invalid = |message: String| ApiError::bad_request("invalid_assistant", message);
        let within = |name: &str, value: i32, low: i32, high: i32| {
            if (low..=high).contains(&value) { Ok(()) } else { Err(invalid(format!("{name} must be {low} to {high}"))) }
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(invalid("name must be 1 to 100 characters".into()));
        }
        if self.sms_prompt.trim().is_empty() {
            return Err(invalid("sms_prompt must not be empty".into()));
        }
        if let Some(t) = self.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(invalid("temperature must be 0 to 2".into()));
        }
        within("max_reply_tokens", self.max_reply_tokens, 1, 100)?;
        within("history_limit", self.history_limit, 1, 200)?;
        within("session_window_minutes", self.session_window_minutes, 1, 7 * 24 * 60)?;
        within("segment_budget", self.segment_budget, 1, 10)?;
        within("form_stale_after_hours", self.form_stale_after_hours, 1, 24 * 365)?;
        within("id_photos", self.id_photos.into(), 0, 2)?;
        if let Some(form) = &self.form {
            Form::from_json(form).map_err(|e| invalid(format!("form: {e}")))?;
        }
        if let Some(url) = &self.completion_url {
            let checked =
                if unchanged == Some(url.as_str()) { egress.check_written(url) } else { egress.check(url).await };
            checked.map_err(|e| invalid(format!("completion_url: {e}")))?;
        }
        if self.completion_secret.as_deref().is_some_and(|s| s.len() < 16) {
            return Err(invalid("completion_secret must be at least 16 characters".into()));
        }
        Ok(AssistantSettings {
            name: self.name.trim().to_owned(),
            first_sms: self.first_sms,
            sms_prompt: self.sms_prompt,
            model: self.model.filter(|m| !m.trim().is_empty()),
            temperature: self.temperature,
            max_reply_tokens: self.max_reply_tokens,
            history_limit: self.history_limit,
            session_window_minutes: self.session_window_minutes,
            form: self.form,
            segment_budget: self.segment_budget,
            help_text: self.help_text.filter(|h| !h.trim().is_empty()),
            completion_url: self.completion_url,
            completion_secret: self.completion_secret.map(SecretString::from),
            form_stale_after_hours: self.form_stale_after_hours,
            id_photos: self.id_photos,
        })
    }

    fn from_settings(s: AssistantSettings) -> AssistantInput {
        AssistantInput {
            name: s.name,
            first_sms: s.first_sms,
            sms_prompt: s.sms_prompt,
            model: s.model,
            temperature: s.temperature,
            max_reply_tokens: s.max_reply_tokens,
            history_limit: s.history_limit,
            session_window_minutes: s.session_window_minutes,
            form: s.form,
            segment_budget: s.segment_budget,
            help_text: s.help_text,
            completion_url: s.completion_url,
            completion_secret: s.completion_secret.map(|secret| secret.expose_secret().to_owned()),
            form_stale_after_hours: s.form_stale_after_hours,
            id_photos: s.id_photos,
        }
    }
}

fn view(stored: StoredAssistant) -> AssistantView {
    let s = stored.settings;
    AssistantView {
        id: stored.id,
        name: s.name,
        first_sms: s.first_sms,
        sms_prompt: s.sms_prompt,
        model: s.model,
        temperature: s.temperature,
        max_reply_tokens: s.max_reply_tokens,
        history_limit: s.history_limit,
        session_window_minutes: s.session_window_minutes,
        form: s.form,
        segment_budget: s.segment_budget,
        help_text: s.help_text,
        completion_url: s.completion_url,
        completion_secret_set: s.completion_secret.is_some(),
        form_stale_after_hours: s.form_stale_after_hours,
        id_photos: s.id_photos,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

/// Creates an assistant; settings left out take their defaults.
#[utoipa::path(post, path = "/api/v1/assistants", tag = "assistants", security(("api_key" = [])),
    request_body = AssistantInput,
    responses((status = 201, body = AssistantView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn create(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<AssistantInput>,
) -> Result<HttpResponse, ApiError> {
    let settings = body.into_inner().checked(&state.egress, None).await?;
    let id = assistants::create(&state.pool, operator.tenant_id(), &settings).await?;
    let stored = assistants::get(&state.pool, operator.tenant_id(), id).await?.ok_or_else(gone)?;
    Ok(HttpResponse::Created().json(view(stored)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssistantList {
    assistants: Vec<AssistantView>,
}

/// The tenant's assistants, oldest first.
#[utoipa::path(get, path = "/api/v1/assistants", tag = "assistants", security(("api_key" = [])),
    responses((status = 200, body = AssistantList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let assistants = assistants::list(&state.pool, operator.tenant_id()).await?.into_iter().map(view).collect();
    Ok(HttpResponse::Ok().json(AssistantList { assistants }))
}

/// One assistant.
#[utoipa::path(get, path = "/api/v1/assistants/{id}", tag = "assistants", security(("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = AssistantView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let stored = assistants::get(&state.pool, operator.tenant_id(), *id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(view(stored)))
}

/// Updates an assistant with a JSON merge patch (null restores a default); the result is checked whole.
#[utoipa::path(patch, path = "/api/v1/assistants/{id}", tag = "assistants", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Object, description = "a JSON merge patch of AssistantInput"),
    responses((status = 200, body = AssistantView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    patch: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let Value::Object(patch) = patch.into_inner() else {
        return Err(ApiError::bad_request("invalid_body", "send a JSON object with the fields to change"));
    };
    let egress = &state.egress;
    // The patch on the assistant as it stands, checked whole; a completion URL kept as it was is not
    // resolved again.
    let merged = async move |current: AssistantSettings| {
        let previous_url = current.completion_url.clone();
        let mut merged = serde_json::to_value(AssistantInput::from_settings(current)).map_err(ApiError::internal)?;
        merge_patch(&mut merged, Value::Object(patch));
        let input: AssistantInput =
            serde_json::from_value(merged).map_err(|e| ApiError::bad_request("invalid_assistant", e.to_string()))?;
        input.checked(egress, previous_url.as_deref()).await
    };
    let stored =
        assistants::update_with(&state.pool, operator.tenant_id(), *id, merged).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(view(stored)))
}

/// Deletes an assistant: its numbers and conversations are left unanswered.
#[utoipa::path(delete, path = "/api/v1/assistants/{id}", tag = "assistants", security(("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if !assistants::delete(&state.pool, operator.tenant_id(), *id).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// RFC 7396: objects merge key by key, null removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(&key);
                } else {
                    merge_patch(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("no such assistant")
}

fn gone() -> ApiError {
    ApiError::internal(anyhow::anyhow!("an assistant vanished within its own transaction"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merge_patch;

    #[test]
    fn a_merge_patch_replaces_removes_and_merges() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        merge_patch(&mut doc, json!({"a": null, "b": {"c": 5}, "e": [3], "f": "new"}));
        assert_eq!(doc, json!({"b": {"c": 5, "d": 3}, "e": [3], "f": "new"}));
    }
}
