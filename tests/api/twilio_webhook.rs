//! The inbound webhook: authentication, parsing, and storing exactly once.

use smsagent_providers::twilio::{FormParams, sign};
use smsagent_store::PgPool;

use crate::helpers::{AUTH_TOKEN, BUSINESS, CONTACT, Options, PUBLIC_BASE_URL, TestApp, WEBHOOK, inbound, sid};

fn stored_inbound(app: &TestApp) -> impl std::future::Future<Output = i64> + '_ {
    app.count("SELECT count(*) FROM sms_messages WHERE direction = 'inbound'")
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_signed_text_is_stored_and_acknowledged_with_empty_twiml(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let message_sid = sid();

    let response = app.text(&message_sid, CONTACT, "Hello there! Is the flat available?").await;

    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
    assert_eq!(response.text().await.unwrap(), "<Response/>");
    let messages = app.messages().await;
    assert_eq!(messages.len(), 1);
    let stored = &messages[0];
    assert_eq!(
        (stored.direction.as_str(), stored.from_number.as_str(), stored.to_number.as_str(), stored.status.as_str()),
        ("inbound", CONTACT, BUSINESS, "received")
    );
    assert_eq!(stored.body, "Hello there! Is the flat available?");
    assert_eq!(stored.message_sid.as_deref(), Some(message_sid.as_str()));
    assert_eq!(app.count("SELECT count(*) FROM job WHERE kind = 'generate_reply'").await, 1, "the reply is queued");
    assert_eq!(app.count("SELECT count(*) FROM conversation").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_seed_systems_paths_work_too(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    for path in ["/api/v1/sms/webhook", "/api/v1/sms/webhook/sms", "/api/v1/twilio/sms/webhook"] {
        let response = app.post_signed(path, &inbound(&sid(), CONTACT, "hi")).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    assert_eq!(stored_inbound(&app).await, 3);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_missing_signature_is_refused_with_400(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let response = app.post_form(WEBHOOK, &inbound(&sid(), CONTACT, "hi"), None).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_signature");
    assert_eq!(stored_inbound(&app).await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_wrong_signature_is_refused_with_403(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let params = inbound(&sid(), CONTACT, "hi");

    // Signed with another token; signed for the address the process listens on rather than the public one
    // (what a service that ignores its proxy would check); and a body changed after signing.
    let other_token = sign("not-the-token", &format!("{PUBLIC_BASE_URL}{WEBHOOK}"), &params);
    let internal_url = sign(AUTH_TOKEN, &format!("{}{WEBHOOK}", app.address), &params);
    let mut tampered = params.clone();
    tampered.push("Body", "send me everything");
    let original = sign(AUTH_TOKEN, &format!("{PUBLIC_BASE_URL}{WEBHOOK}"), &params);

    for (case, body, signature) in [
        ("other token", &params, other_token),
        ("internal URL", &params, internal_url),
        ("tampered body", &tampered, original),
    ] {
        let response = app.post_form(WEBHOOK, body, Some(&signature)).await;
        assert_eq!(response.status(), 403, "{case}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "invalid_signature", "{case}");
    }
    assert_eq!(stored_inbound(&app).await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_signature_over_the_url_with_port_443_is_accepted(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let params = inbound(&sid(), CONTACT, "hi");
    let with_port = sign(AUTH_TOKEN, &format!("https://sms.example.test:443{WEBHOOK}"), &params);
    assert_eq!(app.post_form(WEBHOOK, &params, Some(&with_port)).await.status(), 200);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn unknown_parameters_are_accepted_and_signed_over(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let mut params = inbound(&sid(), CONTACT, "hi");
    params.push("MessagingServiceSid", "MG22222222222222222222222222222222");
    params.push("SomeFutureParameter", "whatever");
    params.push("MediaUrl", "b");
    params.push("MediaUrl", "a");
    assert_eq!(app.post_signed(WEBHOOK, &params).await.status(), 200);
    assert_eq!(stored_inbound(&app).await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_signed_body_without_required_fields_is_a_400_that_names_them(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let cases = [
        (FormParams::from_pairs([("MessageSid", "SM1"), ("To", BUSINESS), ("Body", "hi")]), "From"),
        (FormParams::from_pairs([("From", CONTACT), ("To", BUSINESS), ("Body", "hi")]), "MessageSid"),
        (FormParams::from_pairs([("MessageSid", "SM1"), ("From", "555-1234"), ("To", BUSINESS)]), "From"),
    ];
    for (params, field) in cases {
        let response = app.post_signed(WEBHOOK, &params).await;
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_parameters");
        assert!(body["error"]["message"].as_str().unwrap().contains(field), "{body}");
    }
    assert_eq!(stored_inbound(&app).await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_body_that_is_not_a_form_is_refused(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let response = reqwest::Client::new()
        .post(format!("{}{WEBHOOK}", app.address))
        .header("content-type", "application/json")
        .header("X-Twilio-Signature", "x")
        .body(r#"{"From": "+15551234567"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    // Without a signature it is refused as unsigned first.
    let unsigned = reqwest::Client::new()
        .post(format!("{}{WEBHOOK}", app.address))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert_eq!(stored_inbound(&app).await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn simultaneous_duplicate_deliveries_store_one_text(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let params = inbound(&sid(), CONTACT, "hi");
    let deliveries = deliver_four_times_at_once(&app, &params).await;
    assert!(deliveries.iter().all(|status| *status == 200), "{deliveries:?}");
    assert_eq!(stored_inbound(&app).await, 1);
    assert_eq!(app.count("SELECT count(*) FROM job").await, 1);
}

async fn deliver_four_times_at_once(app: &TestApp, params: &FormParams) -> Vec<u16> {
    let (a, b, c, d) = tokio::join!(
        app.post_signed(WEBHOOK, params),
        app.post_signed(WEBHOOK, params),
        app.post_signed(WEBHOOK, params),
        app.post_signed(WEBHOOK, params)
    );
    [a, b, c, d].iter().map(|r| r.status().as_u16()).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_to_a_number_nobody_answers_is_stored_and_not_answered(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    let mut params = inbound(&sid(), CONTACT, "hello?");
    let unassigned = "+15550001111";
    params = FormParams::from_pairs(params.iter().map(|(k, v)| (k, if k == "To" { unassigned } else { v })));

    assert_eq!(app.post_signed(WEBHOOK, &params).await.status(), 200);
    app.settle().await;
    assert_eq!(stored_inbound(&app).await, 1);
    assert_eq!(app.count("SELECT count(*) FROM job").await, 0, "no reply queued");
    assert!(app.twilio_sends().await.is_empty());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn without_twilio_configured_its_webhooks_are_refused(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { twilio: false, workers: 0, ..Options::default() }).await;
    let response = app.text(&sid(), CONTACT, "hi").await;
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "twilio_not_configured");
}
