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
        .service(resource("/", vec![(Method::GET, web::to(health::root))]))
        .service(resource("/healthz", vec![(Method::GET, web::to(health::healthz))]))
        .service(resource("/readyz", vec![(Method::GET, web::to(health::readyz))]))
        .service(resource("/metrics", vec![(Method::GET, web::to(metrics::scrape))]));
    // Each webhook's resource is labelled with its provider, for the metrics.
    let webhook = |path: &str, provider, routes| resource(path, routes).app_data(WebhookLabel(provider));
    // The first path is ours; the others are the ones the systems we replace used, kept so their Twilio
    // numbers need no reconfiguration.
    for path in [INBOUND_SMS_PATH, "/api/v1/sms/webhook/sms", "/api/v1/twilio/sms/webhook"] {
        cfg.service(webhook(path, "twilio", vec![(Method::POST, web::to(twilio::inbound))]));
    }
    for path in [STATUS_CALLBACK_PATH, "/api/v1/twilio/sms/status-callback"] {
        cfg.service(webhook(path, "twilio_status", vec![(Method::POST, web::to(twilio::status_callback))]));
    }
    cfg.service(webhook(
        "/webhook/message-added",
        "twilio_conversations",
        vec![(Method::POST, web::to(twilio::conversation_message))],
    ));
    // Azure Event Grid (ACS): the first path is the seed system's.
    for path in ["/api/sms/webhook", "/api/v1/sms/webhook/acs"] {
        cfg.service(webhook(
            path,
            "event_grid",
            vec![(Method::POST, web::to(event_grid::deliveries)), (Method::OPTIONS, web::to(event_grid::handshake))],
        ));
    }
}

/// A path served by `routes`, one per method, that answers any other method with a 405 listing them in
/// `Allow`: the methods are named once, for both.
pub fn resource(path: &str, routes: Vec<(Method, actix_web::Route)>) -> actix_web::Resource {
    let allow = routes.iter().map(|(method, _)| method.as_str()).collect::<Vec<_>>().join(", ");
    routes
        .into_iter()
        .fold(web::resource(path), |resource, (method, route)| resource.route(route.method(method)))
        .default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(allow)) }
        }))
}

/// Answers requests to unknown paths in the same error shape as everything else.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not_found", "no such endpoint"))
}
