//! The whole loop: a text arrives, is answered, and the answer goes out through Twilio.

use serde_json::json;
use smsagent_ai::OFFLINE_REPLY;
use smsagent_server::bootstrap::DEFAULT_SMS_PROMPT;
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{
    BUSINESS, CONTACT, FIRST_SMS, MESSAGES_API, Options, PUBLIC_BASE_URL, TestApp, WEBHOOK, inbound, mount_twilio, sid,
    twilio_error, wait_for,
};

/// Waits until `n` replies have been handed to Twilio (or failed).
async fn replies_settled(app: &TestApp, n: usize) {
    wait_for(&format!("{n} replies"), || async {
        let outbound = app.outbound().await;
        outbound.len() >= n && outbound.iter().all(|m| m.status != "queued" || m.message_sid.is_some())
    })
    .await;
    app.settle().await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_first_text_is_greeted_through_twilio_with_delivery_tracking(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;

    app.text(&sid(), CONTACT, "Hi, is the flat on Elm Street still available?").await;
    replies_settled(&app, 1).await;

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), 1);
    let reply = &app.outbound().await[0];
    assert_eq!(sends[0].get("To"), Some(CONTACT));
    assert_eq!(sends[0].get("From"), Some(BUSINESS));
    assert_eq!(sends[0].get("Body"), Some(FIRST_SMS));
    assert_eq!(
        sends[0].get("StatusCallback"),
        Some(format!("{PUBLIC_BASE_URL}/api/v1/sms/status-callback?message_id={}", reply.id).as_str())
    );
    assert!(reply.message_sid.as_deref().is_some_and(|s| s.starts_with("SM")), "Twilio's sid is stored");
    assert_eq!(reply.status, "queued", "Twilio's initial status");
    let inbound_id = app.messages().await[0].id;
    assert_eq!(reply.reply_to_message_id, Some(inbound_id));
    assert!(app.model_requests().await.is_empty(), "the greeting needs no model");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_webhook_posted_three_times_stores_one_text_and_sends_one_reply(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    let params = inbound(&sid(), CONTACT, "Hello");

    for _ in 0..3 {
        assert_eq!(app.post_signed(WEBHOOK, &params).await.status(), 200);
    }
    replies_settled(&app, 1).await;
    // Give a wrongly queued second reply every chance to show up.
    app.worker.drain().await.unwrap();

    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE direction = 'inbound'").await, 1);
    assert_eq!(app.twilio_sends().await.len(), 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_later_text_is_answered_by_the_model_with_the_prompt_the_history_and_the_cap(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    app.model_replies("Yes, it is! Would you like to book a viewing?").await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;
    app.text(&sid(), CONTACT, "Is the flat on Elm Street still available?").await;
    replies_settled(&app, 2).await;

    let requests = app.model_requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["max_completion_tokens"], 100);
    assert_eq!(
        requests[0]["messages"],
        json!([
            {"role": "system", "content": DEFAULT_SMS_PROMPT},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": FIRST_SMS},
            {"role": "user", "content": "Is the flat on Elm Street still available?"},
        ])
    );
    let sends = app.twilio_sends().await;
    assert_eq!(sends[1].get("Body"), Some("Yes, it is! Would you like to book a viewing?"));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_after_a_long_pause_is_greeted_again(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    app.model_replies("model reply").await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;
    sqlx::query("UPDATE sms_messages SET created_at = created_at - interval '45 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.text(&sid(), CONTACT, "Hi again, it's been a while").await;
    replies_settled(&app, 2).await;

    let bodies: Vec<_> = app.twilio_sends().await.iter().map(|s| s.get("Body").unwrap().to_owned()).collect();
    assert_eq!(bodies, [FIRST_SMS, FIRST_SMS]);
    assert!(app.model_requests().await.is_empty());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn with_no_model_configured_the_offline_assistant_answers(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    app.general_assistant().await;
    app.twilio_accepts().await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;
    app.text(&sid(), CONTACT, "What are your opening hours?").await;
    replies_settled(&app, 2).await;

    let bodies: Vec<_> = app.twilio_sends().await.iter().map(|s| s.get("Body").unwrap().to_owned()).collect();
    assert_eq!(bodies, [FIRST_SMS, OFFLINE_REPLY]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn when_the_model_refuses_the_offline_reply_goes_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
        }})))
        .mount(&app.openai)
        .await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;
    app.text(&sid(), CONTACT, "Question?").await;
    replies_settled(&app, 2).await;

    assert_eq!(app.twilio_sends().await[1].get("Body"), Some(OFFLINE_REPLY));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_burst_of_texts_gets_one_reply_to_the_newest(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.general_assistant().await;
    app.twilio_accepts().await;

    for body in ["Hi", "I'm looking for a flat", "Two bedrooms"] {
        app.text(&sid(), CONTACT, body).await;
    }
    app.worker.drain().await.unwrap();

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), 1, "one reply for the burst");
    assert_eq!(sends[0].get("Body"), Some(FIRST_SMS));
    let messages = app.messages().await;
    let newest_inbound = messages.iter().rfind(|m| m.direction == "inbound").unwrap();
    assert_eq!(app.outbound().await[0].reply_to_message_id, Some(newest_inbound.id));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_twilio_500_is_retried_and_the_reply_sent_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    mount_twilio(&app.twilio, Some(ResponseTemplate::new(500).set_body_string("Internal Server Error"))).await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;

    let attempts = app.twilio_sends().await;
    assert_eq!(attempts.len(), 2, "one failure, one success");
    assert_eq!(attempts[0].get("Body"), attempts[1].get("Body"), "the same text is retried");
    let reply = &app.outbound().await[0];
    assert!(reply.message_sid.is_some());
    assert_eq!(app.count("SELECT count(*) FROM job").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_opted_out_recipient_is_not_retried_and_never_texted_again(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    mount_twilio(&app.twilio, Some(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))).await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;

    assert_eq!(app.twilio_sends().await.len(), 1, "no retry");
    let reply = &app.outbound().await[0];
    assert_eq!((reply.status.as_str(), reply.error_code.as_deref()), ("failed", Some("21610")));
    let source: String =
        sqlx::query_scalar("SELECT source FROM opt_out WHERE business_number = $1 AND contact_number = $2")
            .bind(BUSINESS)
            .bind(CONTACT)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(source, "provider");

    // Twilio would now accept, but nothing is sent to an opted-out contact.
    app.text(&sid(), CONTACT, "Are you there?").await;
    app.settle().await;
    assert_eq!(app.twilio_sends().await.len(), 1);
    assert_eq!(app.outbound().await.len(), 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_bad_number_fails_the_reply_without_retry_or_opt_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    mount_twilio(&app.twilio, Some(twilio_error(400, 21211, "The 'To' number is not a valid phone number."))).await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;

    assert_eq!(app.twilio_sends().await.len(), 1);
    assert_eq!(app.outbound().await[0].error_code.as_deref(), Some("21211"));
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_simulator_number_stores_its_replies_as_sent_and_calls_nobody(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    sqlx::query("UPDATE phone_number SET provider = 'simulator'").execute(&app.pool).await.unwrap();

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;

    let reply = &app.outbound().await[0];
    assert_eq!(reply.status, "sent");
    assert!(reply.message_sid.as_deref().is_some_and(|s| s.starts_with("SIM")));
    assert!(app.twilio_sends().await.is_empty());
    let requests = app.twilio.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.url.path() != MESSAGES_API));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_arriving_while_a_reply_is_written_gets_one_fresh_reply(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    app.twilio_accepts().await;
    // The model takes its time, so the next text lands while the first answer is being written.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            crate::helpers::chat_completion("Sure, what size?").set_delay(std::time::Duration::from_millis(700)),
        )
        .mount(&app.openai)
        .await;

    app.text(&sid(), CONTACT, "Hi").await;
    replies_settled(&app, 1).await;
    app.text(&sid(), CONTACT, "I need a flat").await;
    wait_for("the model to be asked", || async { !app.model_requests().await.is_empty() }).await;
    app.text(&sid(), CONTACT, "with two bedrooms").await;
    replies_settled(&app, 2).await;

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), 2, "the greeting, then one reply that saw both texts");
    let requests = app.model_requests().await;
    let last_prompt = &requests.last().unwrap()["messages"];
    assert_eq!(last_prompt.as_array().unwrap().last().unwrap()["content"], "with two bedrooms");
    let newest = app.messages().await.into_iter().rfind(|m| m.direction == "inbound").unwrap();
    assert_eq!(app.outbound().await[1].reply_to_message_id, Some(newest.id));
}
