//! From a text arriving to its reply reaching Twilio: the whole pipeline (webhook, queue, worker, the model,
//! the Messages API) with mocks answering for Twilio and OpenAI. Each client texts, waits for its reply,
//! and texts again; what the model's configured delay adds is taken off, leaving the service's own time.

use std::time::{Duration, Instant};

use super::acknowledgement::post_text;
use super::{Bench, Shape, contact};
use crate::load::{Outcome, Stop, closed_loop};
use crate::plan::EndToEnd;
use crate::report::{Check, Run, Scenario};

/// Jobs the worker runs at once: the service's default (WORKER_CONCURRENCY).
const WORKERS: usize = 32;
/// How long a reply may take before the text counts as unanswered.
const PATIENCE: Duration = Duration::from_secs(30);

/// Who texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contacts {
    /// Each client is one contact, texting again and again: conversations grow.
    PerClient,
    /// Every text is from a new contact: conversations multiply.
    OnePerText,
}

impl Bench {
    pub async fn end_to_end(&self, plan: EndToEnd, stop: Stop, contacts: Contacts) -> anyhow::Result<Run> {
        let run = self.prepare().await?;
        self.mocks.set_model_delay(plan.model_delay);
        let service = self.start_service(WORKERS).await?;
        let since = self.db.now().await?;
        let (http, base, mocks, delay) =
            (self.http.clone(), service.base_url.clone(), self.mocks.clone(), plan.model_delay);
        let load = closed_loop(plan.clients, stop, move |turn| {
            let (http, base, mocks) = (http.clone(), base.clone(), mocks.clone());
            async move {
                let from = match contacts {
                    Contacts::PerClient => contact(run, turn.client as u64),
                    Contacts::OnePerText => contact(run, turn.seq),
                };
                let reply = mocks.expect_text_to(&from);
                let started = Instant::now();
                post_text(http, base, run, turn, from).await?;
                let arrived = tokio::time::timeout(PATIENCE, reply)
                    .await
                    .map_err(|_| format!("no reply within {} s", PATIENCE.as_secs()))?
                    .map_err(|_| "the reply was never sent".to_owned())?;
                Ok(arrived.duration_since(started).saturating_sub(delay))
            }
        });
        let observed = self.observe(service.pid(), load).await;
        let check = self.answered_once(&since, &observed.outcome).await?;
        let shape = Shape {
            scenario: Scenario::EndToEnd,
            concurrency: plan.clients,
            events_per_request: 1,
            model_delay: plan.model_delay,
            contacts: match contacts {
                Contacts::PerClient => plan.clients as u64,
                Contacts::OnePerText => observed.outcome.sent(),
            },
        };
        let record = self.record(shape, observed, service.pid(), check);
        service.stop().await?;
        Ok(record)
    }

    /// Every text got exactly one reply, stored and handed to Twilio once.
    async fn answered_once(&self, since: &str, outcome: &Outcome) -> anyhow::Result<Check> {
        let queue = self.db.wait_for_empty_queue(PATIENCE).await;
        let counts = self.db.counts(since).await?;
        let sent = i64::try_from(outcome.sent())?;
        let handed_over = i64::try_from(self.mocks.texts_sent())?;
        Ok(Check {
            valid: outcome.errors == 0
                && queue.is_ok()
                && counts.inbound == sent
                && counts.outbound == sent
                && handed_over == sent
                && counts.unanswered == 0
                && counts.answered_twice == 0,
            detail: format!(
                "{sent} texts: {} stored, {} replies stored, {handed_over} sent to Twilio, {} unanswered, {} answered twice{}",
                counts.inbound,
                counts.outbound,
                counts.unanswered,
                counts.answered_twice,
                queue.err().map(|e| format!(", {e}")).unwrap_or_default(),
            ),
        })
    }
}
