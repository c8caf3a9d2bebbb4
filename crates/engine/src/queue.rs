//! The background work smsagent does, and the handle that queues it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use smsagent_store::StoreError;
use smsagent_store::inbound;
use smsagent_store::jobs::{self, NewJob};
use sqlx::PgExecutor;
use tokio::sync::Notify;
use uuid::Uuid;

/// A unit of background work. Most belong to a conversation, and a conversation's jobs run one at a time,
/// so replies never race each other; deliveries to the business (submissions, emails) run beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// Answer the texts in a conversation that no reply has taken into account yet. One waits per
    /// conversation at most, so a burst of texts gets one reply.
    GenerateReply { conversation_id: Uuid },
    /// Hand a stored outbound text to its provider.
    SendMessage { conversation_id: Uuid, message_id: Uuid },
    /// POST a completed form to the assistant's completion URL.
    DeliverSubmission { conversation_id: Uuid, submission_id: Uuid },
    /// Fetch and keep the media of an inbound text (MMS).
    FetchMedia { conversation_id: Uuid, message_id: Uuid },
    /// Send a queued email (an appointment's confirmation or notice).
    SendEmail { email_id: Uuid },
    /// Text an appointment's reminder, if it is still at `starts_at` and confirmed.
    RemindAppointment { conversation_id: Uuid, appointment_id: Uuid, starts_at: DateTime<Utc> },
    /// Bring the appointment's event on its external calendar up to date (write it, move it, or remove it).
    SyncCalendar { appointment_id: Uuid },
    /// Tell the business, at the assistant's completion URL, that a contact asked for a person.
    NotifyHandoff { handoff_id: Uuid },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::GenerateReply { .. } => inbound::REPLY_JOB_KIND,
            Job::SendMessage { .. } => "send_message",
            Job::DeliverSubmission { .. } => "deliver_submission",
            Job::FetchMedia { .. } => "fetch_media",
            Job::SendEmail { .. } => "send_email",
            Job::RemindAppointment { .. } => "remind_appointment",
            Job::SyncCalendar { .. } => "sync_calendar",
            Job::NotifyHandoff { .. } => "notify_handoff",
        }
    }

    /// What this job waits its turn with (a conversation's jobs, an appointment's calendar writes, which
    /// must land in order); `None`: it runs beside everything.
    fn serialised_with(&self) -> Option<Uuid> {
        match self {
            Job::GenerateReply { conversation_id }
            | Job::SendMessage { conversation_id, .. }
            | Job::FetchMedia { conversation_id, .. }
            | Job::RemindAppointment { conversation_id, .. } => Some(*conversation_id),
            Job::SyncCalendar { appointment_id } => Some(*appointment_id),
            // Deliveries to a business's own endpoint or mail server need not wait for the conversation's texts.
            Job::DeliverSubmission { .. } | Job::SendEmail { .. } | Job::NotifyHandoff { .. } => None,
        }
    }

    /// Reads a job back from its queue row.
    pub fn from_row(kind: &str, payload: &Value) -> Result<Job, serde_json::Error> {
        serde_json::from_value(json!({"kind": kind, "payload": payload}))
    }

    fn to_row(&self, max_attempts: i32, delay: Duration) -> NewJob {
        let mut tagged = serde_json::to_value(self).unwrap_or_default();
        NewJob {
            kind: self.kind(),
            payload: tagged["payload"].take(),
            dedupe_key: match self {
                Job::GenerateReply { conversation_id } => Some(inbound::reply_dedupe_key(*conversation_id)),
                // Moved away and back: the reminder already waiting for that time is the one.
                Job::RemindAppointment { appointment_id, starts_at, .. } => {
                    Some(format!("remind:{appointment_id}:{}", starts_at.timestamp()))
                }
                _ => None,
            },
            concurrency_key: self.serialised_with().map(|id| id.to_string()),
            max_attempts,
            run_at: (!delay.is_zero()).then(|| Utc::now() + delay),
        }
    }
}

