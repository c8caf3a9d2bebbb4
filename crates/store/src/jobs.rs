//! The durable job queue.
//!
//! A worker claims a job with `FOR UPDATE SKIP LOCKED` and takes a lease on it; the claim commits at once,
//! so no lock is held while the job calls the network. The claim is durable before the job starts: jobs
//! call providers, and a claim that a database crash undid would let a second worker run the same job
//! beside the first. A job can also be queued already claimed, by a worker that will run it at once
//! ([`enqueue_claimed`]).
//!
//! Every claim draws a token of its own. A job finishes in the same transaction that records its effects
//! ([`complete`]), fenced by that token: a worker whose lease ran out, and whose job was taken over, can
//! no longer finish it, nor retry or bury it. Jobs sharing a `concurrency_key` never run at the same time.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::StoreError;

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: Value,
    /// Jobs with the same key run one at a time. They start in `run_at` order, though a retried job goes
    /// back in line behind jobs that became due meanwhile.
    pub concurrency_key: Option<String>,
    /// While a job with this key waits to run, another is not queued.
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
    /// Not before this time; `None` for now.
    pub run_at: Option<DateTime<Utc>>,
}

/// A job this worker holds a lease on.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    /// 1 for the first attempt.
    pub attempt: i32,
    pub max_attempts: i32,
    /// This claim's own token: what fences the job's effects (not the attempt number, which a claim
    /// undone by a crash would hand out twice).
    pub token: Uuid,
    /// When the lease runs out, by this process's clock: no later than the database's reckoning, since it
    /// is counted from before the claim was made.
    pub leased_until: Instant,
}

impl ClaimedJob {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// What is left of the lease. A job's calls to the outside must end within it, or another worker
    /// could take the job over while they are still under way.
    pub fn lease_left(&self) -> Duration {
        self.leased_until.saturating_duration_since(Instant::now())
    }
}

/// A claim as the database returns it.
struct ClaimRow {
    id: Uuid,
    kind: String,
    payload: Value,
    attempt: i32,
    max_attempts: i32,
    token: Option<Uuid>,
}

impl ClaimRow {
    fn leased(self, from: Instant, lease: Duration) -> Result<ClaimedJob, StoreError> {
        let token = self.token.ok_or_else(|| StoreError::corrupt("a claimed job without a token"))?;
        let ClaimRow { id, kind, payload, attempt, max_attempts, .. } = self;
        Ok(ClaimedJob { id, kind, payload, attempt, max_attempts, token, leased_until: from + lease })
    }
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub queued: i64,
    pub running: i64,
    pub dead: i64,
}

/// Queues a job. Returns `None` when a job with the same dedupe key is already waiting.
pub async fn enqueue(db: impl PgExecutor<'_>, job: &NewJob) -> Result<Option<Uuid>, StoreError> {
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO job (id, kind, payload, concurrency_key, dedupe_key, max_attempts, run_at)
        VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, now()))
        ON CONFLICT (dedupe_key) WHERE status = 'queued' DO NOTHING
        RETURNING id
        "#,
        Uuid::now_v7(),
        job.kind,
        job.payload,
        job.concurrency_key,
        job.dedupe_key,
        job.max_attempts,
        job.run_at,
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Claims the next due job, if any, and leases it for `lease`.
///
/// A due job is a queued one whose `run_at` has come, or a running one whose lease ran out (its worker
/// died) with attempts left. Jobs whose key is held by a running job are skipped.
pub async fn claim(pool: &PgPool, lease: Duration) -> Result<Option<ClaimedJob>, StoreError> {
    // Two workers can pick different jobs with the same key at the same moment; the unique index lets one
    // through and the other tries again, this time skipping the key.
    for _ in 0..3 {
        match try_claim(pool, lease).await {
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => continue,
            claimed => return claimed,
        }
    }
    Ok(None)
}

async fn try_claim(db: impl PgExecutor<'_>, lease: Duration) -> Result<Option<ClaimedJob>, StoreError> {
    let asked = Instant::now();
    let claimed = sqlx::query_as!(
        ClaimRow,
        r#"
        -- Two walks, each down its own index, rather than one OR that would read every entry of both.
        WITH due AS (
            SELECT candidate.id, candidate.run_at
            FROM job candidate
            WHERE candidate.status = 'queued' AND candidate.run_at <= now()
              AND (candidate.concurrency_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM job holder
                    WHERE holder.concurrency_key = candidate.concurrency_key AND holder.status = 'running'))
            ORDER BY candidate.run_at, candidate.id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        ), abandoned AS (
            SELECT candidate.id, candidate.run_at
            FROM job candidate
            WHERE candidate.status = 'running' AND candidate.lease_expires_at < now()
              AND candidate.attempts < candidate.max_attempts
              AND (candidate.concurrency_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM job holder
                    WHERE holder.concurrency_key = candidate.concurrency_key
                      AND holder.status = 'running'
                      AND holder.id <> candidate.id))
            ORDER BY candidate.lease_expires_at
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE job
        SET status = 'running',
            attempts = attempts + 1,
            claim_token = $2,
            -- From the statement's own clock, not the transaction's start: never earlier than `asked`.
            lease_expires_at = clock_timestamp() + make_interval(secs => $1),
            updated_at = now()
        WHERE id = (
            SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM abandoned) candidates
            ORDER BY run_at, id
            LIMIT 1
        )
        RETURNING id, kind, payload, attempts AS attempt, max_attempts, claim_token AS token
        "#,
        lease.as_secs_f64(),
        Uuid::now_v7(),
    )
    .fetch_optional(db)
    .await?;
    claimed.map(|row| row.leased(asked, lease)).transpose()
}

