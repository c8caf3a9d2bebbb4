//! The OpenAPI 3.1 document, generated from the handlers' annotations, at `/api/openapi.json`; `docs_page`
//! renders it for people at `/api/docs`.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};

use super::{
    appointments, assistants, booking, chat, conversations, forms, keys, knowledge, me, numbers, sending, stats,
    submissions, takeover, test_texts, uploads, voice,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "smsagent operators' API", description = "Assistants, numbers, conversations, sending, stats and chat. \
        Every call carries a tenant's key as `Authorization: Bearer <key>` and sees only that tenant's data."),
    paths(
        me::me,
        assistants::create, assistants::list, assistants::get, assistants::update, assistants::delete,
        submissions::list, forms::presets,
        booking::set, booking::get, booking::remove,
        voice::get_days, voice::get_slots, voice::book,
        appointments::list, appointments::get, appointments::cancel, appointments::reschedule,
        knowledge::upload, knowledge::list, knowledge::remove, knowledge::search, knowledge::tools, knowledge::set_tools,
        keys::create, keys::list, keys::revoke,
        numbers::add, numbers::list, numbers::assign, numbers::remove,
        conversations::list, conversations::with_contact, conversations::erase, conversations::by_id,
        takeover::pause, takeover::resume,
        uploads::list, uploads::download, uploads::download_media, uploads::send_link,
        sending::send, test_texts::feed,
        stats::stats,
        chat::chat,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerKeys),
)]
struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sk_smsagent_…").build(),
            ),
        );
    }
}

/// The document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| panic!("the OpenAPI document: {e}"));
    common_answers(&mut document);
    document
});

/// The answers every keyed operation can give, beside its own: 401 (no valid key, checked before anything
/// else), 429 (the key's rate, or too many wrong keys from the caller's address) and, where the operation
/// reads a path, a query or a body, 400 for one that cannot be read.
fn common_answers(document: &mut Value) {
    let error = |description: &str| {
        serde_json::json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        })
    };
    let Some(paths) = document["paths"].as_object_mut() else { return };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut() {
            if operation.get("security").is_none() {
                continue;
            }
            let reads_input = operation.get("requestBody").is_some()
                || operation["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let Some(responses) = operation["responses"].as_object_mut() else { continue };
            let mut add = |status: &str, description: &str| {
                responses.entry(status).or_insert_with(|| error(description));
            };
            add("401", "No valid API key (`unauthorized`); nothing else of the request was looked at.");
            add(
                "429",
                concat!(
                    "Over the key's rate (API_RATE_LIMIT_PER_MINUTE), or too many wrong keys from this address ",
                    "(`rate_limited`); Retry-After says when to come back."
                ),
            );
            if reads_input {
                add(
                    "400",
                    concat!(
                        "A path, query or body that cannot be read (`invalid_path`, `invalid_query`, `invalid_body`: ",
                        "a body is one JSON object, with no NUL in its text, and no field unknown)."
                    ),
                );
            }
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

/// `GET /api/docs`: the document as a page for people (see `docs_page`).
pub async fn page() -> HttpResponse {
    static PAGE: LazyLock<String> = LazyLock::new(|| super::docs_page::render(&DOCUMENT));
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(PAGE.as_str())
}
