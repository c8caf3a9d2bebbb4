//! Bad input: a body that is no JSON object, or text holding NUL (U+0000, which Postgres cannot store), is a
//! 400 from the API that says where; the providers' texts holding NUL are kept without it. Never a 500, and
//! one bad event never holds up the rest of its batch.

use reqwest::{Method, StatusCode};
use serde_json::json;
use smsagent_providers::twilio::FormParams;
use smsagent_store::PgPool;

use crate::azure_mocks::{EVENT_GRID_WEBHOOK, acs_id, deliver, delivery_report, sms_received};
use crate::helpers::{
    BOOTSTRAP_KEY, BUSINESS, CONTACT, Options, STATUS_CALLBACK, TestApp, inbound, sid, status_report,
};

async fn inbound_bodies(app: &TestApp) -> Vec<String> {
    app.messages().await.into_iter().filter(|m| m.direction == "inbound").map(|m| m.body).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn twilio_texts_and_reports_with_nul_are_kept_without_it(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let response = app.post_signed(crate::helpers::WEBHOOK, &inbound(&sid(), CONTACT, "Hello\u{0} there")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(inbound_bodies(&app).await, ["Hello there"]);

    let mut report = status_report(&sid(), "undelivered", Some("30003"));
    report.push("ErrorMessage", "Unreachable\u{0} handset");
    assert_eq!(app.post_signed(STATUS_CALLBACK, &report).await.status(), 200);
    let logged: String =
        sqlx::query_scalar("SELECT error_message FROM sms_status_event").fetch_one(&app.pool).await.unwrap();
    assert_eq!(logged, "Unreachable handset");

    let added = FormParams::from_pairs([
        ("EventType", "onMessageAdded"),
        ("MessageSid", "IM00000000000000000000000000000001"),
        ("Author", CONTACT),
        ("Body", "Hi\u{0}!"),
        ("ConversationSid", "CH6c25138e952448e3b27ef8164097a1c7"),
        ("MessagingBinding.Address", CONTACT),
        ("MessagingBinding.ProxyAddress", BUSINESS),
    ]);
    assert_eq!(app.post_signed("/webhook/message-added", &added).await.status(), 200);
    assert_eq!(inbound_bodies(&app).await, ["Hello there", "Hi!"]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_event_grid_batch_with_nul_and_a_broken_event_stores_every_text(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, acs: true, ..Options::default() }).await;
    let batch = json!([
        sms_received(&acs_id("Incoming"), CONTACT, "first"),
        sms_received(&acs_id("Incoming"), "+15559990001", "with\u{0}nul"),
        {"id": "broken", "eventType": "Microsoft.Communication.SMSReceived", "data": {"message": 42}},
        delivery_report("report-1", &acs_id("Outgoing"), "Failed", "Blocked\u{0}", None),
        sms_received(&acs_id("Incoming"), "+15559990002", "last"),
    ]);

    for _ in 0..2 {
        // Event Grid redelivers what it thinks failed: the same batch twice changes nothing.
        assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &batch).await.status(), 200);
    }

    let mut bodies = inbound_bodies(&app).await;
    bodies.sort();
    assert_eq!(bodies, ["first", "last", "withnul"]);
    assert_eq!(app.count("SELECT count(*) FROM sms_status_event").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn bodies_are_json_objects_and_text_without_nul_or_a_400_says_where(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let assistant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM assistant").fetch_one(&app.pool).await.unwrap();
    let nul = "a\u{0}b";
    for (method, path, body) in [
        (Method::POST, "/api/v1/keys".to_owned(), json!([])),
        (Method::POST, "/api/v1/keys".to_owned(), json!(["label"])),
        (Method::POST, "/api/v1/keys".to_owned(), json!({"label": nul})),
        (Method::POST, "/api/v1/assistants".to_owned(), json!({"name": nul, "sms_prompt": "Be brief."})),
        (Method::PATCH, format!("/api/v1/assistants/{assistant}"), json!({"help_text": nul})),
        (Method::POST, "/api/v1/phone-numbers".to_owned(), json!({"number": "+15550001111", "provider": nul})),
        (Method::POST, "/api/v1/sms/send".to_owned(), json!({"to": CONTACT, "body": nul})),
        (Method::POST, "/api/v1/sms/test".to_owned(), json!({"from": CONTACT, "body": nul})),
        (Method::POST, "/chat/00000000-0000-0000-0000-000000000001".to_owned(), json!({"message": nul})),
    ] {
        let (status, answer) = app.api_json(method.clone(), &path, BOOTSTRAP_KEY, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} {body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_body", "{answer}");
    }
    assert_eq!(app.count("SELECT count(*) FROM api_key").await, 0, "no key was made from a list");
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_method_a_path_does_not_take_is_a_405_that_lists_the_ones_it_does(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/assistants", "POST, GET"),
        (Method::PUT, "/api/v1/assistants/00000000-0000-0000-0000-000000000001", "GET, PATCH, DELETE"),
        (Method::GET, "/api/v1/sms/webhook", "POST"),
        (Method::POST, "/healthz", "GET"),
    ] {
        let response = app.api(method.clone(), path, BOOTSTRAP_KEY).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}");
    }
    let unknown = app.api(Method::PUT, "/api/v1/nothing-here", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_body_sent_without_the_json_content_type_is_told_which_one(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    // What `curl -d` sends when no header is given.
    let response = app
        .api(Method::POST, "/api/v1/assistants", BOOTSTRAP_KEY)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"name": "Desk"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["message"], "send the body as Content-Type: application/json", "{body}");
}
