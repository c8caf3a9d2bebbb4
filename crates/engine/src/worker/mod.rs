//! The worker: runs queued jobs, several at a time, until told to stop.
//!
//! Each loop claims one due job (see `smsagent_store::jobs`), runs it, and records the outcome: done (the
//! handler completed it with its effects), retried later with backoff, or left dead. An idle loop sleeps
//! until this process queues work or the poll interval passes (for work queued by other processes and for
//! retries coming due).

mod booking;
mod calendar;
mod deliver;
mod email;
mod handoff;
mod media;
mod remind;
mod reply;
mod retry;
mod send;

use std::sync::Arc;
use std::time::Duration;

use smsagent_ai::ChatModel;
use smsagent_domain::{Channel, Provider};
use smsagent_providers::acs::AcsSender;
use smsagent_providers::simulator::SimulatorSender;
use smsagent_providers::twilio::{ConversationsSender, TwilioSender};
use smsagent_providers::{SendError, SmsSender};
use smsagent_store::jobs::{self, ClaimedJob};
use smsagent_store::{PgPool, StoreError, takeover};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, error, info, info_span, warn};

pub use retry::RetryPolicy;

use crate::queue::{Job, Queue};

/// Everything the jobs need.
#[derive(Debug)]
pub struct WorkerDeps {
    pub pool: PgPool,
    pub queue: Queue,
    pub senders: Senders,
    pub model: Arc<dyn ChatModel>,
    /// The longest a reply waits for the model; well inside the lease.
    pub model_deadline: Duration,
    /// Where providers report delivery: PUBLIC_BASE_URL plus the callback path. `None` without one.
    pub status_callback_url: Option<String>,
    pub lease: Duration,
    pub retry: RetryPolicy,
    pub poll: Duration,
    pub metrics: crate::metrics::Metrics,
    /// A conversation a person took over goes back to the assistant after this long without them.
    pub takeover_idle: Duration,
    /// For calls to the business's own endpoints (completion URLs), through the egress guard.
    pub http: smsagent_egress::GuardedClient,
    /// The ID photo links texted when a form completes or the contact asks, and UPLOAD_DIR, where texted
    /// photos are kept too.
    pub uploads: crate::uploads::Uploads,
    /// Where appointment emails go out; `None`: they are marked skipped.
    pub mailer: Option<Arc<dyn smsagent_providers::email::Mailer>>,
    /// How external calendars (CalDAV, Microsoft Graph) are reached: through the egress guard.
    pub calendars: smsagent_booking::calendar::Connector,
}

/// The senders for each provider this deployment can use.
#[derive(Debug, Default)]
pub struct Senders {
    pub twilio: Option<TwilioSender>,
    pub conversations: Option<ConversationsSender>,
    pub acs: Option<AcsSender>,
    pub simulator: SimulatorSender,
}

impl Senders {
    /// The sender for a text from a number `provider` carries, in a conversation on `channel`.
    fn get(&self, provider: Provider, channel: Channel) -> Result<&dyn SmsSender, SendError> {
        let missing = |what: &str| SendError::Misconfigured(format!("{what} is not configured"));
        // A conversation lives in Twilio Conversations whoever carries the number: replies go there.
        match (provider, channel) {
            // Nothing leaves for a text fed in through the API: the simulator keeps the reply as sent.
            (_, Channel::Api) => Ok(&self.simulator),
            (_, Channel::TwilioConversations) => {
                self.conversations.as_ref().map(|s| s as &dyn SmsSender).ok_or_else(|| missing("Twilio"))
            }
            // WhatsApp comes and goes through Twilio's Messages API only.
            (_, Channel::WhatsApp) | (Provider::Twilio, Channel::Sms) => {
                self.twilio.as_ref().map(|s| s as &dyn SmsSender).ok_or_else(|| missing("Twilio"))
            }
            (Provider::Acs, _) => {
                self.acs.as_ref().map(|s| s as &dyn SmsSender).ok_or_else(|| missing("Azure Communication Services"))
            }
            (Provider::Simulator, _) => Ok(&self.simulator),
        }
    }
}

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Try again later (after `retry_after` at least, when the other side said so).
    #[error("{reason}")]
    Retry { reason: String, retry_after: Option<Duration> },
    /// Trying again cannot help.
    #[error("{0}")]
    Fatal(String),
    /// Another worker took the job over after this one's lease ran out.
    #[error("the job's lease ran out")]
    LeaseLost,
}

