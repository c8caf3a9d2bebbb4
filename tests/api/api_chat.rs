//! `POST /chat/{tenant_id}`: the text chat, answered by the same engine as texts, with nothing sent.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, FIRST_SMS, TestApp};

const DEFAULT_TENANT: &str = "00000000-0000-0000-0000-000000000001";

async fn chat(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response =
        app.api(Method::POST, &format!("/chat/{DEFAULT_TENANT}"), BOOTSTRAP_KEY).json(&body).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

/// Says `message` in `session` and returns the assistant's answer.
async fn say(app: &TestApp, session: &str, message: &str) -> Value {
    let (status, answer) = chat(app, json!({"session_id": session, "message": message})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_chat_fills_the_form_and_reports_its_slots(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;

    let (status, first) = chat(&app, json!({"message": "Hi, I saw the flat online"})).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let session = first["session_id"].as_str().unwrap().to_owned();
    assert!(!session.is_empty());
    assert_eq!(first["is_new_session"], true);
    assert_eq!(first["detected_language"], "en");
    let greeting = first["message"].as_str().unwrap();
    assert!(greeting.starts_with(FIRST_SMS) && greeting.ends_with("What's your first name?"), "{greeting}");
    assert_eq!(
        first["slot_status"],
        json!({"collected": {}, "missing": ["first_name", "last_name", "phone", "address", "annual_income"],
               "is_complete": false})
    );

    let proposed = say(&app, &session, "Maria Garcia").await;
    assert_eq!(
        (proposed["message"].as_str(), &proposed["is_new_session"]),
        (Some("Got it: Maria Garcia. Is that right?"), &json!(false))
    );
    // A chat has no number of its own to offer: the phone is asked for.
    let asked = say(&app, &session, "yes").await;
    assert_eq!(asked["message"], "What's the best phone number to reach you?");
    assert_eq!(asked["slot_status"]["collected"], json!({"first_name": "Maria", "last_name": "Garcia"}));
    for (message, expect) in [
        ("415 555 0199", "Is that right?"),
        ("yes", "What's your current address?"),
        ("123 Main St, Springfield, IL 62701", "Is that right?"),
        ("yes", "What's your annual income?"),
        ("85k", "Is that right?"),
    ] {
        let answer = say(&app, &session, message).await;
        assert!(answer["message"].as_str().unwrap().ends_with(expect), "{message}: {answer}");
    }
    let done = say(&app, &session, "yes").await;
    assert!(done["message"].as_str().unwrap().starts_with("Thanks, Maria!"), "{done}");
    assert_eq!(done["slot_status"]["is_complete"], true);
    assert_eq!(done["slot_status"]["missing"], json!([]));
    assert_eq!(done["slot_status"]["collected"]["phone"], "+14155550199");
    assert_eq!(app.count("SELECT count(*) FROM form_submission").await, 1);

    // Nothing left the machine, and operators see the session like any conversation.
    assert!(app.twilio_sends().await.is_empty());
    let listed: Value =
        app.api(Method::GET, "/api/conversations", BOOTSTRAP_KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["conversations"][0]["contact_number"], format!("chat:{session}"), "{listed}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn sessions_are_kept_apart_and_answered_in_their_language(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let spanish = say(&app, "web-es", "Hola, busco un apartamento").await;
    assert_eq!((spanish["detected_language"].as_str(), &spanish["is_new_session"]), (Some("es"), &json!(true)));
    assert!(spanish["message"].as_str().unwrap().ends_with("¿Cuál es su nombre?"), "{spanish}");

    let english = say(&app, "web-en", "Hello").await;
    assert_eq!((english["detected_language"].as_str(), &english["is_new_session"]), (Some("en"), &json!(true)));
    say(&app, "web-en", "Maria").await;
    let other = say(&app, "web-es", "Lucía").await;
    assert_eq!(other["is_new_session"], false);
    assert_eq!(other["message"], "Entendido: Lucía. ¿Es correcto?", "{other}");
    assert_eq!(app.count("SELECT count(*) FROM conversation").await, 2);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_paused_session_gets_no_automatic_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    say(&app, "web-1", "Hi").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM conversation").fetch_one(&app.pool).await.unwrap();
    let paused = app.api(Method::POST, &format!("/api/v1/sms/conversation/{id}/pause"), BOOTSTRAP_KEY);
    assert_eq!(paused.send().await.unwrap().status(), StatusCode::OK);

    let answer = say(&app, "web-1", "Maria").await;
    assert_eq!(answer["message"], Value::Null, "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE direction = 'outbound'").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn chat_refuses_bad_input_other_tenants_and_no_key_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for (body, code) in [
        (json!({"message": ""}), "invalid_message"),
        (json!({"message": "x".repeat(1601)}), "invalid_message"),
        (json!({"session_id": "../etc", "message": "hi"}), "invalid_session_id"),
        (json!({"session_id": "x".repeat(65), "message": "hi"}), "invalid_session_id"),
        (json!({"message": "hi", "sender": "me"}), "invalid_body"),
    ] {
        let (status, error) = chat(&app, body.clone()).await;
        assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{body}");
    }
    let not_a_tenant = app.api(Method::POST, "/chat/not-a-uuid", BOOTSTRAP_KEY).json(&json!({"message": "hi"}));
    assert_eq!(not_a_tenant.send().await.unwrap().status(), StatusCode::BAD_REQUEST);

    let (other, other_key) = app.tenant("Other").await;
    let wrong = app.api(Method::POST, &format!("/chat/{DEFAULT_TENANT}"), &other_key).json(&json!({"message": "hi"}));
    let response = wrong.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "wrong_tenant");
    // Its own tenant has no number yet: refused with the reason, not answered from someone else's.
    let own = app.api(Method::POST, &format!("/chat/{other}"), &other_key).json(&json!({"message": "hi"}));
    let response = own.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{}", response.text().await.unwrap());

    let anonymous = app.request(Method::POST, &format!("/chat/{DEFAULT_TENANT}")).json(&json!({"message": "hi"}));
    assert_eq!(anonymous.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_chat_session_is_read_and_erased_by_its_contact_like_a_number(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    say(&app, "web-42", "Hi, I'm Maria Garcia").await;
    say(&app, "web-42", "yes").await;

    let (status, history) = app.api_json(Method::GET, "/api/conversations/chat:web-42", BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["contact_number"], "chat:web-42");
    assert!(history["conversations"][0]["form"].to_string().contains("Maria"), "{history}");

    let (status, erased) = app.api_json(Method::DELETE, "/api/conversations/chat:web-42", BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE contact_number = 'chat:web-42'").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM form_session").await, 0, "the form's answers are gone too");
    let (status, _) = app.api_json(Method::GET, "/api/conversations/chat:web-42", BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, bad) = app.api_json(Method::GET, "/api/conversations/chat:", BOOTSTRAP_KEY, None).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_contact")));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_person_who_corrects_two_answers_finishes_the_form_without_being_held_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = say(&app, "corrections", "Hi, I saw the flat online").await;
    assert!(first["message"].as_str().unwrap().ends_with("What's your first name?"), "{first}");
    // Two answers corrected on the way: thirteen messages in a few seconds, faster than anyone types.
    for message in [
        "Maria Garcia",
        "no",
        "Mariana Garcia",
        "yes",
        "415 555 0199",
        "no",
        "415 555 0188",
        "yes",
        "123 Main St, Springfield, IL 62701",
        "yes",
        "85k",
        "yes",
    ] {
        say(&app, "corrections", message).await;
    }
    let (status, done) = chat(&app, json!({"session_id": "corrections", "message": "thanks!"})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["slot_status"]["is_complete"], true, "{done}");
    assert_eq!(done["slot_status"]["collected"]["first_name"], "Mariana");
    assert_eq!(done["slot_status"]["collected"]["phone"], "+14155550188");
}
