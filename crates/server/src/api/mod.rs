//! The operators' API: everything but the webhooks, each call made with a tenant's API key and seeing only
//! that tenant's data. Bad input is a 400 naming what was wrong, in the one error shape.

mod assistants;
pub mod auth;
mod chat;
mod conversations;
mod forms;
mod json;
mod keys;
pub mod limits;
mod me;
mod numbers;
pub mod openapi;
mod sending;
mod stats;
mod submissions;
mod takeover;
mod test_texts;
mod uploads;

use actix_web::middleware::from_fn;
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

    // Each resource checks its key before anything else of a request is read (see `auth::authenticate`).
    let keyed = |path| web::resource(path).wrap(from_fn(auth::authenticate));

    cfg.service(
        keyed("/api/v1/assistants").route(web::post().to(assistants::create)).route(web::get().to(assistants::list)),
    )
    .service(
        keyed("/api/v1/assistants/{id}")
            .route(web::get().to(assistants::get))
            .route(web::patch().to(assistants::update))
            .route(web::delete().to(assistants::delete)),
    )
    .service(keyed("/api/v1/assistants/{id}/submissions").route(web::get().to(submissions::list)))
    .service(keyed("/api/v1/forms/presets").route(web::get().to(forms::presets)))
    .service(keyed("/api/v1/me").route(web::get().to(me::me)));

    cfg.service(keyed("/api/v1/keys").route(web::post().to(keys::create)).route(web::get().to(keys::list)))
        .service(keyed("/api/v1/keys/{id}").route(web::delete().to(keys::revoke)));

    cfg.service(keyed("/api/v1/phone-numbers").route(web::post().to(numbers::add)).route(web::get().to(numbers::list)))
        .service(
            keyed("/api/v1/phone-numbers/{id}")
                .route(web::patch().to(numbers::assign))
                .route(web::delete().to(numbers::remove)),
        );

    // The first seed system's paths.
    cfg.service(keyed("/api/conversations").route(web::get().to(conversations::list)))
        .service(
            keyed("/api/conversations/{phone_number}")
                .route(web::get().to(conversations::with_contact))
                .route(web::delete().to(conversations::erase)),
        )
        .service(keyed("/api/v1/sms/conversation/{conversation_id}").route(web::get().to(conversations::by_id)))
        .service(keyed("/api/v1/sms/conversation/{conversation_id}/pause").route(web::post().to(takeover::pause)))
        .service(keyed("/api/v1/sms/conversation/{conversation_id}/resume").route(web::post().to(takeover::resume)))
        .service(keyed("/api/v1/sms/conversation/{conversation_id}/uploads").route(web::get().to(uploads::list)))
        .service(
            keyed("/api/v1/sms/conversation/{conversation_id}/upload-link").route(web::post().to(uploads::send_link)),
        )
        .service(keyed("/api/v1/uploads/{id}").route(web::get().to(uploads::download)))
        .service(keyed("/api/v1/media/{id}").route(web::get().to(uploads::download_media)));

    cfg.service(keyed("/api/v1/sms/send").route(web::post().to(sending::send)))
        .service(keyed("/api/v1/sms/test").route(web::post().to(test_texts::feed)))
        .service(keyed("/api/v1/sms/stats").route(web::get().to(stats::stats)));

    // The receptionist seed's text chat.
    cfg.service(keyed("/chat/{tenant_id}").route(web::post().to(chat::chat)));
}

/// `?limit=&offset=` on lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// 1 to 200; 50 when left out.
    #[serde(default = "Page::default_limit")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: i64,
    #[serde(default)]
    #[param(minimum = 0)]
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