impl From<StoreError> for JobError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::LeaseLost(_) => JobError::LeaseLost,
            StoreError::Corrupt(_) => JobError::Fatal(error.to_string()),
            // A broken constraint will break the same way next time.
            StoreError::Database(sqlx::Error::Database(ref e)) if e.code().is_some_and(|c| c.starts_with("23")) => {
                JobError::Fatal(error.to_string())
            }
            StoreError::Database(_) => JobError::Retry { reason: error.to_string(), retry_after: None },
        }
    }
}

impl From<crate::outbox::OutboxError> for JobError {
    fn from(error: crate::outbox::OutboxError) -> Self {
        match error {
            crate::outbox::OutboxError::Store(e) => e.into(),
            // The same text would be refused the same way next time.
            crate::outbox::OutboxError::Refused(why) => JobError::Fatal(why.to_string()),
        }
    }
}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// A cheap handle on the worker; clones share everything.
#[derive(Debug, Clone)]
pub struct Worker {
    deps: Arc<WorkerDeps>,
}

impl Worker {
    pub fn new(deps: WorkerDeps) -> Self {
        Worker { deps: Arc::new(deps) }
    }

    /// Runs `concurrency` job loops until `shutdown` is cancelled. Jobs in hand are finished first.
    pub async fn run(&self, concurrency: usize, shutdown: CancellationToken) {
        if concurrency == 0 {
            return;
        }
        let mut loops = JoinSet::new();
        for _ in 0..concurrency {
            let (worker, shutdown) = (self.clone(), shutdown.clone());
            loops.spawn(async move { worker.job_loop(shutdown).await });
        }
        let (worker, stop_sweeping) = (self.clone(), shutdown.clone());
        let sweeper = tokio::spawn(async move { worker.sweep_abandoned(stop_sweeping).await });
        while loops.join_next().await.is_some() {}
        let _ = sweeper.await;
    }

    /// Jobs whose worker died during their last attempt hold their conversation until marked dead; look
    /// for them on a timer, busy or not. Idle takeovers end on the same timer.
    async fn sweep_abandoned(&self, shutdown: CancellationToken) {
        let every = self.deps.poll.max(Duration::from_secs(1));
        while !shutdown.is_cancelled() {
            if let Err(e) = jobs::bury_abandoned(&self.deps.pool).await {
                error!(error = %e, "cannot sweep abandoned jobs");
            }
            match takeover::resume_idle(&self.deps.pool, self.deps.takeover_idle).await {
                Ok(0) => {}
                Ok(resumed) => info!(resumed, "idle takeovers handed back to the assistant"),
                Err(e) => error!(error = %e, "cannot hand idle takeovers back"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = tokio::time::sleep(every) => {}
            }
        }
    }

    async fn job_loop(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let idle = match self.run_once().await {
                Ok(ran) => !ran,
                Err(e) => {
                    error!(error = %e, "cannot claim jobs");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = shutdown.cancelled() => {}
                    _ = self.deps.queue.woken() => {}
                    _ = tokio::time::sleep(self.deps.poll) => {}
                }
            }
        }
    }

    /// Claims and runs one due job, and the job it hands on (a reply's send), if any. Returns whether there
    /// was one.
    pub async fn run_once(&self) -> Result<bool, StoreError> {
        let Some(claimed) = jobs::claim(&self.deps.pool, self.deps.lease).await? else {
            return Ok(false);
        };
        let mut next = Some(claimed);
        while let Some(claimed) = next.take() {
            let span = info_span!("job", job_id = %claimed.id, kind = %claimed.kind, attempt = claimed.attempt);
            // Its own task, so a panicking job costs that job, not this loop.
            let (worker, job) = (self.clone(), claimed.clone());
            match tokio::spawn(async move { worker.execute(job).await }.instrument(span.clone())).await {
                Ok(handed_on) => next = handed_on,
                Err(e) => {
                    let _entered = span.enter();
                    error!(error = %e, "the job panicked; it is left dead");
                    jobs::bury(&self.deps.pool, &claimed, &format!("the job panicked: {e}")).await?;
                }
            }
        }
        Ok(true)
    }

