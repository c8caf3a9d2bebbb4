use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;
use smsagent_store::jobs::{self, NewJob, QueueCounts};
use smsagent_store::{PgPool, StoreError};
use uuid::Uuid;

const LEASE: Duration = Duration::from_secs(60);

fn job(key: Option<&str>) -> NewJob {
    NewJob {
        kind: "test",
        payload: json!({"n": 1}),
        concurrency_key: key.map(str::to_owned),
        dedupe_key: None,
        max_attempts: 3,
        run_at: None,
    }
}

/// A worker: claims and completes jobs until the queue is empty. Returns the ids it took.
async fn work_until_empty(pool: &PgPool) -> Vec<Uuid> {
    let mut taken = Vec::new();
    loop {
        match jobs::claim(pool, LEASE).await.unwrap() {
            Some(claimed) => {
                taken.push(claimed.id);
                // The job's work: long enough for the other worker to be claiming meanwhile.
                tokio::time::sleep(Duration::from_millis(2)).await;
                // A fenced-out completion would mean another worker holds the same job.
                jobs::complete(pool, &claimed).await.unwrap();
            }
            None if jobs::counts(pool).await.unwrap() == QueueCounts::default() => return taken,
            None => tokio::task::yield_now().await,
        }
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn two_workers_claiming_at_once_never_take_the_same_job(pool: PgPool) {
    let mut enqueued = HashSet::new();
    for n in 0..60 {
        enqueued.insert(jobs::enqueue(&pool, &job(Some(&format!("conversation-{n}")))).await.unwrap().unwrap());
    }

    let (first, second) = tokio::join!(work_until_empty(&pool), work_until_empty(&pool));

    let first_set: HashSet<_> = first.iter().copied().collect();
    let second_set: HashSet<_> = second.iter().copied().collect();
    assert_eq!(first.len(), first_set.len(), "a worker took a job twice");
    assert!(first_set.is_disjoint(&second_set), "both workers took the same job");
    assert_eq!(&first_set | &second_set, enqueued, "every job was taken");
    assert!(!first.is_empty() && !second.is_empty(), "both workers got work, so they really raced");
    assert_eq!(jobs::counts(&pool).await.unwrap(), QueueCounts::default());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_job_whose_worker_died_is_taken_over_after_its_lease(pool: PgPool) {
    let id = jobs::enqueue(&pool, &job(None)).await.unwrap().unwrap();
    let dead_worker = jobs::claim(&pool, Duration::from_millis(300)).await.unwrap().unwrap();

    assert!(jobs::claim(&pool, LEASE).await.unwrap().is_none(), "the lease still holds");
    tokio::time::sleep(Duration::from_millis(400)).await;

    let survivor = jobs::claim(&pool, LEASE).await.unwrap().expect("the expired lease is reclaimed");
    assert_eq!(survivor.id, id);
    assert_eq!(survivor.attempt, 2);

    let late = jobs::complete(&pool, &dead_worker).await;
    assert!(matches!(late, Err(StoreError::LeaseLost(_))), "the first worker is fenced out: {late:?}");
    jobs::complete(&pool, &survivor).await.unwrap();
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn jobs_sharing_a_key_run_one_at_a_time_in_order(pool: PgPool) {
    let first = jobs::enqueue(&pool, &job(Some("c1"))).await.unwrap().unwrap();
    let second = jobs::enqueue(&pool, &job(Some("c1"))).await.unwrap().unwrap();
    let other = jobs::enqueue(&pool, &job(Some("c2"))).await.unwrap().unwrap();

    let a = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    let b = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    assert_eq!((a.id, b.id), (first, other), "the second c1 job waits for the first");
    assert!(jobs::claim(&pool, LEASE).await.unwrap().is_none());

    jobs::complete(&pool, &a).await.unwrap();
    let c = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    assert_eq!(c.id, second);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn racing_claims_on_one_key_never_run_two_jobs(pool: PgPool) {
    for _ in 0..10 {
        jobs::enqueue(&pool, &job(Some("same"))).await.unwrap();
    }
    let claims = futures::future::join_all((0..8).map(|_| jobs::claim(&pool, LEASE))).await;
    let running: Vec<_> = claims.into_iter().filter_map(|c| c.unwrap()).collect();
    assert_eq!(running.len(), 1, "exactly one job of the key runs");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_retried_job_waits_for_its_delay(pool: PgPool) {
    jobs::enqueue(&pool, &job(Some("c1"))).await.unwrap();
    let claimed = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    jobs::retry_later(&pool, &claimed, Duration::from_secs(3600), "provider said 503").await.unwrap();

    assert!(jobs::claim(&pool, LEASE).await.unwrap().is_none(), "not due for an hour");
    assert_eq!(jobs::counts(&pool).await.unwrap(), QueueCounts { queued: 1, running: 0, dead: 0 });

    jobs::retry_later(&pool, &claimed, Duration::ZERO, "again").await.expect_err("a job not running cannot be retried");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_buried_job_stays_visible_and_frees_its_key(pool: PgPool) {
    jobs::enqueue(&pool, &job(Some("c1"))).await.unwrap();
    let waiting = jobs::enqueue(&pool, &job(Some("c1"))).await.unwrap().unwrap();
    let claimed = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    jobs::bury(&pool, &claimed, "credentials refused").await.unwrap();

    let last_error: String =
        sqlx::query_scalar("SELECT last_error FROM job WHERE status = 'dead'").fetch_one(&pool).await.unwrap();
    assert_eq!(last_error, "credentials refused");
    assert_eq!(jobs::claim(&pool, LEASE).await.unwrap().unwrap().id, waiting);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_worker_dying_on_the_last_attempt_leaves_the_job_dead(pool: PgPool) {
    jobs::enqueue(&pool, &NewJob { max_attempts: 1, ..job(None) }).await.unwrap();
    jobs::claim(&pool, Duration::from_millis(100)).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(jobs::claim(&pool, LEASE).await.unwrap().is_none(), "no attempts left");
    assert_eq!(jobs::bury_abandoned(&pool).await.unwrap(), 1);
    assert_eq!(jobs::counts(&pool).await.unwrap(), QueueCounts { queued: 0, running: 0, dead: 1 });
}

fn reply_job(conversation: &str) -> NewJob {
    NewJob { dedupe_key: Some(format!("reply:{conversation}")), ..job(Some(conversation)) }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_job_whose_twin_is_waiting_is_not_queued_again(pool: PgPool) {
    assert!(jobs::enqueue(&pool, &reply_job("c1")).await.unwrap().is_some());
    assert!(jobs::enqueue(&pool, &reply_job("c1")).await.unwrap().is_none(), "a burst queues one reply");
    assert!(jobs::enqueue(&pool, &reply_job("c2")).await.unwrap().is_some(), "other conversations are separate");

    // Once the waiting one runs, a new one may wait behind it.
    let running = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    assert!(jobs::enqueue(&pool, &reply_job("c1")).await.unwrap().is_some());
    assert_eq!(jobs::counts(&pool).await.unwrap(), QueueCounts { queued: 2, running: 1, dead: 0 });

    // A failed run that would wait beside its twin gives way to it.
    jobs::retry_later(&pool, &running, Duration::ZERO, "model timed out").await.unwrap();
    assert_eq!(jobs::counts(&pool).await.unwrap(), QueueCounts { queued: 2, running: 0, dead: 0 });
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_claim_undone_by_a_crash_cannot_finish_the_job_claimed_again_after_it(pool: PgPool) {
    jobs::enqueue(&pool, &job(None)).await.unwrap().unwrap();
    let undone = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    // What a crash does to a claim that never reached the disk: the row is as it was before it.
    sqlx::query("UPDATE job SET status = 'queued', attempts = 0, claim_token = NULL, lease_expires_at = NULL")
        .execute(&pool)
        .await
        .unwrap();
    let again = jobs::claim(&pool, LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempt), (undone.id, undone.attempt), "the same attempt number, twice");

    for fenced in [jobs::complete(&pool, &undone).await, jobs::bury(&pool, &undone, "x").await] {
        assert!(matches!(fenced, Err(StoreError::LeaseLost(_))), "the undone claim is fenced out: {fenced:?}");
    }
    let retried = jobs::retry_later(&pool, &undone, Duration::ZERO, "x").await;
    assert!(matches!(retried, Err(StoreError::LeaseLost(_))), "{retried:?}");
    jobs::complete(&pool, &again).await.unwrap();
}
