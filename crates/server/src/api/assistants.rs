//! `/api/v1/assistants`: who answers a number's texts, and how. An update is a JSON merge patch (RFC 7396)
//! on the assistant as it stands, checked whole, so a patch can never leave an assistant half-valid.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use smsagent_domain::assistant::{AssistantDraft, AssistantSettings};
use smsagent_egress::Guard;
use smsagent_store::assistants::{self, Assistant};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// An assistant as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssistantView {
    id: Uuid,
    #[serde(flatten)]
    settings: AssistantSettings,
    /// Whether completions are signed (the secret itself is never shown).
    completion_secret_set: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Assistant> for AssistantView {
    fn from(stored: Assistant) -> AssistantView {
        AssistantView {
            id: stored.id,
            completion_secret_set: stored.settings.completion_secret.is_some(),
            settings: stored.settings,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

/// The settings to store, or a 400 saying what is wrong. A completion URL is checked against `egress` as
/// written, and, unless it is `unchanged` (resolved when it was set), on the addresses its name resolves
/// to now.
async fn checked(
    draft: AssistantDraft,
    egress: &Guard,
    unchanged: Option<&str>,
) -> Result<AssistantSettings, ApiError> {
    let invalid = |message: String| ApiError::bad_request("invalid_assistant", message);
    let settings = draft.check().map_err(|e| invalid(e.to_string()))?;
    if let Some(url) = &settings.completion_url {
        let checked = if unchanged == Some(url.as_str()) { egress.check_written(url) } else { egress.check(url).await };
        checked.map_err(|e| invalid(format!("completion_url: {e}")))?;
    }
    Ok(settings)
}

/// Creates an assistant; settings left out take their defaults.
#[utoipa::path(post, path = "/api/v1/assistants", tag = "assistants", security(("api_key" = [])),
    request_body = AssistantDraft,
    responses((status = 201, body = AssistantView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn create(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<AssistantDraft>,
) -> Result<HttpResponse, ApiError> {
    let settings = checked(body.into_inner(), &state.egress, None).await?;
    let id = assistants::create(&state.pool, operator.tenant_id(), &settings).await?;
    let stored = assistants::get(&state.pool, operator.tenant_id(), id).await?.ok_or_else(gone)?;
    Ok(HttpResponse::Created().json(AssistantView::from(stored)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssistantList {
    assistants: Vec<AssistantView>,
}

/// The tenant's assistants, oldest first.
#[utoipa::path(get, path = "/api/v1/assistants", tag = "assistants", security(("api_key" = [])),
    responses((status = 200, body = AssistantList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let assistants =
        assistants::list(&state.pool, operator.tenant_id()).await?.into_iter().map(AssistantView::from).collect();
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
    Ok(HttpResponse::Ok().json(AssistantView::from(stored)))
}

/// Updates an assistant with a JSON merge patch (null restores a default); the result is checked whole.
#[utoipa::path(patch, path = "/api/v1/assistants/{id}", tag = "assistants", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = Object, description = "a JSON merge patch of AssistantDraft"),
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
    // resolved again. The secret is never written out, so it is carried over unless the patch names it.
    let merged = async move |current: AssistantSettings| {
        let keeps_secret = !patch.contains_key("completion_secret");
        let mut merged = serde_json::to_value(&current).map_err(ApiError::internal)?;
        merge_patch(&mut merged, Value::Object(patch));
        let mut draft: AssistantDraft =
            serde_json::from_value(merged).map_err(|e| ApiError::bad_request("invalid_assistant", e.to_string()))?;
        if keeps_secret {
            draft.completion_secret = current.completion_secret;
        }
        checked(draft, egress, current.completion_url.as_deref()).await
    };
    let stored =
        assistants::update_with(&state.pool, operator.tenant_id(), *id, merged).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(AssistantView::from(stored)))
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