    /// Runs jobs until none is due. Returns how many ran.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        while self.run_once().await? {
            ran += 1;
        }
        Ok(ran)
    }

    /// Runs a job and records how it ended. Returns the job it handed on, already claimed, if any.
    async fn execute(&self, claimed: ClaimedJob) -> Option<ClaimedJob> {
        let started = std::time::Instant::now();
        let outcome = match Job::from_row(&claimed.kind, &claimed.payload) {
            Ok(Job::GenerateReply { conversation_id }) => {
                reply::generate_reply(&self.deps, &claimed, conversation_id).await
            }
            Ok(Job::SendMessage { message_id, .. }) => {
                send::send_message(&self.deps, &claimed, message_id).await.map(|()| None)
            }
            Ok(Job::DeliverSubmission { submission_id, .. }) => {
                deliver::deliver_submission(&self.deps, &claimed, submission_id).await.map(|()| None)
            }
            Ok(Job::FetchMedia { conversation_id, message_id }) => {
                media::fetch_media(&self.deps, &claimed, conversation_id, message_id).await.map(|()| None)
            }
            Ok(Job::SendEmail { email_id }) => email::send_email(&self.deps, &claimed, email_id).await.map(|()| None),
            Ok(Job::RemindAppointment { conversation_id, appointment_id, starts_at }) => {
                remind::remind(&self.deps, &claimed, conversation_id, appointment_id, starts_at).await.map(|()| None)
            }
            Ok(Job::NotifyHandoff { handoff_id }) => {
                handoff::notify(&self.deps, &claimed, handoff_id).await.map(|()| None)
            }
            Ok(Job::SyncCalendar { appointment_id }) => {
                calendar::sync(&self.deps, &claimed, appointment_id).await.map(|()| None)
            }
            Err(e) => Err(JobError::Fatal(format!("unreadable job: {e}"))),
        };
        let pool = &self.deps.pool;
        let label = match &outcome {
            Ok(_) => "done",
            Err(JobError::Retry { .. }) if !claimed.is_last_attempt() => "retried",
            Err(JobError::Retry { .. } | JobError::Fatal(_)) => "dead",
            Err(JobError::LeaseLost) => "lease_lost",
        };
        self.deps.metrics.job(&claimed.kind, label, started.elapsed());
        let mut handed_on = None;
        let recorded = match outcome {
            Ok(next) => {
                handed_on = next;
                Ok(())
            }
            Err(JobError::Retry { reason, retry_after }) if !claimed.is_last_attempt() => {
                let delay = self.deps.retry.delay(claimed.attempt, retry_after);
                warn!(%reason, delay_ms = delay.as_millis() as u64, "job failed; it will be retried");
                jobs::retry_later(pool, &claimed, delay, &reason).await
            }
            Err(JobError::Retry { reason, .. }) => {
                error!(%reason, "job failed on its last attempt; it is left dead");
                jobs::bury(pool, &claimed, &format!("gave up after {} attempts: {reason}", claimed.attempt)).await
            }
            Err(JobError::Fatal(reason)) => {
                error!(%reason, "job failed for good; it is left dead");
                jobs::bury(pool, &claimed, &reason).await
            }
            Err(JobError::LeaseLost) => {
                warn!("the job outlived its lease: another worker took it over, or it was declared abandoned");
                Ok(())
            }
        };
        if let Err(e) = recorded {
            error!(error = %e, "cannot record the job's outcome; it will run again when its lease ends");
        }
        handed_on
    }
}

/// Finishes a job that has nothing (more) to do.
pub(crate) async fn skip(pool: &PgPool, job: &ClaimedJob, why: &'static str) -> Result<(), JobError> {
    jobs::complete(pool, job).await?;
    tracing::info!(why, "nothing to do");
    Ok(())
}
