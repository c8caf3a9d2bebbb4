//! Consent: only the contact can undo their opt-out, every opt-out and opt-in is on record, and coming
//! back is answered as that alone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, TestApp, mount_twilio, sid, twilio_error};

async fn try_text(app: &TestApp, body: &str) -> StatusCode {
    let test = json!({"from": CONTACT, "body": body});
    app.api(Method::POST, "/api/v1/sms/test", BOOTSTRAP_KEY).json(&test).send().await.unwrap().status()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_test_text_on_a_real_contacts_number_changes_nothing_of_theirs(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    for body in ["Hi", "STOP"] {
        app.text(&sid(), CONTACT, body).await;
        app.worker.drain().await.unwrap();
    }

    for body in ["START", "yes", "Hi, I'm Maria Garcia"] {
        assert_eq!(try_text(&app, body).await, StatusCode::ACCEPTED);
        app.worker.drain().await.unwrap();
    }

    assert_eq!(
        app.count("SELECT count(*) FROM opt_out WHERE contact_number = '+15551234567'").await,
        1,
        "still opted out"
    );
    let send = json!({"to": CONTACT, "body": "We have a flat for you"});
    let (status, body) = app.api_json(Method::POST, "/api/v1/sms/send", BOOTSTRAP_KEY, Some(send)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("recipient_opted_out"))
    );
    let channel: String = sqlx::query_scalar("SELECT channel FROM conversation WHERE contact_number = '+15551234567'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(channel, "sms", "the real conversation stays on its channel");
    assert_eq!(app.twilio_sends().await.len(), 2, "the greeting and the opt-out's confirmation, nothing since");

    let (status, test) = app.api_json(Method::GET, "/api/conversations/test:%2B15551234567", BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::OK, "{test}");
    let messages = test["conversations"][0]["messages"].as_array().unwrap();
    assert_eq!(messages.iter().filter(|m| m["direction"] == "inbound").count(), 3, "the test conversation is its own");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_opt_out_and_opt_in_is_recorded_with_who_when_why_and_how(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.general_assistant().await;
    // Twilio refuses the first text: the contact opted out with Twilio itself.
    mount_twilio(&app.twilio, Some(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))).await;

    app.text(&sid(), CONTACT, "Hi").await;
    app.worker.drain().await.unwrap();
    for body in ["START", "Stop texting me", "STOP", "yes"] {
        app.text(&sid(), CONTACT, body).await;
        app.worker.drain().await.unwrap();
    }

    let events: Vec<Event> = sqlx::query_as(
        "SELECT action, source, detail, changed, provider, channel, message_id IS NOT NULL AS has_message
         FROM consent_event WHERE contact_number = $1 ORDER BY created_at, id",
    )
    .bind(CONTACT)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let event = |action: &str, source: &str, detail: &str, changed: bool| Event {
        action: action.into(),
        source: source.into(),
        detail: Some(detail.into()),
        changed,
        provider: Some("twilio".into()),
        channel: Some("sms".into()),
        has_message: true,
    };
    assert_eq!(
        events,
        [
            event("opt_out", "provider", "21610", true),
            event("opt_in", "keyword", "START", true),
            event("opt_out", "keyword", "Stop texting me", true),
            event("opt_out", "keyword", "STOP", false),
            event("opt_in", "keyword", "yes", true),
        ]
    );
}

/// A row of `consent_event`, as a DB admin would read it.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Event {
    action: String,
    source: String,
    detail: Option<String>,
    changed: bool,
    provider: Option<String>,
    channel: Option<String>,
    has_message: bool,
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_yes_that_opts_back_in_confirms_nothing_the_form_was_waiting_on(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    for body in ["Hi, I'm Maria Garcia", "STOP", "YES", "Hello again"] {
        app.text(&sid(), CONTACT, body).await;
        app.worker.drain().await.unwrap();
    }

    let state: Value = sqlx::query_scalar("SELECT state FROM form_session").fetch_one(&app.pool).await.unwrap();
    assert!(
        state["slots"].as_object().unwrap().values().all(|slot| slot["state"] != "confirmed"),
        "the yes was the opt-in's, not the name's: {state}"
    );
    let bodies: Vec<String> = app.twilio_sends().await.iter().map(|s| s.get("Body").unwrap().to_owned()).collect();
    assert!(
        bodies[2].contains("subscribed") || bodies[2].contains("resubscribed"),
        "the opt-in's confirmation: {bodies:?}"
    );
    assert_eq!(bodies.len(), 4, "the name read back, the opt-out, the opt-in, the next question: {bodies:?}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn each_texts_keyword_is_on_record_as_it_was_read_on_arrival(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    // A "yes" opts back in only while opted out; "start over" is the form's; the rest are no keyword.
    for body in ["Hi", "yes", "HELP", "STOP", "hello?", "yes", "start over"] {
        app.text(&sid(), CONTACT, body).await;
        app.worker.drain().await.unwrap();
    }

    let recorded: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT body, keyword FROM sms_messages WHERE direction = 'inbound' ORDER BY created_at, id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let keyword = |k: Option<&str>| k.map(str::to_owned);
    let expected = [
        ("Hi", None),
        ("yes", None),
        ("HELP", keyword(Some("help"))),
        ("STOP", keyword(Some("opt_out"))),
        ("hello?", None),
        ("yes", keyword(Some("opt_in"))),
        ("start over", keyword(Some("start_over"))),
    ];
    let expected: Vec<(String, Option<String>)> = expected.into_iter().map(|(b, k)| (b.to_owned(), k)).collect();
    assert_eq!(recorded, expected);
}
