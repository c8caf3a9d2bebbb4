//! Prometheus metrics at `/metrics`: webhooks by provider and outcome, the queue's depth and age, job and
//! model latency, sends by provider and outcome, opt-outs. Counters belong to the running application
//! (`serve`'s HTTP and worker share one set); the queue and opt-out figures are read from the database at
//! each scrape, so every instance reports the same truth. (`smsagent worker` alone serves no metrics.)

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use smsagent_ai::{Answer, Arguments, ChatError};

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub provider: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ModelLabels {
    pub call: &'static str,
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    pub call: &'static str,
    /// prompt or completion.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusedLabels {
    pub call: &'static str,
    /// Why it was not used: a value the contact never wrote, or text that is not a whole reply.
    pub reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SendLabels {
    pub provider: &'static str,
    pub outcome: &'static str,
}

type Timings<L> = Family<L, Histogram, fn() -> Histogram>;

/// Everything this process counts.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    webhooks: Family<WebhookLabels, Counter>,
    jobs: Timings<JobLabels>,
    model_calls: Timings<ModelLabels>,
    model_tokens: Family<TokenLabels, Counter>,
    model_refused: Family<RefusedLabels, Counter>,
    sends: Family<SendLabels, Counter>,
    queue_depth: Gauge,
    queue_oldest_seconds: Gauge<f64, AtomicU64>,
    dead_jobs: Gauge,
    opt_outs: Gauge,
}

fn seconds() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut metrics = Metrics {
            webhooks: Family::default(),
            jobs: Family::new_with_constructor(seconds),
            model_calls: Family::new_with_constructor(seconds),
            model_tokens: Family::default(),
            model_refused: Family::default(),
            sends: Family::default(),
            queue_depth: Gauge::default(),
            queue_oldest_seconds: Gauge::default(),
            dead_jobs: Gauge::default(),
            opt_outs: Gauge::default(),
            registry: Registry::with_prefix("smsagent"),
        };
        metrics.registry.register("webhooks", "Webhook deliveries by provider and outcome", metrics.webhooks.clone());
        metrics.registry.register("job_duration_seconds", "Background jobs by kind and outcome", metrics.jobs.clone());
        metrics.registry.register(
            "model_call_duration_seconds",
            "Chat model calls by kind and outcome",
            metrics.model_calls.clone(),
        );
        metrics.registry.register(
            "model_tokens",
            "Tokens the chat model billed, by kind of call and prompt or completion",
            metrics.model_tokens.clone(),
        );
        metrics.registry.register(
            "model_output_refused",
            "What the model wrote that was not used: values the contact never wrote, texts that are not a reply",
            metrics.model_refused.clone(),
        );
        metrics.registry.register(
            "sends",
            "Texts handed to a provider, by provider and outcome",
            metrics.sends.clone(),
        );
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

    pub fn job(&self, kind: &str, outcome: &'static str, took: Duration) {
        self.jobs.get_or_create(&JobLabels { kind: kind.to_owned(), outcome }).observe(took.as_secs_f64());
    }

    pub fn model_call<T>(&self, call: &'static str, answer: &Result<Answer<T>, ChatError>, took: Duration) {
        let outcome = if answer.is_ok() { "ok" } else { "error" };
        self.model_calls.get_or_create(&ModelLabels { call, outcome }).observe(took.as_secs_f64());
        if let Some(usage) = answer.as_ref().ok().and_then(|a| a.usage) {
            let tokens = |kind| self.model_tokens.get_or_create(&TokenLabels { call, kind });
            tokens("prompt").inc_by(u64::from(usage.prompt_tokens));
            tokens("completion").inc_by(u64::from(usage.completion_tokens));
        }
    }

    /// `count` things the model wrote in a `call` were not used, for `reason`.
    pub fn model_refused(&self, call: &'static str, reason: &'static str, count: u64) {
        self.model_refused.get_or_create(&RefusedLabels { call, reason }).inc_by(count);
    }

    pub fn send(&self, provider: &'static str, outcome: &'static str) {
        self.sends.get_or_create(&SendLabels { provider, outcome }).inc();
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

/// A chat model whose calls are timed and whose tokens are counted.
#[derive(Debug)]
pub struct Measured {
    pub model: Arc<dyn smsagent_ai::ChatModel>,
    pub metrics: Arc<Metrics>,
}

#[async_trait::async_trait]
impl smsagent_ai::ChatModel for Measured {
    async fn reply(&self, request: &smsagent_ai::ChatRequest) -> Result<Answer<String>, smsagent_ai::ChatError> {
        let started = std::time::Instant::now();
        let reply = self.model.reply(request).await;
        self.metrics.model_call("reply", &reply, started.elapsed());
        reply
    }

    async fn extract(
        &self,
        request: &smsagent_ai::ExtractionRequest,
    ) -> Result<Answer<Arguments>, smsagent_ai::ChatError> {
        let started = std::time::Instant::now();
        let read = self.model.extract(request).await;
        self.metrics.model_call("extract", &read, started.elapsed());
        read
    }

    fn is_offline(&self) -> bool {
        self.model.is_offline()
    }
}
