//! The operators' API: everything but the webhooks, each call made with a tenant's API key and seeing only
//! that tenant's data. Bad input is a 400 naming what was wrong, in the one error shape.

mod assistants;
pub mod auth;
mod chat;
mod conversations;
mod json;
mod keys;
pub mod limits;
mod numbers;
pub mod openapi;
mod sending;
mod stats;
mod submissions;
mod takeover;
mod trying;
mod uploads;

use actix_web::web;
use serde::Deserialize;

use crate::error::ApiError;

/// Largest JSON body the API takes (an assistant with a long prompt and form fits many times over).
const MAX_JSON_BYTES: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::default().limit(MAX_JSON_BYTES))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::bad_request("invalid_query", e.to_string()).into()),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _| ApiError::bad_request("invalid_path", e.to_string()).into()),
        );

    cfg.route("/api/openapi.json", web::get().to(openapi::document)).route("/api/docs", web::get().to(openapi::page));

    cfg.route("/api/v1/assistants", web::post().to(assistants::create))
        .route("/api/v1/assistants", web::get().to(assistants::list))
        .route("/api/v1/assistants/{id}", web::get().to(assistants::get))
        .route("/api/v1/assistants/{id}", web::patch().to(assistants::update))
        .route("/api/v1/assistants/{id}", web::delete().to(assistants::delete))
        .route("/api/v1/assistants/{id}/submissions", web::get().to(submissions::list));

    cfg.route("/api/v1/keys", web::post().to(keys::create))
        .route("/api/v1/keys", web::get().to(keys::list))
        .route("/api/v1/keys/{id}", web::delete().to(keys::revoke));

    cfg.route("/api/v1/phone-numbers", web::post().to(numbers::add))
        .route("/api/v1/phone-numbers", web::get().to(numbers::list))
        .route("/api/v1/phone-numbers/{id}", web::patch().to(numbers::assign))
        .route("/api/v1/phone-numbers/{id}", web::delete().to(numbers::remove));

    // The first seed system's paths.
    cfg.route("/api/conversations", web::get().to(conversations::list))
        .route("/api/conversations/{phone_number}", web::get().to(conversations::with_contact))
        .route("/api/conversations/{phone_number}", web::delete().to(conversations::erase))
        .route("/api/v1/sms/conversation/{conversation_id}", web::get().to(conversations::by_id))
        .route("/api/v1/sms/conversation/{conversation_id}/pause", web::post().to(takeover::pause))
        .route("/api/v1/sms/conversation/{conversation_id}/resume", web::post().to(takeover::resume))
        .route("/api/v1/sms/conversation/{conversation_id}/uploads", web::get().to(uploads::list))
        .route("/api/v1/sms/conversation/{conversation_id}/upload-link", web::post().to(uploads::send_link))
        .route("/api/v1/uploads/{id}", web::get().to(uploads::download));

    cfg.route("/api/v1/sms/send", web::post().to(sending::send))
        .route("/api/v1/sms/test", web::post().to(trying::feed))
        .route("/api/v1/sms/stats", web::get().to(stats::stats));

    // The receptionist seed's text chat.
    cfg.route("/chat/{tenant_id}", web::post().to(chat::chat));
}

/// `?limit=&offset=` on lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    #[serde(default = "Page::default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl Page {
    const MAX_LIMIT: i64 = 200;

    fn default_limit() -> i64 {
        50
    }

    fn checked(self) -> Result<Page, ApiError> {
        if !(1..=Self::MAX_LIMIT).contains(&self.limit) {
            return Err(ApiError::bad_request("invalid_query", format!("limit must be 1 to {}", Self::MAX_LIMIT)));
        }
        if self.offset < 0 {
            return Err(ApiError::bad_request("invalid_query", "offset must not be negative"));
        }
        Ok(self)
    }
}
