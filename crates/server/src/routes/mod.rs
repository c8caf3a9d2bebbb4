//! The HTTP surface.

mod event_grid;
mod health;
pub mod metrics;
mod twilio;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use self::metrics::WebhookLabel;
use crate::error::ApiError;

/// Where Twilio posts the texts a number receives.
pub const INBOUND_SMS_PATH: &str = "/api/v1/sms/webhook";

/// Where Twilio reports delivery of what we send; the message's id rides in the query.
pub const STATUS_CALLBACK_PATH: &str = "/api/v1/sms/status-callback";

/// Largest webhook body accepted (Twilio's are a few kilobytes).
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .route("/", web::get().to(health::root))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::scrape));
    // Each webhook's resource is labelled with its provider, for the metrics.
    let webhook = |path: &str, provider| web::resource(path).app_data(WebhookLabel(provider));
    // The first path is ours; the others are the ones the systems we replace used, kept so their Twilio
    // numbers need no reconfiguration.
    for path in [INBOUND_SMS_PATH, "/api/v1/sms/webhook/sms", "/api/v1/twilio/sms/webhook"] {
        cfg.service(webhook(path, "twilio").route(web::post().to(twilio::inbound)));
    }
    for path in [STATUS_CALLBACK_PATH, "/api/v1/twilio/sms/status-callback"] {
        cfg.service(webhook(path, "twilio_status").route(web::post().to(twilio::status_callback)));
    }
    cfg.service(
        webhook("/webhook/message-added", "twilio_conversations").route(web::post().to(twilio::conversation_message)),
    );
    // Azure Event Grid (ACS): the first path is the seed system's.
    for path in ["/api/sms/webhook", "/api/v1/sms/webhook/acs"] {
        cfg.service(
            webhook(path, "event_grid")
                .route(web::post().to(event_grid::deliveries))
                .route(web::method(Method::OPTIONS).to(event_grid::handshake)),
        );
    }
}

/// Answers requests to unknown paths in the same error shape as everything else.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not_found", "no such endpoint"))
}
