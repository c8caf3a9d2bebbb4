//! Knowledge search: `GET /api/v1/knowledge/search` with 10,000 passages in the tenant's knowledge base
//! (p50, p99), every answer checked to hold passages.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Bench;
use crate::load::{Latency, Stop, closed_loop};
use crate::service::BENCH_KEY;

/// What the knowledge run measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnowledgeFigures {
    pub passages: u64,
    pub clients: usize,
    pub searches_per_second: f64,
    pub latency: Latency,
    /// Every search answered, with the passages asked for.
    pub valid: bool,
    pub detail: String,
}

/// What the clients ask, in turn: questions as contacts write them, in both languages.
const QUESTIONS: [&str; 4] = [
    "how much does whitening cost?",
    "do you take insurance for a cleaning",
    "¿Cuánto cuesta una limpieza dental?",
    "what are your opening hours on saturday",
];

impl Bench {
    pub async fn knowledge(&self, passages: u64, clients: usize, stop: Stop) -> anyhow::Result<KnowledgeFigures> {
        self.db.empty().await?;
        self.prepare().await?;
        let service = self.start_service(1).await?;
        self.db.seed_knowledge(passages).await?;
        let (http, base) = (self.http.clone(), service.base_url.clone());
        let outcome = closed_loop(clients, stop, move |turn| {
            let question = QUESTIONS[turn.seq as usize % QUESTIONS.len()];
            let url = format!("{base}/api/v1/knowledge/search?limit=3&q={}", encode(question));
            let http = http.clone();
            async move {
                let began = Instant::now();
                let response = http.get(&url).bearer_auth(BENCH_KEY).send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                let body: Value = response.json().await.map_err(|e| e.to_string())?;
                let found = body["passages"].as_array().map_or(0, Vec::len);
                if !status.is_success() || found != 3 {
                    return Err(format!("{status}: {found} passages for {question:?}"));
                }
                Ok::<Duration, String>(began.elapsed())
            }
        })
        .await;
        service.stop().await?;
        let valid = outcome.errors == 0 && outcome.requests > 0;
        Ok(KnowledgeFigures {
            passages,
            clients,
            searches_per_second: outcome.per_second(outcome.requests),
            latency: outcome.latency(),
            valid,
            detail: match &outcome.first_error {
                Some(error) => format!("{} failed: {error}", outcome.errors),
                None => "every search found 3 passages".into(),
            },
        })
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
