//! The database crashes, or restarts, while a text is being handed to Twilio.

use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use smsagent_store::jobs;

use super::cluster::Cluster;
use super::{assert_sent_once, next_arrival, settled};
use crate::helpers::{CONTACT, Options, SCREENING_ANSWERS, TestApp, sid, wait_for};
use crate::twilio_account::{Create, TwilioAccount};

/// The reply's first send fails, so the retry is claimed from the queue; Twilio takes the retry and
/// answers a second later, and the database goes down in between.
async fn reply_sent_across(outage: impl FnOnce(&Cluster)) {
    let (cluster, pool) = Cluster::start().await;
    let app = TestApp::spawn_with(pool, Options { workers: 2, lease_seconds: 20, ..Options::default() }).await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    twilio.script([Create::Refuse(500), Create::AcceptSlowly(Duration::from_millis(1500))]);
    let mut arrivals = twilio.arrivals();

    app.text(&sid(), CONTACT, "Hi").await;
    next_arrival(&mut arrivals).await;
    outage(&cluster);
    settled(&app).await;

    assert_eq!(assert_sent_once(&app, &twilio).await, 1, "the reply reached Twilio");
    let reply = &app.outbound().await[0];
    assert!(reply.message_sid.is_some(), "Twilio's id is recorded: {reply:?}");
}

#[tokio::test]
async fn a_database_crash_while_a_retried_text_is_sent_does_not_send_it_again() {
    reply_sent_across(Cluster::crash_and_restart).await;
}

#[tokio::test]
async fn a_database_restart_while_a_retried_text_is_sent_does_not_send_it_again() {
    reply_sent_across(Cluster::restart).await;
}

/// A completed form's delivery is under way when the database crashes: the business gets it once. Its
/// first attempt fails, so the retry is claimed from the queue when nothing else is being written.
#[tokio::test]
async fn a_database_crash_while_a_form_is_delivered_does_not_deliver_it_twice() {
    let (cluster, pool) = Cluster::start().await;
    let app = TestApp::spawn_with(pool, Options { workers: 2, lease_seconds: 20, ..Options::default() }).await;
    app.twilio_accepts().await;
    let receiver = MockServer::start().await;
    let (arrived, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    Mock::given(method("POST"))
        .and(path("/hooks/applications"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/applications"))
        .respond_with(move |_: &wiremock::Request| {
            let _ = arrived.send(());
            ResponseTemplate::new(204).set_delay(Duration::from_millis(1500))
        })
        .with_priority(2)
        .mount(&receiver)
        .await;
    sqlx::query("UPDATE assistant SET completion_url = $1, completion_secret = 'whsec_test_secret'")
        .bind(format!("{}/hooks/applications", receiver.uri()))
        .execute(&app.pool)
        .await
        .unwrap();

    for text in SCREENING_ANSWERS {
        app.text(&sid(), CONTACT, text).await;
        settled(&app).await;
    }
    tokio::time::timeout(Duration::from_secs(10), arrivals.recv()).await.expect("the form is delivered").unwrap();
    cluster.crash_and_restart();
    wait_for("the delivery to be recorded", || async {
        app.count("SELECT count(*) FROM form_submission WHERE delivery_status = 'delivered'").await == 1
    })
    .await;
    settled(&app).await;

    assert_eq!(receiver.received_requests().await.unwrap().len(), 2, "refused once, then delivered once");
}

/// The claim itself, alone: once `claim` returns, a crash cannot undo it, so no other worker can take
/// the job while its first worker is still at work.
#[tokio::test]
async fn a_claim_survives_a_database_crash() {
    let (cluster, pool) = Cluster::start().await;
    let job = jobs::NewJob {
        kind: "send_message",
        payload: serde_json::json!({}),
        concurrency_key: None,
        dedupe_key: None,
        max_attempts: 3,
        run_at: None,
    };
    jobs::enqueue(&pool, &job).await.unwrap();
    let claimed = jobs::claim(&pool, Duration::from_secs(60)).await.unwrap().expect("the job is due");

    cluster.crash_and_restart();

    let (status, token): (String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT status, claim_token FROM job").fetch_one(&pool).await.unwrap();
    assert_eq!((status.as_str(), token), ("running", Some(claimed.token)), "the claim outlived the crash");
    assert!(jobs::claim(&pool, Duration::from_secs(60)).await.unwrap().is_none(), "nobody else can claim it");
}
