//! Replies over ACS: signed requests, delivery reports asked for, tagged with our id, and never sent twice.

use serde_json::json;
use smsagent_store::PgPool;

use crate::azure_mocks::{EVENT_GRID_WEBHOOK, MockAcs, acs_id, deliver, sms_received};
use wiremock::Mock;
use wiremock::matchers::{header, method, path, query_param};

use crate::helpers::{AZURE_DEPLOYMENT, AZURE_KEY, BUSINESS, CONTACT, FIRST_SMS, Options, TestApp, chat_completion};

async fn acs_app(pool: PgPool) -> TestApp {
    let app = TestApp::spawn_with(pool, Options { acs: true, ..Options::default() }).await;
    app.general_assistant().await;
    app
}

async fn text_in(app: &TestApp) {
    let response = deliver(app, EVENT_GRID_WEBHOOK, &json!([sms_received(&acs_id("Incoming"), CONTACT, "Hi")])).await;
    assert_eq!(response.status(), 200);
}

async fn error_of(app: &TestApp) -> (String, Option<String>, Option<String>) {
    sqlx::query_as("SELECT status, error_code, error_message FROM sms_messages WHERE direction = 'outbound'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_reply_asks_for_a_delivery_report_and_carries_its_tag_and_repeatability_id(pool: PgPool) {
    let app = acs_app(pool).await;
    let acs = MockAcs::mount(&app.acs).await;

    text_in(&app).await;
    app.settle().await;

    let sent = acs.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].from.as_str(), sent[0].to.as_str(), sent[0].message.as_str()), (BUSINESS, CONTACT, FIRST_SMS));
    let reply = app.outbound().await.remove(0);
    assert_eq!((reply.status.as_str(), reply.message_sid.as_deref()), ("queued", Some(sent[0].message_id.as_str())));
    let request = &acs.requests()[0];
    assert_eq!(request["smsSendOptions"], json!({"enableDeliveryReport": true, "tag": reply.id.to_string()}));
    assert_eq!(request["smsRecipients"][0]["repeatabilityRequestId"], reply.id.to_string());
    let first_sent = request["smsRecipients"][0]["repeatabilityFirstSent"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc2822(first_sent).is_ok(), "RFC 1123: {first_sent}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_send_retried_after_a_lost_answer_reuses_its_id_and_is_delivered_once(pool: PgPool) {
    let app = acs_app(pool).await;
    let acs = MockAcs::mount(&app.acs).await;
    // ACS sends the text, then fails to say so: the worker must try again, and ACS must not send it twice.
    acs.lose_next_answer();

    text_in(&app).await;
    app.settle().await;

    let requests = acs.requests();
    assert_eq!(requests.len(), 2, "tried again after the 500");
    assert_eq!(
        requests[0]["smsRecipients"], requests[1]["smsRecipients"],
        "the same repeatability id and first-sent date"
    );
    assert_eq!(acs.sent().len(), 1, "delivered once");
    let reply = app.outbound().await.remove(0);
    assert_eq!(
        (reply.status.as_str(), reply.message_sid.as_deref()),
        ("queued", Some(acs.sent()[0].message_id.as_str()))
    );
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_wrong_access_key_is_refused_and_the_text_fails_without_retries(pool: PgPool) {
    let app = acs_app(pool).await;
    // ACS knows another key than the one in our connection string.
    let acs = MockAcs::mount_with_key(&app.acs, "b3RoZXIta2V5").await;

    text_in(&app).await;
    app.settle().await;

    assert!(acs.sent().is_empty());
    assert_eq!(app.acs.received_requests().await.unwrap().len(), 1, "a 401 is not retried");
    let (status, _, message) = error_of(&app).await;
    assert_eq!(status, "failed");
    assert!(message.unwrap().contains("Denied"));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_recipient_refused_inside_a_202_fails_the_text(pool: PgPool) {
    let app = acs_app(pool).await;
    let acs = MockAcs::mount(&app.acs).await;
    acs.refuse_recipients(1, 400, "Invalid To phone number format.");

    text_in(&app).await;
    app.settle().await;

    assert_eq!(acs.requests().len(), 1, "a refusal is final");
    assert_eq!(
        error_of(&app).await,
        ("failed".into(), Some("400".into()), Some("Invalid To phone number format.".into()))
    );
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_busy_service_is_tried_again_until_it_takes_the_text(pool: PgPool) {
    let app = acs_app(pool).await;
    let acs = MockAcs::mount(&app.acs).await;
    acs.refuse_recipients(2, 503, "ServiceUnavailable");

    text_in(&app).await;
    app.settle().await;

    assert_eq!(acs.requests().len(), 3, "two refusals, then accepted");
    assert_eq!(acs.sent().len(), 1);
    assert!(app.outbound().await[0].message_sid.is_some(), "taken by ACS");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_azure_seed_setup_answers_with_azure_openai_over_acs(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { acs: true, azure_openai: true, ..Options::default() }).await;
    app.general_assistant().await;
    let acs = MockAcs::mount(&app.acs).await;
    let azure_completions = format!("/openai/deployments/{AZURE_DEPLOYMENT}/chat/completions");
    Mock::given(method("POST"))
        .and(path(azure_completions.as_str()))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", AZURE_KEY))
        .respond_with(chat_completion("Yes, it is available from March."))
        .mount(&app.openai)
        .await;

    text_in(&app).await;
    app.settle().await;
    let second = sms_received(&acs_id("Incoming"), CONTACT, "Is the flat available?");
    deliver(&app, EVENT_GRID_WEBHOOK, &json!([second])).await;
    app.settle().await;

    let mut replies: Vec<String> = acs.sent().into_iter().map(|s| s.message).collect();
    replies.sort();
    assert_eq!(replies, [FIRST_SMS, "Yes, it is available from March."]);
    let asked = app.openai.received_requests().await.unwrap();
    assert!(asked.iter().all(|r| r.url.path() == azure_completions), "only Azure OpenAI is asked");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_queued_long_before_it_goes_is_first_sent_when_it_goes(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { acs: true, workers: 0, ..Options::default() }).await;
    app.general_assistant().await;
    let acs = MockAcs::mount(&app.acs).await;
    text_in(&app).await;
    app.worker.drain().await.unwrap();
    // An operator's text, queued (say) nine hours ago and only now due: held for quiet hours, or an outage.
    let queued = app
        .api(reqwest::Method::POST, "/api/v1/sms/send", crate::helpers::BOOTSTRAP_KEY)
        .json(&json!({"to": CONTACT, "body": "Your viewing is confirmed."}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 202);
    sqlx::query("UPDATE sms_messages SET created_at = now() - interval '9 hours' WHERE direction = 'outbound' AND purpose = 'operator'")
        .execute(&app.pool)
        .await
        .unwrap();

    app.worker.drain().await.unwrap();

    let request = acs.requests().pop().unwrap();
    let first_sent = request["smsRecipients"][0]["repeatabilityFirstSent"].as_str().unwrap();
    let first_sent = chrono::DateTime::parse_from_rfc2822(first_sent).unwrap();
    let since = chrono::Utc::now() - first_sent.with_timezone(&chrono::Utc);
    assert!(since < chrono::TimeDelta::minutes(1), "the first attempt is now, not when queued: {first_sent}");
}
