//! A hand-off to a person: a contact who asks for one is told when someone will answer, the conversation
//! pauses, and the business hears of it (a signed webhook with the conversation so far, an email to its
//! admin); a person's reply through the API ends it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, TestApp, sid};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contact_who_asks_for_a_person_gets_one_and_the_business_is_told(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    let business = MockServer::start().await;
    Mock::given(method("POST")).and(path("/hooks")).respond_with(ResponseTemplate::new(200)).mount(&business).await;

    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let changes = json!({"form": null, "first_sms": "", "completion_url": format!("{}/hooks", business.uri()),
                         "completion_secret": "a-secret-of-our-business"});
    let (status, body) =
        app.api_json(Method::PATCH, &format!("/api/v1/assistants/{id}"), BOOTSTRAP_KEY, Some(changes)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tools = json!({"tools": ["handoff_to_human"]});
    let (status, _) =
        app.api_json(Method::PUT, &format!("/api/v1/assistants/{id}/builtin-tools"), BOOTSTRAP_KEY, Some(tools)).await;
    assert_eq!(status, StatusCode::OK);
    // Open round the clock, so someone answers "shortly"; the admin gets an email.
    let day = json!(["00:00", "23:55"]);
    let hours = json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day,
                       "saturday": day, "sunday": day});
    let booking = json!({"time_zone": "Etc/UTC", "hours": hours, "admin_email": "admin@casadental.test"});
    let (status, _) =
        app.api_json(Method::PUT, &format!("/api/v1/assistants/{id}/booking"), BOOTSTRAP_KEY, Some(booking)).await;
    assert_eq!(status, StatusCode::OK);

    app.text(&sid(), CONTACT, "Hi, question about my bill").await;
    app.settle().await;
    app.text(&sid(), CONTACT, "can I talk to a human please?").await;
    app.settle().await;
    let told = app.outbound().await.last().unwrap().body.clone();
    assert_eq!(told, "Of course. A member of our team will text you here shortly.");
    let status: String = sqlx::query_scalar("SELECT status FROM conversation").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "paused");

    let hooks = business.received_requests().await.unwrap();
    assert_eq!(hooks.len(), 1, "told once");
    let notice: Value = serde_json::from_slice(&hooks[0].body).unwrap();
    assert_eq!((notice["type"].as_str(), notice["contact"].as_str()), (Some("handoff"), Some(CONTACT)));
    let summary = notice["summary"].as_str().unwrap();
    assert!(
        summary.contains("Contact: Hi, question about my bill")
            && summary.ends_with("Contact: can I talk to a human please?"),
        "{summary}"
    );
    assert!(hooks[0].headers.get("smsagent-signature").unwrap().to_str().unwrap().starts_with("t="), "signed");
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE recipient = 'admin@casadental.test'").await, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM handoff WHERE notified_at IS NOT NULL AND resolved_at IS NULL").await,
        1
    );

    // While a person has it, the assistant says nothing.
    let before = app.outbound().await.len();
    app.text(&sid(), CONTACT, "hello?").await;
    app.settle().await;
    assert_eq!(app.outbound().await.len(), before);

    // A person answers through the API: the hand-off ends.
    let send = json!({"to": CONTACT, "body": "Hi, this is Ana from the front desk."});
    let (status, sent) = app.api_json(Method::POST, "/api/v1/sms/send", BOOTSTRAP_KEY, Some(send)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    let resolved: String = sqlx::query_scalar("SELECT resolved_by FROM handoff").fetch_one(&app.pool).await.unwrap();
    assert_eq!(resolved, "operator_reply");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_assistant_with_the_hours_tool_tells_its_hours_in_the_contacts_language(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let changes = json!({"form": null, "first_sms": ""});
    app.api_json(Method::PATCH, &format!("/api/v1/assistants/{id}"), BOOTSTRAP_KEY, Some(changes)).await;
    let tools = json!({"tools": ["business_hours"]});
    let (status, _) =
        app.api_json(Method::PUT, &format!("/api/v1/assistants/{id}/builtin-tools"), BOOTSTRAP_KEY, Some(tools)).await;
    assert_eq!(status, StatusCode::OK);
    let saturday = json!({"saturday": ["10:00", "13:00"], "monday": ["09:00", "17:00"], "tuesday": ["09:00", "17:00"],
                          "wednesday": ["09:00", "17:00"], "thursday": ["09:00", "17:00"], "friday": ["09:00", "17:00"]});
    let (status, _) = app
        .api_json(
            Method::PUT,
            &format!("/api/v1/assistants/{id}/booking"),
            BOOTSTRAP_KEY,
            Some(json!({"hours": saturday})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    app.text(&sid(), CONTACT, "What are your hours?").await;
    app.settle().await;
    assert_eq!(
        app.outbound().await.last().unwrap().body,
        "We're open Monday to Friday, 9:00 AM to 5:00 PM; Saturday, 10:00 AM to 1:00 PM."
    );
    app.text(&sid(), "+15559876543", "Hola, ¿a qué hora abren?").await;
    app.settle().await;
    assert_eq!(
        app.outbound().await.last().unwrap().body,
        "Abrimos de lunes a viernes, de 9:00 a 17:00; sábado, de 10:00 a 13:00."
    );
}
