//! The worker under concurrency and failure: several workers, dead workers, exhausted retries.

use std::time::Duration;

use smsagent_store::{PgPool, jobs};
use wiremock::ResponseTemplate;
use wiremock::matchers::method;

use crate::helpers::{CONTACT, Options, TestApp, inbound, mount_twilio, post_text_to, sid, twilio_error, wait_for};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn two_service_instances_answer_every_conversation_without_duplicates(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 3, ..Options::default() }).await;
    app.general_assistant().await;
    let (sibling, _) = app.spawn_sibling(Options { workers: 3, ..Options::default() }).await;
    app.twilio_accepts().await;
    app.model_replies("Happy to help.").await;

    // Eight contacts text three times each, alternating between the instances as a load balancer would.
    let contacts: Vec<String> = (0..8).map(|n| format!("+1555200{n:04}")).collect();
    for round in 0..3 {
        for (n, contact) in contacts.iter().enumerate() {
            let address = if (n + round) % 2 == 0 { &app.address } else { &sibling };
            let status = post_text_to(address, &inbound(&sid(), contact, &format!("text {round}"))).await;
            assert_eq!(status, 200);
        }
    }
    app.settle().await;
    wait_for("every conversation's replies to settle", || async {
        app.outbound().await.iter().all(|m| m.message_sid.is_some() || m.status == "failed")
    })
    .await;

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), app.outbound().await.len(), "every reply was handed to Twilio once");
    app.assert_every_conversation_answered(&contacts).await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_job_whose_worker_died_is_taken_over_after_its_lease_and_sent_once(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, lease_seconds: 1, ..Options::default() }).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "Hi").await;

    // A worker claims the reply and dies before finishing it (fencing itself is tested in the store).
    jobs::claim(&app.pool, Duration::from_millis(800)).await.unwrap().expect("the reply job");
    assert_eq!(app.worker.drain().await.unwrap(), 0, "nobody else runs it while the lease holds");

    wait_for("the lease to run out and the reply to be sent", || async {
        app.worker.drain().await.unwrap();
        !app.twilio_sends().await.is_empty()
    })
    .await;
    app.worker.drain().await.unwrap();

    assert_eq!(app.twilio_sends().await.len(), 1);
    assert_eq!(app.outbound().await.len(), 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_send_that_keeps_failing_ends_dead_and_visible(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    wiremock::Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .mount(&app.twilio)
        .await;

    app.text(&sid(), CONTACT, "Hi").await;
    wait_for("the send job to die", || async {
        app.count("SELECT count(*) FROM job WHERE status = 'dead'").await == 1
    })
    .await;

    assert_eq!(app.twilio_sends().await.len(), 4, "JOB_MAX_ATTEMPTS attempts");
    let (kind, last_error): (String, String) =
        sqlx::query_as("SELECT kind, last_error FROM job WHERE status = 'dead'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kind, "send_message");
    assert!(last_error.contains("503"), "{last_error}");
    let reply = &app.outbound().await[0];
    assert_eq!(reply.status, "failed");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn refused_credentials_leave_the_job_dead_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    mount_twilio(&app.twilio, Some(twilio_error(401, 20003, "Authentication Error - invalid username"))).await;

    app.text(&sid(), CONTACT, "Hi").await;
    wait_for("the send job to die", || async {
        app.count("SELECT count(*) FROM job WHERE status = 'dead'").await == 1
    })
    .await;

    assert_eq!(app.twilio_sends().await.len(), 1, "no retry can fix credentials");
    assert_eq!(app.outbound().await[0].status, "failed");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_rate_limited_send_waits_at_least_as_long_as_twilio_asks(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.general_assistant().await;
    mount_twilio(&app.twilio, Some(twilio_error(429, 20429, "Too Many Requests").insert_header("Retry-After", "30")))
        .await;

    app.text(&sid(), CONTACT, "Hi").await;
    app.worker.drain().await.unwrap();

    let wait: f64 =
        sqlx::query_scalar("SELECT extract(epoch FROM run_at - now())::float8 FROM job WHERE kind = 'send_message'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(wait > 25.0, "retry scheduled {wait:.1}s ahead; Retry-After said 30s");
    assert_eq!(app.twilio_sends().await.len(), 1);
}
