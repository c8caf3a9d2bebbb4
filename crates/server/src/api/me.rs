//! `GET /api/v1/me`: who a key speaks for, with what the tenant has, so a newcomer never needs the
//! database to find their tenant id (which `/chat/{tenant_id}` takes).

use actix_web::{HttpResponse, web};
use serde::Serialize;
use smsagent_store::{assistants, phone_numbers, tenants};
use uuid::Uuid;

use super::auth::Operator;
use super::numbers::NumberView;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    tenant_id: Uuid,
    tenant_name: String,
    /// The key making the call; null for API_BOOTSTRAP_KEY, which lives in the settings only.
    key_id: Option<Uuid>,
    /// Where this tenant's web chat takes messages.
    #[schema(example = "/chat/00000000-0000-0000-0000-000000000001")]
    chat_path: String,
    phone_numbers: Vec<NumberView>,
    assistants: Vec<AssistantSummary>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssistantSummary {
    id: Uuid,
    name: String,
    /// Whether it collects a form (else it only talks).
    collects_form: bool,
}

/// The key's tenant: its id and name, its numbers and its assistants.
#[utoipa::path(get, path = "/api/v1/me", tag = "tenant", security(("api_key" = [])),
    responses((status = 200, body = Me)))]
pub async fn me(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let tenant_id = operator.tenant_id();
    let tenant_name = tenants::name(&state.pool, tenant_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a key's tenant {tenant_id} is gone")))?;
    let phone_numbers = phone_numbers::list(&state.pool, tenant_id).await?.into_iter().map(NumberView::from).collect();
    let assistants = assistants::list(&state.pool, tenant_id)
        .await?
        .into_iter()
        .map(|a| AssistantSummary { id: a.id, name: a.settings.name, collects_form: a.settings.form.is_some() })
        .collect();
    Ok(HttpResponse::Ok().json(Me {
        tenant_id,
        tenant_name,
        key_id: operator.0.key_id,
        chat_path: format!("/chat/{tenant_id}"),
        phone_numbers,
        assistants,
    }))
}
