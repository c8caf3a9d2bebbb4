//! The rest of the faults a deployment meets, each counted the same way: every text stored once, every
//! conversation's newest text answered, and every reply at Twilio once.

use std::time::Duration;

use futures_util::future::join_all;
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{WorkerProcess, assert_sent_once, database_url, settled};
use crate::helpers::{CONTACT, Options, TestApp, chat_completion, inbound, post_text_to, sid};
use crate::twilio_account::{Create, TwilioAccount};

fn contacts(n: usize) -> Vec<String> {
    (0..n).map(|n| format!("+1555300{n:04}")).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn webhooks_delivered_three_to_ten_times_some_at_once_store_and_answer_each_text_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.model_replies("Happy to help.").await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    let contacts = contacts(6);

    for (n, contact) in contacts.iter().enumerate() {
        let params = inbound(&sid(), contact, "Hello");
        let copies = 3 + n % 8;
        // Half the copies at once, the rest one after another.
        let together = join_all((0..copies / 2).map(|_| post_text_to(&app.address, &params))).await;
        assert!(together.iter().all(|s| s.is_success()));
        for _ in copies / 2..copies {
            assert!(post_text_to(&app.address, &params).await.is_success());
        }
    }
    settled(&app).await;

    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE direction = 'inbound'").await, 6);
    app.assert_every_conversation_answered(&contacts).await;
    assert_eq!(assert_sent_once(&app, &twilio).await, contacts.len());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn twilio_500s_429s_and_timeouts_leave_each_reply_at_twilio_once(pool: PgPool) {
    // A 2 s lease: a send waits about a second for Twilio, and the slow answers come after 3.
    let app = TestApp::spawn_with(pool, Options { lease_seconds: 2, ..Options::default() }).await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    let slow = Create::AcceptSlowly(Duration::from_secs(3));
    twilio.script([Create::Refuse(500), slow, Create::Refuse(429), Create::Accept, slow, Create::Refuse(503), slow]);
    let contacts = contacts(5);

    for contact in &contacts {
        app.text(&sid(), contact, "Hi").await;
    }
    settled(&app).await;

    app.assert_every_conversation_answered(&contacts).await;
    assert_eq!(assert_sent_once(&app, &twilio).await, contacts.len());
    assert!(app.outbound().await.iter().all(|m| m.message_sid.is_some()), "every reply went out in the end");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_failing_or_slow_model_still_answers_each_text_once(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { lease_seconds: 2, ..Options::default() }).await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;
    let completions = "/v1/chat/completions";
    Mock::given(method("POST"))
        .and(path(completions))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&app.openai)
        .await;
    // Slower than the model's deadline (half the lease).
    Mock::given(method("POST"))
        .and(path(completions))
        .respond_with(chat_completion("Late.").set_delay(Duration::from_secs(2)))
        .up_to_n_times(2)
        .with_priority(2)
        .mount(&app.openai)
        .await;
    app.model_replies("Sure.").await;
    let contacts = contacts(3);

    // A first text each (greeted without the model), then a question each for the model.
    for round in ["Hi", "Question?"] {
        for contact in &contacts {
            app.text(&sid(), contact, round).await;
        }
        settled(&app).await;
    }

    app.assert_every_conversation_answered(&contacts).await;
    assert_eq!(assert_sent_once(&app, &twilio).await, 2 * contacts.len());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn stop_at_the_end_of_a_queued_burst_answers_with_the_opt_out_alone(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { burst_window_ms: 800, ..Options::default() }).await;
    app.general_assistant().await;
    let twilio = TwilioAccount::mount(&app.twilio).await;

    for body in ["Hi", "Is it still available?", "STOP"] {
        app.text(&sid(), CONTACT, body).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    settled(&app).await;
    app.text(&sid(), CONTACT, "hello?").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    settled(&app).await;

    assert_eq!(assert_sent_once(&app, &twilio).await, 1);
    let outbound = app.outbound().await;
    assert_eq!(outbound.len(), 1, "only the opt-out's confirmation: {outbound:?}");
    assert!(outbound[0].body.contains("unsubscribed") || outbound[0].body.contains("STOP"), "{:?}", outbound[0].body);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn two_serving_instances_and_a_worker_process_answer_each_text_once(pool: PgPool) {
    let lease = 3;
    let options = Options { workers: 2, lease_seconds: lease, ..Options::default() };
    let app = TestApp::spawn_with(pool.clone(), options.clone()).await;
    app.general_assistant().await;
    app.model_replies("Happy to help.").await;
    let (sibling, _) = app.spawn_sibling(options).await;
    let worker = WorkerProcess::start(&app, &database_url(&pool), lease);
    let twilio = TwilioAccount::mount(&app.twilio).await;
    twilio.script([
        Create::Refuse(500),
        Create::Accept,
        Create::AcceptSlowly(Duration::from_secs(3)),
        Create::Refuse(429),
    ]);
    let contacts = contacts(8);

    for round in 0..3 {
        for (n, contact) in contacts.iter().enumerate() {
            let address = if (n + round) % 2 == 0 { &app.address } else { &sibling };
            assert!(post_text_to(address, &inbound(&sid(), contact, &format!("text {round}"))).await.is_success());
        }
    }
    settled(&app).await;
    drop(worker);

    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE direction = 'inbound'").await, 24);
    app.assert_every_conversation_answered(&contacts).await;
    assert_sent_once(&app, &twilio).await;
    assert!(app.outbound().await.iter().all(|m| m.message_sid.is_some()), "every reply went out in the end");
}
