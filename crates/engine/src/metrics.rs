//! What the engine counts: jobs by kind and outcome, model calls and the tokens they billed, what the model
//! wrote that was not used, and texts handed to providers. The application registers these beside its own
//! figures (`Metrics::register`) and passes them in; the engine serves nothing.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use smsagent_ai::{Answer, Arguments, ChatError};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    call: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    call: &'static str,
    /// prompt or completion.
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusedLabels {
    call: &'static str,
    /// Why it was not used: a value the contact never wrote, or text that is not a whole reply.
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SendLabels {
    provider: &'static str,
    outcome: &'static str,
}

type Timings<L> = Family<L, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The engine's counters; clones share them.
#[derive(Debug, Clone)]
pub struct Metrics {
    jobs: Timings<JobLabels>,
    model_calls: Timings<ModelLabels>,
    model_tokens: Family<TokenLabels, Counter>,
    model_refused: Family<RefusedLabels, Counter>,
    sends: Family<SendLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            jobs: Family::new_with_constructor(seconds),
            model_calls: Family::new_with_constructor(seconds),
            model_tokens: Family::default(),
            model_refused: Family::default(),
            sends: Family::default(),
        }
    }
}

impl Metrics {
    /// Adds the engine's figures to the application's registry.
    pub fn register(&self, registry: &mut Registry) {
        registry.register("job_duration_seconds", "Background jobs by kind and outcome", self.jobs.clone());
        registry.register(
            "model_call_duration_seconds",
            "Chat model calls by kind and outcome",
            self.model_calls.clone(),
        );
        registry.register(
            "model_tokens",
            "Tokens the chat model billed, by kind of call and prompt or completion",
            self.model_tokens.clone(),
        );
        registry.register(
            "model_output_refused",
            "What the model wrote that was not used: values the contact never wrote, texts that are not a reply",
            self.model_refused.clone(),
        );
        registry.register("sends", "Texts handed to a provider, by provider and outcome", self.sends.clone());
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

/// A chat model whose calls are timed and whose tokens are counted.
#[derive(Debug)]
pub struct Measured {
    pub model: Arc<dyn smsagent_ai::ChatModel>,
    pub metrics: Metrics,
}

#[async_trait::async_trait]
impl smsagent_ai::ChatModel for Measured {
    async fn reply(&self, request: &smsagent_ai::ChatRequest) -> Result<Answer<String>, ChatError> {
        let started = std::time::Instant::now();
        let reply = self.model.reply(request).await;
        self.metrics.model_call("reply", &reply, started.elapsed());
        reply
    }

    async fn extract(&self, request: &smsagent_ai::ExtractionRequest) -> Result<Answer<Arguments>, ChatError> {
        let started = std::time::Instant::now();
        let read = self.model.extract(request).await;
        self.metrics.model_call("extract", &read, started.elapsed());
        read
    }

    fn is_offline(&self) -> bool {
        self.model.is_offline()
    }
}