/// Puts jobs on the durable queue and wakes this process's idle worker.
#[derive(Debug, Clone)]
pub struct Queue {
    max_attempts: i32,
    wake: Arc<Notify>,
}

impl Queue {
    pub fn new(max_attempts: i32) -> Self {
        Queue { max_attempts, wake: Arc::new(Notify::new()) }
    }

    /// How many times each job is tried.
    pub fn max_attempts(&self) -> i32 {
        self.max_attempts
    }

    /// Queues a job; call it inside the transaction that makes the job necessary. Returns `None` when an
    /// equal job is already waiting (it will do the work).
    pub async fn push(&self, db: impl PgExecutor<'_>, job: &Job) -> Result<Option<Uuid>, StoreError> {
        self.push_after(db, job, Duration::ZERO).await
    }

    /// Queues a job that is not due before `delay` has passed.
    pub async fn push_after(
        &self,
        db: impl PgExecutor<'_>,
        job: &Job,
        delay: Duration,
    ) -> Result<Option<Uuid>, StoreError> {
        jobs::enqueue(db, &job.to_row(self.max_attempts, delay)).await
    }

    /// Queues a job already claimed by the caller, who will run it as soon as `db`'s transaction commits.
    pub async fn push_claimed(
        &self,
        db: impl PgExecutor<'_>,
        job: &Job,
        lease: Duration,
    ) -> Result<jobs::ClaimedJob, StoreError> {
        jobs::enqueue_claimed(db, &job.to_row(self.max_attempts, Duration::ZERO), lease).await
    }

    /// Tells an idle worker that work is waiting. Call it after the queuing transaction commits; workers in
    /// other processes find the job when they next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when [`Queue::wake`] is called (or was called while nobody waited).
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_survives_the_queue_row() {
        let jobs = [
            Job::GenerateReply { conversation_id: Uuid::now_v7() },
            Job::SendMessage { conversation_id: Uuid::now_v7(), message_id: Uuid::now_v7() },
            Job::DeliverSubmission { conversation_id: Uuid::now_v7(), submission_id: Uuid::now_v7() },
            Job::FetchMedia { conversation_id: Uuid::now_v7(), message_id: Uuid::now_v7() },
            Job::SendEmail { email_id: Uuid::now_v7() },
            Job::RemindAppointment {
                conversation_id: Uuid::now_v7(),
                appointment_id: Uuid::now_v7(),
                starts_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            },
            Job::SyncCalendar { appointment_id: Uuid::now_v7() },
            Job::NotifyHandoff { handoff_id: Uuid::now_v7() },
        ];
        for job in jobs {
            let row = job.to_row(3, Duration::ZERO);
            let serialised =
                !matches!(job, Job::DeliverSubmission { .. } | Job::SendEmail { .. } | Job::NotifyHandoff { .. });
            assert_eq!(row.concurrency_key.is_some(), serialised);
            let coalesces = matches!(job, Job::GenerateReply { .. } | Job::RemindAppointment { .. });
            assert_eq!(row.dedupe_key.is_some(), coalesces, "replies and reminders coalesce");
            assert_eq!(Job::from_row(row.kind, &row.payload).unwrap(), job);
        }
    }

    /// The ingest statement writes reply jobs itself (`smsagent_store::inbound`): they must read back as
    /// the queue writes them.
    #[test]
    fn reply_jobs_look_the_same_whoever_writes_them() {
        let conversation_id = Uuid::now_v7();
        let row = Job::GenerateReply { conversation_id }.to_row(3, Duration::ZERO);
        assert_eq!(row.kind, inbound::REPLY_JOB_KIND);
        assert_eq!(row.payload, json!({"conversation_id": conversation_id}));
        assert_eq!(row.concurrency_key, Some(conversation_id.to_string()));
        assert_eq!(row.dedupe_key, Some(format!("reply:{conversation_id}")));
    }
}
