//! The runs. Each one starts the service afresh (so its peak memory is its own), empties or keeps the
//! history as the plan says, loads it while the probes watch, and counts what the database holds after.

mod acknowledgement;
pub mod booking;
pub mod cost;
mod end_to_end;
pub mod knowledge;

use std::future::Future;
use std::time::Duration;

use smsagent_domain::PhoneNumber;

use crate::database::BenchDatabase;
use crate::load::{Outcome, Turn};
use crate::mocks::Mocks;
use crate::probes::{CpuClock, CpuUse, Wait, WaitSampler, peak_rss_mb};
use crate::report::{Check, Run, Scenario};
use crate::service::{self, Launch, Service};

pub use end_to_end::Contacts;

/// Everything a run needs.
#[derive(Debug)]
pub struct Bench {
    pub db: BenchDatabase,
    pub launch: Launch,
    pub mocks: Mocks,
    pub mocks_url: String,
    pub http: reqwest::Client,
    /// Rows of history the database holds before each run (0 until the scale runs seed it).
    pub history_rows: u64,
    /// Numbers the runs, so no two share a contact or a message id.
    pub runs: std::sync::atomic::AtomicU64,
}

/// The shape of a run, for its record.
#[derive(Debug, Clone, Copy)]
struct Shape {
    scenario: Scenario,
    concurrency: usize,
    events_per_request: usize,
    model_delay: Duration,
    contacts: u64,
}

/// What the probes saw.
#[derive(Debug)]
struct Observed {
    outcome: Outcome,
    cpu: CpuUse,
    waits: Vec<Wait>,
}

impl Bench {
    async fn start_service(&self, worker_concurrency: usize) -> anyhow::Result<Service> {
        let options = service::Options {
            worker_concurrency,
            database_url: self.db.url.clone(),
            mocks_url: self.mocks_url.clone(),
        };
        let service = Service::start(&self.launch, &options).await?;
        self.db.model_answers_everything().await?;
        Ok(service)
    }

    /// Empties the tables and checkpoints when the run is to start from nothing; the scale runs keep their
    /// history, and the checkpoint cycle they are in (see `Scale::warmup`). Returns the run's number.
    async fn prepare(&self) -> anyhow::Result<u64> {
        if self.history_rows == 0 {
            self.db.empty().await?;
            self.db.checkpoint().await?;
        }
        self.db.clear_queue().await?;
        self.mocks.reset();
        Ok(self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
    }

    /// Runs `load` with the CPU clock (on the service's process, when it has its own) and the wait sampler.
    async fn observe<F>(&self, service_pid: Option<u32>, load: F) -> Observed
    where
        F: Future<Output = Outcome>,
    {
        let clock = CpuClock::start(service_pid);
        let sampler = WaitSampler::start(self.db.pool.clone());
        let outcome = load.await;
        let cpu = clock.stop();
        let waits = sampler.stop().await;
        Observed { outcome, cpu, waits }
    }

    fn record(&self, shape: Shape, observed: Observed, service_pid: Option<u32>, check: Check) -> Run {
        let Observed { outcome, cpu, waits } = observed;
        let events = outcome.requests * shape.events_per_request as u64;
        Run {
            scenario: shape.scenario,
            concurrency: shape.concurrency,
            events_per_request: shape.events_per_request,
            model_delay_ms: u64::try_from(shape.model_delay.as_millis()).unwrap_or(u64::MAX),
            history_rows: self.history_rows,
            contacts: shape.contacts,
            requests: outcome.requests,
            errors: outcome.errors,
            first_error: outcome.first_error.clone(),
            seconds: outcome.elapsed.as_secs_f64(),
            requests_per_second: outcome.per_second(outcome.requests),
            events_per_second: outcome.per_second(events),
            latency: outcome.latency(),
            check,
            cpu,
            waits,
            peak_rss_mb: service_pid.and_then(peak_rss_mb),
        }
    }
}

/// Contact `n` of run `run`: unique across runs, and apart from the seeded history's `+1444…`.
pub fn contact(run: u64, n: u64) -> String {
    format!("+1555{run:03}{n:08}")
}

fn business() -> PhoneNumber {
    PhoneNumber::parse(service::BUSINESS).expect("a valid number")
}

/// A Twilio message SID, unique per run and request.
fn message_sid(run: u64, turn: Turn) -> String {
    format!("SM{run:08x}{:024x}", turn.seq)
}
