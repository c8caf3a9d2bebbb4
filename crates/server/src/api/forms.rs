//! `GET /api/v1/forms/presets`: the forms that ship with the service, to give an assistant by name
//! (`"form": "tenant_screening"`) or to copy and change.

use actix_web::HttpResponse;
use serde::Serialize;
use smsagent_domain::form::Form;
use smsagent_domain::form::presets::PRESETS;

use super::auth::Operator;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresetList {
    presets: Vec<PresetView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresetView {
    /// What to write as an assistant's `form` to get this one.
    #[schema(example = "tenant_screening")]
    name: &'static str,
    description: &'static str,
    /// The whole definition, as an assistant given the preset keeps it.
    form: Form,
}

/// The form presets, each with its whole definition.
#[utoipa::path(get, path = "/api/v1/forms/presets", tag = "assistants", security(("api_key" = [])),
    responses((status = 200, body = PresetList)))]
pub async fn presets(_: Operator) -> HttpResponse {
    let presets = PRESETS
        .iter()
        .map(|preset| PresetView { name: preset.name, description: preset.description, form: preset.form() })
        .collect();
    HttpResponse::Ok().json(PresetList { presets })
}
