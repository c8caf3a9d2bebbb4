//! Prometheus metrics at `/metrics`: webhooks by provider and outcome, the queue's depth and age, job and
//! model latency, sends by provider and outcome, opt-outs. Counters belong to the running application
//! (`serve`'s HTTP and worker share one set); the queue and opt-out figures are read from the database at
//! each scrape, so every instance reports the same truth. (`smsagent worker` alone serves no metrics.)

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use smsagent_store::jobs::QueueFigures;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    provider: &'static str,
    outcome: &'static str,
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

    /// Everything, in Prometheus's text format, with the queue's figures as the database reports them now.
    pub fn encode(&self, queue: &QueueFigures) -> Result<String, std::fmt::Error> {
        self.queue_depth.set(queue.due);
        self.queue_oldest_seconds.set(queue.oldest_due_seconds);
        self.dead_jobs.set(queue.dead);
        self.opt_outs.set(queue.opt_outs);
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry)?;
        Ok(body)
    }
}
