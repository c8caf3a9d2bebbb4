//! `POST /api/v1/sms/send` and human takeover: texts a person sends as the business.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_domain::{PhoneNumber, quiet_hours};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, BUSINESS, CONTACT, TestApp, sid, wait_for};

async fn send(app: &TestApp, body: Value, key: Option<&str>) -> (StatusCode, Value, bool) {
    let mut request = app.api(Method::POST, "/api/v1/sms/send", BOOTSTRAP_KEY).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let (status, replayed) = (response.status(), response.headers().contains_key("idempotent-replayed"));
    (status, response.json().await.unwrap(), replayed)
}

/// CONTACT texted and was greeted: the conversation is open, so quiet hours do not apply.
async fn contact_has_texted(app: &TestApp) {
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "Hi").await;
    app.settle().await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_operator_text_is_sent_once_however_often_it_is_posted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    contact_has_texted(&app).await;
    let text = json!({"to": CONTACT, "body": "Hi, this is Dana from the office: the viewing is at 5pm."});

    let (status, first, replayed) = send(&app, text.clone(), Some("viewing-42")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert!(!replayed);
    assert_eq!(first["send_at"], Value::Null, "a reply to a recent text is not held");
    let (status, again, replayed) = send(&app, text.clone(), Some("viewing-42")).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    assert!(replayed);
    app.settle().await;

    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 2, "the greeting and the operator's text, once");
    assert_eq!(sent[1].get("Body"), text["body"].as_str());
    assert_eq!(sent[1].get("From"), Some(BUSINESS));
    let purpose: String = sqlx::query_scalar("SELECT purpose FROM sms_messages WHERE id = $1::uuid")
        .bind(first["message_id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(purpose, "operator");

    let (status, refused, _) = send(&app, json!({"to": CONTACT, "body": "Something else"}), Some("viewing-42")).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
    );
    // Without a key, each post is a text of its own.
    send(&app, text.clone(), None).await;
    send(&app, text, None).await;
    app.settle().await;
    assert_eq!(app.twilio_sends().await.len(), 4);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contact_who_opted_out_is_not_texted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    contact_has_texted(&app).await;
    app.text(&sid(), CONTACT, "STOP").await;
    app.settle().await;
    let before = app.count("SELECT count(*) FROM sms_messages").await;

    let (status, refused, _) = send(&app, json!({"to": CONTACT, "body": "Are you still looking?"}), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "recipient_opted_out");
    assert!(refused["error"]["message"].as_str().unwrap().contains("START"));
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, before, "nothing stored");
    assert_eq!(app.count("SELECT count(*) FROM job").await, 0, "nothing queued");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn bad_sends_are_refused_with_the_reason(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let cases = [
        (json!({"to": "555-1234", "body": "x"}), "invalid_phone_number"),
        (json!({"to": CONTACT, "body": "  "}), "invalid_body"),
        (json!({"to": CONTACT, "body": "x".repeat(1601)}), "invalid_body"),
        (json!({"to": CONTACT, "body": "x", "from": "+15550009999"}), "unknown_number"),
        (json!({"to": CONTACT, "body": "x", "media": "cat.png"}), "invalid_body"),
        (json!({"body": "x"}), "invalid_body"),
    ];
    for (body, code) in cases {
        let (status, refused, _) = send(&app, body.clone(), None).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{body}");
    }
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_first_text_waits_for_the_recipients_daytime(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    // New York, Honolulu and Guam: whatever the time now, each answer must match the recipient's window, and
    // at all but four hours of the day (22:00-02:00 UTC) at least one of them is outside it.
    for contact in ["+12125550123", "+18085550123", "+16715550123"] {
        let now = chrono::Utc::now();
        let (status, queued, _) = send(&app, json!({"to": contact, "body": "New listing on Elm Street!"}), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
        let expected = quiet_hours::next_allowed(&PhoneNumber::parse(contact).unwrap(), now);
        match expected {
            None => assert_eq!(queued["send_at"], Value::Null, "{contact} is in its window"),
            Some(at) => {
                let send_at: chrono::DateTime<chrono::Utc> = serde_json::from_value(queued["send_at"].clone()).unwrap();
                assert!((send_at - at).num_seconds().abs() < 60, "{contact}: {send_at} against {at}");
                let run_at: chrono::DateTime<chrono::Utc> =
                    sqlx::query_scalar("SELECT run_at FROM job WHERE payload->>'message_id' = $1")
                        .bind(queued["message_id"].as_str().unwrap())
                        .fetch_one(&app.pool)
                        .await
                        .unwrap();
                assert!((run_at - send_at).num_seconds().abs() < 2, "the send waits for the window");
            }
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent_now = app.twilio_sends().await.len();
    let held = app.count("SELECT count(*) FROM job WHERE run_at > now()").await;
    assert_eq!(sent_now as i64 + held, 3, "each text is either sent or held, never both");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn while_a_person_has_taken_over_the_assistant_stays_quiet(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    contact_has_texted(&app).await;
    let conversation: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM conversation").fetch_one(&app.pool).await.unwrap();
    let post = |action: &str| {
        app.api(Method::POST, &format!("/api/v1/sms/conversation/{conversation}/{action}"), BOOTSTRAP_KEY).send()
    };

    let paused: Value = post("pause").await.unwrap().json().await.unwrap();
    assert_eq!(paused["status"], "paused");
    app.text(&sid(), CONTACT, "Can I bring my dog?").await;
    app.settle().await;
    assert_eq!(app.twilio_sends().await.len(), 1, "no automatic reply while paused");

    let (status, _, _) = send(&app, json!({"to": CONTACT, "body": "Dana here: yes, dogs are welcome."}), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.settle().await;
    assert_eq!(app.twilio_sends().await.len(), 2, "the operator's own text goes out");

    let resumed: Value = post("resume").await.unwrap().json().await.unwrap();
    assert_eq!(resumed["status"], "active");
    // The person handled the text that came while paused: the assistant will not answer it again.
    let (received, answered): (i64, i64) =
        sqlx::query_as("SELECT inbound_count, answered_count FROM conversation").fetch_one(&app.pool).await.unwrap();
    assert_eq!((received, answered), (2, 2));
    app.model_replies("Great, see you then!").await;
    app.text(&sid(), CONTACT, "Thanks! See you at 5").await;
    app.settle().await;
    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 3);
    // The model saw what the person wrote.
    let request = app.model_requests().await.last().cloned().unwrap();
    assert!(request.to_string().contains("dogs are welcome"), "{request}");

    let other_tenant = app.tenant("Other").await.1;
    let response = app
        .api(Method::POST, &format!("/api/v1/sms/conversation/{conversation}/pause"), &other_tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_idle_takeover_hands_back_to_the_assistant(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    contact_has_texted(&app).await;
    let conversation: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM conversation").fetch_one(&app.pool).await.unwrap();
    app.api(Method::POST, &format!("/api/v1/sms/conversation/{conversation}/pause"), BOOTSTRAP_KEY)
        .send()
        .await
        .unwrap();
    // The operator's last action was three hours ago (TAKEOVER_IDLE_MINUTES is 120 here).
    sqlx::query("UPDATE conversation SET paused_at = now() - interval '3 hours'").execute(&app.pool).await.unwrap();

    wait_for("the takeover to end", || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM conversation").fetch_one(&app.pool).await.unwrap()
            == "active"
    })
    .await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn one_contact_gets_at_most_ten_api_texts_a_minute(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    contact_has_texted(&app).await;
    for n in 0..10 {
        let (status, body, _) = send(&app, json!({"to": CONTACT, "body": format!("Update {n}")}), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let (status, body, _) = send(&app, json!({"to": CONTACT, "body": "One more"}), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    let (status, _, _) = send(&app, json!({"to": "+15559876543", "body": "Hello"}), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "another contact is unaffected");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_test_text_is_answered_in_the_conversation_and_nothing_is_sent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    let response = app
        .api(Method::POST, "/api/v1/sms/test", BOOTSTRAP_KEY)
        .json(&json!({"from": CONTACT, "body": "Hi, is the flat still free?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let taken: Value = response.json().await.unwrap();
    assert_eq!(taken["reply_queued"], true);
    app.settle().await;

    assert!(app.twilio_sends().await.is_empty(), "nothing leaves the machine");
    let history: Value = app
        .api(Method::GET, "/api/conversations/test:%2B15551234567", BOOTSTRAP_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = history["conversations"][0]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{history}");
    assert_eq!(history["conversations"][0]["channel"], "api", "{history}");
    assert_eq!((&messages[1]["direction"], &messages[1]["status"]), (&json!("outbound"), &json!("kept")), "never sent");
    let reply = messages[1]["body"].as_str().unwrap();
    assert!(reply.starts_with(crate::helpers::FIRST_SMS) && reply.ends_with("What's your first name?"), "{reply}");

    // The same contact texting for real is answered by SMS again.
    app.text(&sid(), CONTACT, "Hello?").await;
    app.settle().await;
    assert_eq!(app.twilio_sends().await.len(), 1);

    let bad = app.api(Method::POST, "/api/v1/sms/test", BOOTSTRAP_KEY).json(&json!({"from": "nobody", "body": "x"}));
    assert_eq!(bad.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
}
