//! A tenant's API keys: make one (shown once), list them (by their first characters), revoke one. Rotating
//! a key is making a new one, switching to it and revoking the old; a revoked key is refused from the next
//! request on, as every request looks its key up.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use smsagent_store::tenants::{self, KeyRow};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::api_keys::new_key;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// What the key is for ("CRM sync"), up to 100 characters.
    #[serde(default)]
    label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    id: Uuid,
    /// The key's first characters, to tell keys apart.
    prefix: String,
    label: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for KeyView {
    fn from(k: KeyRow) -> Self {
        KeyView { id: k.id, prefix: k.prefix, label: k.label, created_at: k.created_at, revoked_at: k.revoked_at }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    id: Uuid,
    /// The key itself, shown this once: only its hash is kept.
    key: String,
    prefix: String,
    label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    keys: Vec<KeyView>,
}

/// Makes a key for the tenant; the answer is the only time it is shown.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", security(("api_key" = [])),
    request_body = NewKeyRequest,
    responses((status = 201, body = CreatedKey), (status = 400, body = crate::error::ErrorBody)))]
pub async fn create(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<NewKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let label = body.into_inner().label.trim().to_owned();
    if label.chars().count() > 100 {
        return Err(ApiError::bad_request("invalid_label", "label must be at most 100 characters"));
    }
    let key = new_key();
    let id = tenants::create_key(&state.pool, operator.0, &key.hash, &key.prefix, &label).await?;
    let created = CreatedKey { id, key: key.key.expose_secret().to_owned(), prefix: key.prefix, label };
    Ok(HttpResponse::Created().json(created))
}

/// The tenant's keys, newest first, revoked ones included.
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys", security(("api_key" = [])),
    responses((status = 200, body = KeyList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = tenants::keys(&state.pool, operator.tenant_id()).await?.into_iter().map(KeyView::from).collect();
    Ok(HttpResponse::Ok().json(KeyList { keys }))
}

/// Revokes a key for good (a key may revoke itself). Repeating it changes nothing.
#[utoipa::path(delete, path = "/api/v1/keys/{id}", tag = "keys", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if tenants::revoke_key_audited(&state.pool, operator.0, *id).await?.is_none() {
        return Err(ApiError::not_found("no such key"));
    }
    Ok(HttpResponse::NoContent().finish())
}
