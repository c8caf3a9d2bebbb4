//! The conversation engine's effects beyond the words: submissions delivered, bursts, stale forms, SMS
//! shaping, and compliance texts reaching (and not reaching) the provider.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::dialogue_support::{Mode, run, say};
use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, SCREENING_ANSWERS, TestApp, sid, wait_for};

const SECRET: &str = "whsec_test_secret";

async fn complete_the_form(app: &TestApp) {
    for text in SCREENING_ANSWERS {
        app.text(&sid(), CONTACT, text).await;
        app.worker.drain().await.unwrap();
    }
}

/// Checks a delivery's `Smsagent-Signature` as a receiver would.
fn signature_holds(request: &Request) -> bool {
    let header = request.headers.get("Smsagent-Signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some((t, v1)) = header.split_once(',').and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&request.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    expected == v1
}

async fn with_completion_url(app: &TestApp, receiver: &MockServer) {
    sqlx::query("UPDATE assistant SET completion_url = $1, completion_secret = $2")
        .bind(format!("{}/hooks/applications", receiver.uri()))
        .bind(SECRET)
        .execute(&app.pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_completed_form_is_posted_signed_to_the_completion_url(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/applications"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    with_completion_url(&app, &receiver).await;

    complete_the_form(&app).await;
    app.worker.drain().await.unwrap();

    let deliveries = receiver.received_requests().await.unwrap();
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    assert!(signature_holds(delivery), "the signature verifies with the secret");
    let body: Value = delivery.body_json().unwrap();
    assert_eq!(body["type"], "form.completed");
    assert_eq!(body["contact_number"], CONTACT);
    assert_eq!(body["answers"]["annual_income"], json!(85000));
    assert_eq!(body["answers"]["first_name"], "Maria");
    let event_id = delivery.headers.get("Smsagent-Event-Id").unwrap().to_str().unwrap();
    assert_eq!(body["id"], event_id);
    let status: String =
        sqlx::query_scalar("SELECT delivery_status FROM form_submission").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "delivered");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_failing_completion_url_is_retried_and_a_refusing_one_is_not(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).with_priority(2).mount(&receiver).await;
    with_completion_url(&app, &receiver).await;

    for text in SCREENING_ANSWERS {
        let before = app.outbound().await.len();
        app.text(&sid(), CONTACT, text).await;
        wait_for("the reply", || async { app.outbound().await.len() > before }).await;
    }
    wait_for("the delivery", || async {
        let status: Option<String> =
            sqlx::query_scalar("SELECT delivery_status FROM form_submission").fetch_optional(&app.pool).await.unwrap();
        status.as_deref() == Some("delivered")
    })
    .await;
    assert_eq!(receiver.received_requests().await.unwrap().len(), 3, "two 503s, then delivered");
    let ids: Vec<String> = receiver
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get("Smsagent-Event-Id").unwrap().to_str().unwrap().to_owned())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "every retry carries the same event id");

    // A receiver that refuses (400) is not asked again.
    receiver.reset().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400)).mount(&receiver).await;
    app.text(&sid(), CONTACT, "my income is 90k").await;
    wait_for("the confirmation", || async { app.outbound().await.last().is_some_and(|m| m.body.contains("$90,000")) })
        .await;
    app.text(&sid(), CONTACT, "yes").await;
    wait_for("the second delivery to fail", || async {
        app.count("SELECT count(*) FROM form_submission WHERE delivery_status = 'failed'").await == 1
    })
    .await;
    app.settle().await;
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn texts_within_the_burst_window_get_one_reply(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { burst_window_ms: 1500, ..Options::default() }).await;
    app.twilio_accepts().await;

    for text in ["Hi", "I'm looking for a flat", "I'm Maria Garcia"] {
        app.text(&sid(), CONTACT, text).await;
    }
    wait_for("the reply", || async { !app.twilio_sends().await.is_empty() }).await;
    app.settle().await;

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), 1, "one reply for the three texts");
    assert!(sends[0].get("Body").unwrap().contains("Got it: Maria Garcia. Is that right?"), "{sends:?}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_stale_half_finished_form_starts_over_and_a_recent_one_resumes(pool: PgPool) {
    let app = run(
        pool.clone(),
        Mode::Offline,
        &[say("Hi, I'm Maria Garcia").expect("Is that right?"), say("yes").expect("best number")],
    )
    .await;
    let back_later = |interval: &'static str| {
        let pool = app.pool.clone();
        async move {
            for sql in [
                "UPDATE sms_messages SET created_at = created_at - $1::text::interval",
                "UPDATE form_session SET updated_at = updated_at - $1::text::interval",
            ] {
                sqlx::query(sql).bind(interval).execute(&pool).await.unwrap();
            }
        }
    };

    back_later("2 hours").await;
    app.text(&sid(), CONTACT, "hi, me again").await;
    app.worker.drain().await.unwrap();
    let resumed = app.outbound().await.last().unwrap().body.clone();
    assert!(resumed.starts_with("Welcome back! So far I have: Maria Garcia."), "{resumed}");

    back_later("4 days").await;
    app.text(&sid(), CONTACT, "hello?").await;
    app.worker.drain().await.unwrap();
    let restarted = app.outbound().await.last().unwrap().body.clone();
    assert!(restarted.ends_with("What's your first name?"), "{restarted}");
    assert!(restarted.starts_with("Hi! Thanks for your interest"), "greeted afresh: {restarted}");
    assert_eq!(app.count("SELECT count(*) FROM form_session WHERE status = 'abandoned'").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn replies_are_shaped_for_sms_and_their_encoding_is_stored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    app.general_assistant().await;
    let rambling = format!("It’s great — really… {}", "This flat has lovely light and a big kitchen. ".repeat(12));
    app.model_replies(&rambling).await;

    app.text(&sid(), CONTACT, "Hi").await;
    wait_for("the greeting", || async { app.twilio_sends().await.len() == 1 }).await;
    app.text(&sid(), CONTACT, "Tell me about the flat").await;
    wait_for("the reply", || async { app.twilio_sends().await.len() == 2 }).await;
    app.settle().await;

    let (body, encoding, segments): (String, String, i32) = sqlx::query_as(
        "SELECT body, encoding, num_segments FROM sms_messages WHERE direction = 'outbound' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(body.starts_with("It's great - really... This flat"), "look-alikes swapped: {body}");
    assert_eq!(encoding, "gsm7");
    assert!(segments <= 2, "within the default budget of 2: {segments}");
    assert!(body.ends_with("kitchen."), "cut at a sentence end: {body}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_opt_out_confirmation_reaches_the_contact_and_nothing_after_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;

    app.text(&sid(), CONTACT, "Hi").await;
    wait_for("the greeting", || async { app.twilio_sends().await.len() == 1 }).await;
    app.text(&sid(), CONTACT, "Stop. Thank you.").await;
    wait_for("the confirmation", || async { app.twilio_sends().await.len() == 2 }).await;
    for text in ["hello?", "Maria", "STOP"] {
        app.text(&sid(), CONTACT, text).await;
    }
    app.settle().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.settle().await;

    let sends = app.twilio_sends().await;
    assert_eq!(sends.len(), 2, "{sends:?}");
    assert!(sends[1].get("Body").unwrap().contains("You're unsubscribed"));
    let source: String = sqlx::query_scalar("SELECT source FROM opt_out").fetch_one(&app.pool).await.unwrap();
    assert_eq!(source, "keyword");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn two_stops_at_once_get_one_confirmation(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (first, second) = (sid(), sid());
    let (a, b) = tokio::join!(app.text(&first, CONTACT, "STOP"), app.text(&second, CONTACT, "stop"));
    assert_eq!((a.status(), b.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    app.worker.drain().await.unwrap();
    let confirmations = app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'opt_out_confirmation'").await;
    assert_eq!(confirmations, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn no_goodbye_is_sent_while_a_person_has_taken_over(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "hi").await;
    app.worker.drain().await.unwrap();
    sqlx::query("UPDATE conversation SET status = 'paused'").execute(&app.pool).await.unwrap();

    app.text(&sid(), CONTACT, "bye").await;
    app.worker.drain().await.unwrap();
    assert_eq!(app.outbound().await.len(), 1, "only the first reply, from before the takeover");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn help_in_a_burst_is_answered_and_so_is_the_text_before_it(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "hi").await;
    app.worker.drain().await.unwrap();

    app.text(&sid(), CONTACT, "Maria").await;
    app.text(&sid(), CONTACT, "HELP").await;
    app.worker.drain().await.unwrap();

    let bodies: Vec<String> = app.outbound().await.into_iter().skip(1).map(|m| m.body).collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("Msg & data rates may apply")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b == "Got it: Maria. Is that right?"), "{bodies:?}");
}

/// A model that reads "maria" as a first name and words every draft as `wording`.
async fn model_words_drafts_as(app: &TestApp, wording: &'static str) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(move |request: &Request| {
            let body: Value = request.body_json().unwrap();
            if body["tools"].is_array() {
                let name = body["tools"][0]["function"]["name"].clone();
                let call = json!({"id": "call_1", "type": "function", "function": {"name": name, "arguments": r#"{"first_name": "maria"}"#}});
                completion(json!({"role": "assistant", "content": null, "tool_calls": [call]}), "tool_calls")
            } else {
                completion(json!({"role": "assistant", "content": wording}), "stop")
            }
        })
        .mount(&app.openai)
        .await;
}

fn completion(message: Value, finish: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}]
    }))
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_models_wording_is_sent_when_it_keeps_to_the_draft(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "hi").await;
    app.worker.drain().await.unwrap();
    model_words_drafts_as(&app, "Lovely to meet you! Just checking, is Maria right?").await;

    app.text(&sid(), CONTACT, "maria").await;
    app.worker.drain().await.unwrap();
    assert_eq!(app.outbound().await.last().unwrap().body, "Lovely to meet you! Just checking, is Maria right?");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_wording_that_changes_the_value_is_replaced_by_the_draft(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "hi").await;
    app.worker.drain().await.unwrap();
    model_words_drafts_as(&app, "Great news, you're approved! Is Mario right?").await;

    app.text(&sid(), CONTACT, "maria").await;
    app.worker.drain().await.unwrap();
    assert_eq!(app.outbound().await.last().unwrap().body, "Got it: Maria. Is that right?");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn completed_forms_are_listed_and_exported_as_csv(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    complete_the_form(&app).await;
    let assistant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM assistant").fetch_one(&app.pool).await.unwrap();
    let path = format!("/api/v1/assistants/{assistant}/submissions");

    let listed: Value = app.api(Method::GET, &path, BOOTSTRAP_KEY).send().await.unwrap().json().await.unwrap();
    let submissions = listed["submissions"].as_array().unwrap();
    assert_eq!(submissions.len(), 1, "{listed}");
    assert_eq!(submissions[0]["contact_number"], CONTACT);
    assert_eq!(submissions[0]["answers"]["last_name"], "Garcia");

    let response = app.api(Method::GET, &format!("{path}?format=csv"), BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("submission_id,created_at,contact_number,first_name,last_name"), "{csv}");
    assert!(lines[0].ends_with(",delivery_status"));
    assert!(lines[1].contains(",'+15551234567,Maria,Garcia,"), "a + opens no formula: {csv}");
    assert!(lines[1].contains("\"123 Main St, Springfield, IL 62701\""), "quoted: {csv}");

    let (_, other) = app.tenant("Other").await;
    let theirs = app.api(Method::GET, &path, &other).send().await.unwrap();
    assert_eq!(theirs.status(), reqwest::StatusCode::NOT_FOUND);
}
