//! `/api/v1/assistants/{id}/booking`: whether an assistant books appointments, and how.

use actix_web::{HttpResponse, web};
use smsagent_booking::calendar::CalendarSettings;
use smsagent_booking::settings::BookingSettings;
use smsagent_store::booking_settings;
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

/// Turns booking on for an assistant, or changes how it books; settings left out take their defaults.
#[utoipa::path(put, path = "/api/v1/assistants/{id}/booking", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = BookingSettings,
    responses((status = 200, body = BookingSettings), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn set(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<BookingSettings>,
) -> Result<HttpResponse, ApiError> {
    let mut settings = body.into_inner();
    // A secret sent back as shown (masked) keeps the one stored for the same calendar.
    let stored = booking_settings::get(&state.pool, operator.tenant_id(), *id)
        .await?
        .and_then(|json| serde_json::from_value::<BookingSettings>(json).ok());
    settings.calendar = settings
        .calendar
        .keeping_secret_of(stored.as_ref().map(|s| &s.calendar))
        .map_err(|e| ApiError::bad_request("invalid_booking", e))?;
    settings.rules().map_err(|e| ApiError::bad_request("invalid_booking", e.to_string()))?;
    // A CalDAV address is a tenant's URL like any other: it must reach outside, unless allowlisted.
    if let CalendarSettings::Caldav { url, .. } = &settings.calendar {
        state
            .egress
            .check(url)
            .await
            .map_err(|e| ApiError::bad_request("url_not_allowed", format!("calendar.url: {e}")))?;
    }
    let json = serde_json::to_value(&settings).map_err(ApiError::internal)?;
    if !booking_settings::set(&state.pool, operator.tenant_id(), *id, &json).await? {
        return Err(ApiError::not_found("no such assistant"));
    }
    Ok(HttpResponse::Ok().json(settings.shown()))
}

/// How an assistant books; 404 when it does not.
#[utoipa::path(get, path = "/api/v1/assistants/{id}/booking", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BookingSettings), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let json = booking_settings::get(&state.pool, operator.tenant_id(), *id)
        .await?
        .ok_or_else(|| ApiError::not_found("this assistant does not book appointments"))?;
    let settings: BookingSettings = serde_json::from_value(json).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(settings.shown()))
}

/// Turns booking off for an assistant (its appointments stay).
#[utoipa::path(delete, path = "/api/v1/assistants/{id}/booking", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    if !booking_settings::remove(&state.pool, operator.tenant_id(), *id).await? {
        return Err(ApiError::not_found("this assistant does not book appointments"));
    }
    Ok(HttpResponse::NoContent().finish())
}
