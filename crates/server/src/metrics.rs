//! Prometheus metrics at `/metrics`: webhooks by provider and outcome, the queue's depth and age, job and
//! model latency, sends by provider and outcome, opt-outs. Counters belong to the running application
//! (`serve`'s HTTP and worker share one set); the queue and opt-out figures are read from the database at
//! each scrape, so every instance reports the same truth. (`smsagent worker` alone serves no metrics.)

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub provider: &'static str,
    pub outcome: &'static str,
}

/// Everything this process counts.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    webhooks: Family<WebhookLabels, Counter>,
    /// The engine's own figures (jobs, model calls, sends), passed to it.
    pub engine: smsagent_engine::metrics::Metrics,
    queue_depth: Gauge,
    queue_oldest_seconds: Gauge<f64, AtomicU64>,
    dead_jobs: Gauge,
    opt_outs: Gauge,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut metrics = Metrics {
            webhooks: Family::default(),
            engine: smsagent_engine::metrics::Metrics::default(),
            queue_depth: Gauge::default(),
            queue_oldest_seconds: Gauge::default(),
            dead_jobs: Gauge::default(),
            opt_outs: Gauge::default(),
            registry: Registry::with_prefix("smsagent"),
        };
        metrics.registry.register("webhooks", "Webhook deliveries by provider and outcome", metrics.webhooks.clone());
        metrics.engine.register(&mut metrics.registry);
        metrics.registry.register("queue_depth", "Jobs due and waiting for a worker", metrics.queue_depth.clone());
        metrics.registry.register(
            "queue_oldest_seconds",
            "How long the oldest due job has waited",
            metrics.queue_oldest_seconds.clone(),
        );
        metrics.registry.register(
            "dead_jobs",
            "Jobs that gave up (an operator should look)",
            metrics.dead_jobs.clone(),
        );
        metrics.registry.register("opt_outs", "Contacts opted out of a business number", metrics.opt_outs.clone());
        Arc::new(metrics)
    }

    pub fn webhook(&self, provider: &'static str, outcome: &'static str) {
        self.webhooks.get_or_create(&WebhookLabels { provider, outcome }).inc();
    }
}

/// `GET /metrics`, in Prometheus's text format.
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let queue = smsagent_store::jobs::queue_figures(&state.pool).await?;
    let metrics = &state.metrics;
    metrics.queue_depth.set(queue.due);
    metrics.queue_oldest_seconds.set(queue.oldest_due_seconds);
    metrics.dead_jobs.set(queue.dead);
    metrics.opt_outs.set(queue.opt_outs);
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &metrics.registry).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(body))
}

/// Counts webhook deliveries by provider and by how they were answered (2xx accepted, 4xx rejected,
/// 5xx failed); other paths pass untouched.
pub async fn count_webhooks(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let provider = crate::routes::webhook_provider(request.path());
    let metrics = request.app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    let response = next.call(request).await?;
    if let (Some(provider), Some(metrics)) = (provider, metrics) {
        let outcome = match response.status().as_u16() {
            200..=299 => "accepted",
            400..=499 => "rejected",
            _ => "failed",
        };
        metrics.webhook(provider, outcome);
    }
    Ok(response)
}
