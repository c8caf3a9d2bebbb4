//! How fast a text is taken in: signed Twilio webhooks and Event Grid deliveries against the service (its
//! worker off, so every reply job stays queued to be counted), and the same database work issued directly,
//! which is the most any service could do on this machine.

use std::time::{Duration, Instant};

use serde_json::Value;
use smsagent_domain::{Channel, Provider};
use smsagent_engine::ingest::ingest;
use smsagent_engine::queue::Queue;
use smsagent_providers::acs::samples::sms_received_event;
use smsagent_providers::twilio::samples::inbound_sms;
use smsagent_providers::twilio::sign;
use smsagent_store::messages::NewInbound;

use super::{Bench, Shape, business, contact, message_sid};
use crate::load::{Stop, Turn, closed_loop};
use crate::mocks::{ACCOUNT_SID, AUTH_TOKEN};
use crate::report::{Check, Run, Scenario};
use crate::service::{BUSINESS, EVENT_GRID_SECRET};

const TWILIO_WEBHOOK: &str = "/api/v1/sms/webhook";
const EVENT_GRID_WEBHOOK: &str = "/api/v1/sms/webhook/acs";
/// What every benchmark text says.
pub const TEXT: &str = "Hi, is the two-bedroom on Elm Street still available?";

impl Bench {
    pub async fn twilio_webhook(&self, concurrency: usize, stop: Stop) -> anyhow::Result<Run> {
        let shape = Shape::acknowledgement(Scenario::TwilioWebhook, concurrency, 1);
        self.acknowledgement(shape, stop, move |http, base, run, turn| {
            post_text(http, base, run, turn, contact(run, turn.seq))
        })
        .await
    }

    pub async fn event_grid(&self, concurrency: usize, batch: usize, stop: Stop) -> anyhow::Result<Run> {
        let shape = Shape::acknowledgement(Scenario::EventGrid, concurrency, batch);
        self.acknowledgement(shape, stop, move |http, base, run, turn| post_events(http, base, run, turn, batch)).await
    }

    /// Acknowledgement runs share their shape: the service without a worker, then one inbound row and one
    /// reply job per text.
    async fn acknowledgement<F, Fut>(&self, shape: Shape, stop: Stop, post: F) -> anyhow::Result<Run>
    where
        F: Fn(reqwest::Client, String, u64, Turn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Duration, String>> + Send,
    {
        let run = self.prepare().await?;
        let service = self.start_service(0).await?;
        let since = self.db.now().await?;
        let (http, base) = (self.http.clone(), service.base_url.clone());
        let load = closed_loop(shape.concurrency, stop, move |turn| post(http.clone(), base.clone(), run, turn));
        let observed = self.observe(service.pid(), load).await;
        let check = self.acknowledged(&since, &observed.outcome, shape.events_per_request).await?;
        let contacts = observed.outcome.sent() * shape.events_per_request as u64;
        let record = self.record(Shape { contacts, ..shape }, observed, service.pid(), check);
        service.stop().await?;
        self.db.clear_queue().await?;
        Ok(record)
    }

    /// The same transactions the webhook makes (conversation, message and reply job, committed together),
    /// straight from a pool the size of the service's.
    pub async fn database_limit(&self, concurrency: usize, stop: Stop) -> anyhow::Result<Run> {
        let shape = Shape::acknowledgement(Scenario::DatabaseLimit, concurrency, 1);
        let run = self.prepare().await?;
        let since = self.db.now().await?;
        let (pool, queue, to) = (self.db.work_pool.clone(), Queue::new(8), business());
        let load = closed_loop(concurrency, stop, move |turn| {
            let (pool, queue, to) = (pool.clone(), queue.clone(), to.clone());
            async move {
                let started = Instant::now();
                let from =
                    smsagent_domain::PhoneNumber::parse(&contact(run, turn.seq)).map_err(|e| e.to_string())?.into();
                let text = NewInbound {
                    provider: Provider::Twilio,
                    message_sid: &message_sid(run, turn),
                    from: &from,
                    to: &to,
                    body: TEXT,
                    num_segments: Some(1),
                    channel: Channel::Sms,
                    external_id: None,
                    media: &[],
                };
                ingest(&pool, &queue, Duration::ZERO, &text).await.map_err(|e| e.to_string())?;
                Ok(started.elapsed())
            }
        });
        let observed = self.observe(None, load).await;
        let check = self.acknowledged(&since, &observed.outcome, 1).await?;
        let record = self.record(Shape { contacts: observed.outcome.sent(), ..shape }, observed, None, check);
        self.db.clear_queue().await?;
        Ok(record)
    }

    /// Every text sent is stored once, with its reply job queued.
    async fn acknowledged(
        &self,
        since: &str,
        outcome: &crate::load::Outcome,
        per_request: usize,
    ) -> anyhow::Result<Check> {
        let expected = i64::try_from(outcome.sent() * per_request as u64)?;
        let counts = self.db.counts(since).await?;
        Ok(Check {
            valid: outcome.errors == 0 && counts.inbound == expected && counts.jobs == expected,
            detail: format!("{} texts sent: {} stored, {} reply jobs", expected, counts.inbound, counts.jobs),
        })
    }
}

impl Shape {
    fn acknowledgement(scenario: Scenario, concurrency: usize, events_per_request: usize) -> Shape {
        Shape { scenario, concurrency, events_per_request, model_delay: Duration::ZERO, contacts: 0 }
    }
}

/// A text from `from` as Twilio posts it, signed for the address the service is configured with.
pub(super) async fn post_text(
    http: reqwest::Client,
    base: String,
    run: u64,
    turn: Turn,
    from: String,
) -> Result<Duration, String> {
    let url = format!("{base}{TWILIO_WEBHOOK}");
    let params = inbound_sms(ACCOUNT_SID, &message_sid(run, turn), &from, BUSINESS, TEXT);
    let signature = sign(AUTH_TOKEN, &url, &params);
    let started = Instant::now();
    let response = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(params.encode())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answered(response).await?;
    Ok(started.elapsed())
}

/// A delivery of `batch` texts from distinct contacts, as Event Grid posts it.
async fn post_events(
    http: reqwest::Client,
    base: String,
    run: u64,
    turn: Turn,
    batch: usize,
) -> Result<Duration, String> {
    let events: Vec<Value> = (0..batch as u64)
        .map(|i| {
            let n = turn.seq * batch as u64 + i;
            sms_received_event(&format!("Incoming_{run:08}_{n:020}"), &contact(run, n), BUSINESS, TEXT)
        })
        .collect();
    let body = Value::Array(events).to_string();
    let started = Instant::now();
    let response = http
        .post(format!("{base}{EVENT_GRID_WEBHOOK}?code={EVENT_GRID_SECRET}"))
        .header("content-type", "application/json; charset=utf-8")
        .header("aeg-event-type", "Notification")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answered(response).await?;
    Ok(started.elapsed())
}

/// A webhook's answer, read in full (as Twilio and Event Grid do) before the request counts as answered.
async fn answered(response: reqwest::Response) -> Result<(), String> {
    let status = response.status();
    response.bytes().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK {
        return Err(format!("the webhook answered {status}"));
    }
    Ok(())
}
