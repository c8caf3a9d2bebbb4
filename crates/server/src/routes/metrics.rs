//! `GET /metrics`, and the count of webhook deliveries: each webhook's route carries its provider's label
//! ([`WebhookLabel`]), so a new webhook path is counted by being registered.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::state::AppState;

/// Which provider's webhook a route is, as the metrics name it.
#[derive(Debug, Clone, Copy)]
pub struct WebhookLabel(pub &'static str);

/// `GET /metrics`, in Prometheus's text format.
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let queue = smsagent_store::jobs::queue_figures(&state.pool).await?;
    let body = state.metrics.encode(&queue).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(body))
}

/// Counts webhook deliveries by provider and by how they were answered (2xx accepted, 4xx rejected,
/// 5xx failed); routes without a [`WebhookLabel`] pass untouched.
pub async fn count_webhooks(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(request).await?;
    let label = response.request().app_data::<WebhookLabel>().copied();
    let metrics = response.request().app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    if let (Some(WebhookLabel(provider)), Some(metrics)) = (label, metrics) {
        let outcome = match response.status().as_u16() {
            200..=299 => "accepted",
            400..=499 => "rejected",
            _ => "failed",
        };
        metrics.webhook(provider, outcome);
    }
    Ok(response)
}
