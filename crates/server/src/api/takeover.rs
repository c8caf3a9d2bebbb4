//! Human takeover: an operator pauses the assistant on a conversation (nothing automatic is sent; their
//! own texts go through `POST /api/v1/sms/send` and the model sees them later), and resumes it by call or
//! by leaving it idle for TAKEOVER_IDLE_MINUTES.

use actix_web::{HttpResponse, web};
use smsagent_store::takeover;
use uuid::Uuid;

use super::auth::Operator;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TakeoverState {
    conversation_id: Uuid,
    /// active or paused.
    status: String,
}

/// A person takes over: the assistant sends nothing automatic until resumed (or left idle).
#[utoipa::path(post, path = "/api/v1/sms/conversation/{conversation_id}/pause", tag = "conversations",
    security(("api_key" = [])), params(("conversation_id" = Uuid, Path)),
    responses((status = 200, body = TakeoverState), (status = 404, body = crate::error::ErrorBody)))]
pub async fn pause(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set(operator, state, *id, true).await
}

/// The assistant answers again.
#[utoipa::path(post, path = "/api/v1/sms/conversation/{conversation_id}/resume", tag = "conversations",
    security(("api_key" = [])), params(("conversation_id" = Uuid, Path)),
    responses((status = 200, body = TakeoverState), (status = 404, body = crate::error::ErrorBody)))]
pub async fn resume(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set(operator, state, *id, false).await
}

async fn set(operator: Operator, state: web::Data<AppState>, id: Uuid, paused: bool) -> Result<HttpResponse, ApiError> {
    let status = takeover::set_paused(&state.pool, operator.tenant_id(), id, paused).await?;
    let status = status.ok_or_else(|| ApiError::not_found("no such conversation"))?;
    if !paused {
        // Handed back to the assistant: a hand-off to a person ends.
        smsagent_store::handoffs::resolve(&state.pool, id, "resumed").await?;
    }
    Ok(HttpResponse::Ok().json(TakeoverState { conversation_id: id, status }))
}