/// Queues `job` as claimed by the caller (running, first attempt, leased for `lease`), in the transaction
/// that makes it necessary, for the caller to run as soon as that commits. Should the caller die first, the
/// lease runs out and another worker takes the job, as with any claim.
pub async fn enqueue_claimed(db: impl PgExecutor<'_>, job: &NewJob, lease: Duration) -> Result<ClaimedJob, StoreError> {
    let asked = Instant::now();
    let claimed = sqlx::query_as!(
        ClaimRow,
        r#"
        INSERT INTO job (id, kind, payload, status, concurrency_key, dedupe_key, attempts, max_attempts, run_at,
                         lease_expires_at, claim_token)
        VALUES ($1, $2, $3, 'running', $4, $5, 1, $6, now(), clock_timestamp() + make_interval(secs => $7), $8)
        RETURNING id, kind, payload, attempts AS attempt, max_attempts, claim_token AS token
        "#,
        Uuid::now_v7(),
        job.kind,
        job.payload,
        job.concurrency_key,
        job.dedupe_key,
        job.max_attempts,
        lease.as_secs_f64(),
        Uuid::now_v7(),
    )
    .fetch_one(db)
    .await?;
    claimed.leased(asked, lease)
}

/// Finishes a job: call it in the transaction that records the job's effects, so both commit or neither.
///
/// Fails with [`StoreError::LeaseLost`] when the claim is no longer this worker's; roll back then.
pub async fn complete(db: impl PgExecutor<'_>, job: &ClaimedJob) -> Result<(), StoreError> {
    let done =
        sqlx::query!("DELETE FROM job WHERE id = $1 AND claim_token = $2 AND status = 'running'", job.id, job.token)
            .execute(db)
            .await?;
    fenced(done.rows_affected(), job)
}

/// Puts a failed job back on the queue, due again after `delay`. When an equal job (same dedupe key) was
/// queued meanwhile, that one will do the work and this one is dropped.
pub async fn retry_later(pool: &PgPool, job: &ClaimedJob, delay: Duration, error: &str) -> Result<(), StoreError> {
    match requeue(pool, job, delay, error).await {
        Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => complete(pool, job).await,
        other => other,
    }
}

async fn requeue(db: impl PgExecutor<'_>, job: &ClaimedJob, delay: Duration, error: &str) -> Result<(), StoreError> {
    let updated = sqlx::query!(
        r#"
        UPDATE job
        SET status = 'queued', run_at = now() + make_interval(secs => $3), lease_expires_at = NULL,
            claim_token = NULL, last_error = $4, updated_at = now()
        WHERE id = $1 AND claim_token = $2 AND status = 'running'
        "#,
        job.id,
        job.token,
        delay.as_secs_f64(),
        error,
    )
    .execute(db)
    .await?;
    fenced(updated.rows_affected(), job)
}

/// Marks a job dead: it failed for good, and stays in the table for an operator to see.
pub async fn bury(db: impl PgExecutor<'_>, job: &ClaimedJob, error: &str) -> Result<(), StoreError> {
    let updated = sqlx::query!(
        r#"
        UPDATE job
        SET status = 'dead', lease_expires_at = NULL, claim_token = NULL, last_error = $3, updated_at = now()
        WHERE id = $1 AND claim_token = $2 AND status = 'running'
        "#,
        job.id,
        job.token,
        error,
    )
    .execute(db)
    .await?;
    fenced(updated.rows_affected(), job)
}

/// Marks dead the jobs whose worker died during their last attempt. Returns how many.
pub async fn bury_abandoned(db: impl PgExecutor<'_>) -> Result<u64, StoreError> {
    let buried = sqlx::query!(
        r#"
        UPDATE job
        SET status = 'dead', lease_expires_at = NULL, claim_token = NULL, updated_at = now(),
            last_error = concat_ws(': ', 'the worker stopped during the last attempt', last_error)
        WHERE status = 'running' AND lease_expires_at < now() AND attempts >= max_attempts
        "#
    )
    .execute(db)
    .await?;
    Ok(buried.rows_affected())
}

pub async fn counts(db: impl PgExecutor<'_>) -> Result<QueueCounts, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT count(*) FILTER (WHERE status = 'queued') AS "queued!",
               count(*) FILTER (WHERE status = 'running') AS "running!",
               count(*) FILTER (WHERE status = 'dead') AS "dead!"
        FROM job
        "#
    )
    .fetch_one(db)
    .await?;
    Ok(QueueCounts { queued: row.queued, running: row.running, dead: row.dead })
}

fn fenced(rows: u64, job: &ClaimedJob) -> Result<(), StoreError> {
    if rows == 1 { Ok(()) } else { Err(StoreError::LeaseLost(job.id)) }
}

/// What the metrics report about the queue (and opt-outs), read at each scrape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueFigures {
    /// Jobs due now and not yet claimed.
    pub due: i64,
    pub oldest_due_seconds: f64,
    pub dead: i64,
    pub opt_outs: i64,
}

pub async fn queue_figures(db: impl PgExecutor<'_>) -> Result<QueueFigures, StoreError> {
    let row = sqlx::query!(
        r#"
        SELECT (SELECT count(*) FROM job WHERE status = 'queued' AND run_at <= now()) AS "due!",
               (SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0)::float8
                FROM job WHERE status = 'queued' AND run_at <= now()) AS "oldest!",
               (SELECT count(*) FROM job WHERE status = 'dead') AS "dead!",
               (SELECT count(*) FROM opt_out) AS "opt_outs!"
        "#
    )
    .fetch_one(db)
    .await?;
    Ok(QueueFigures { due: row.due, oldest_due_seconds: row.oldest, dead: row.dead, opt_outs: row.opt_outs })
}
