//! The operators' API: everything but the webhooks, each call made with a tenant's API key and seeing only
//! that tenant's data. Bad input is a 400 naming what was wrong, in the one error shape.

mod appointments;
mod assistants;
pub mod auth;
mod booking;
mod chat;
mod conversations;
mod docs_page;
mod forms;
mod json;
mod keys;
mod knowledge;
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
mod voice;

use actix_web::http::Method;
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

    cfg.service(crate::routes::resource("/api/openapi.json", vec![(Method::GET, web::to(openapi::document))]))
        .service(crate::routes::resource("/api/docs", vec![(Method::GET, web::to(openapi::page))]));

    // Each resource checks its key before anything else of a request is read (see `auth::authenticate`),
    // and answers a method it does not take with a 405 (see `routes::resource`).
    let keyed = |path, routes| crate::routes::resource(path, routes).wrap(from_fn(auth::authenticate));
    let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);

    cfg.service(keyed("/api/v1/me", vec![(get.clone(), web::to(me::me))]))
        .service(keyed(
            "/api/v1/assistants",
            vec![(post.clone(), web::to(assistants::create)), (get.clone(), web::to(assistants::list))],
        ))
        .service(keyed(
            "/api/v1/assistants/{id}",
            vec![
                (get.clone(), web::to(assistants::get)),
                (patch.clone(), web::to(assistants::update)),
                (delete.clone(), web::to(assistants::delete)),
            ],
        ))
        .service(keyed("/api/v1/assistants/{id}/submissions", vec![(get.clone(), web::to(submissions::list))]))
        .service(keyed("/api/v1/forms/presets", vec![(get.clone(), web::to(forms::presets))]))
        .service(keyed(
            "/api/v1/assistants/{id}/booking",
            vec![
                (Method::PUT, web::to(booking::set)),
                (get.clone(), web::to(booking::get)),
                (delete.clone(), web::to(booking::remove)),
            ],
        ));

    // The knowledge base (a document's upload reads its body itself, to its own limit).
    cfg.service(keyed(
        "/api/v1/knowledge/documents",
        vec![(post.clone(), web::to(knowledge::upload)), (get.clone(), web::to(knowledge::list))],
    ))
    .service(keyed("/api/v1/knowledge/documents/{id}", vec![(delete.clone(), web::to(knowledge::remove))]))
    .service(keyed("/api/v1/knowledge/search", vec![(get.clone(), web::to(knowledge::search))]))
    .service(keyed(
        "/api/v1/assistants/{id}/builtin-tools",
        vec![(get.clone(), web::to(knowledge::tools)), (Method::PUT, web::to(knowledge::set_tools))],
    ));

    cfg.service(keyed("/api/v1/appointments", vec![(get.clone(), web::to(appointments::list))]))
        .service(keyed("/api/v1/appointments/{id}", vec![(get.clone(), web::to(appointments::get))]))
        .service(keyed("/api/v1/appointments/{id}/cancel", vec![(post.clone(), web::to(appointments::cancel))]))
        .service(keyed(
            "/api/v1/appointments/{id}/reschedule",
            vec![(post.clone(), web::to(appointments::reschedule))],
        ));

    // The receptionist seed's booking operations, for its voice agent.
    cfg.service(keyed("/voice/get-days", vec![(post.clone(), web::to(voice::get_days))]))
        .service(keyed("/voice/get-slots", vec![(post.clone(), web::to(voice::get_slots))]))
        .service(keyed("/voice/book", vec![(post.clone(), web::to(voice::book))]));

    cfg.service(keyed("/api/v1/keys", vec![(post.clone(), web::to(keys::create)), (get.clone(), web::to(keys::list))]))
        .service(keyed("/api/v1/keys/{id}", vec![(delete.clone(), web::to(keys::revoke))]));

    cfg.service(keyed(
        "/api/v1/phone-numbers",
        vec![(post.clone(), web::to(numbers::add)), (get.clone(), web::to(numbers::list))],
    ))
    .service(keyed(
        "/api/v1/phone-numbers/{id}",
        vec![(patch.clone(), web::to(numbers::assign)), (delete.clone(), web::to(numbers::remove))],
    ));

    // The first seed system's paths.
    cfg.service(keyed("/api/conversations", vec![(get.clone(), web::to(conversations::list))]))
        .service(keyed(
            "/api/conversations/{phone_number}",
            vec![(get.clone(), web::to(conversations::with_contact)), (delete.clone(), web::to(conversations::erase))],
        ))
        .service(keyed(
            "/api/v1/sms/conversation/{conversation_id}",
            vec![(get.clone(), web::to(conversations::by_id))],
        ))
        .service(keyed(
            "/api/v1/sms/conversation/{conversation_id}/pause",
            vec![(post.clone(), web::to(takeover::pause))],
        ))
        .service(keyed(
            "/api/v1/sms/conversation/{conversation_id}/resume",
            vec![(post.clone(), web::to(takeover::resume))],
        ))
        .service(keyed(
            "/api/v1/sms/conversation/{conversation_id}/uploads",
            vec![(get.clone(), web::to(uploads::list))],
        ))
        .service(keyed(
            "/api/v1/sms/conversation/{conversation_id}/upload-link",
            vec![(post.clone(), web::to(uploads::send_link))],
        ))
        .service(keyed("/api/v1/uploads/{id}", vec![(get.clone(), web::to(uploads::download))]))
        .service(keyed("/api/v1/media/{id}", vec![(get.clone(), web::to(uploads::download_media))]));

    cfg.service(keyed("/api/v1/sms/send", vec![(post.clone(), web::to(sending::send))]))
        .service(keyed("/api/v1/sms/test", vec![(post.clone(), web::to(test_texts::feed))]))
        .service(keyed("/api/v1/sms/stats", vec![(get.clone(), web::to(stats::stats))]));

    // The receptionist seed's text chat.
    cfg.service(keyed("/chat/{tenant_id}", vec![(post, web::to(chat::chat))]));
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

/// A query's moment: a date (midnight UTC) or an RFC 3339 date and time; a 400 naming the field otherwise.
pub(super) fn moment(field: &str, value: Option<&str>) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(Some(date.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    chrono::DateTime::parse_from_rfc3339(value).map(|at| Some(at.to_utc())).map_err(|_| {
        ApiError::bad_request(
            "invalid_query",
            format!("{field} must be a date (2026-12-01) or a date and time (2026-12-01T09:30:00Z), not {value:?}"),
        )
    })
}
