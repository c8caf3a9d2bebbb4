//! Conversations through the operators' API: the list, a contact's history, one conversation, erasure.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, BUSINESS, CONTACT, STATUS_CALLBACK, TestApp, sid, status_report};

const OTHER_CONTACT: &str = "+15559876543";

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = app.api(Method::GET, path, BOOTSTRAP_KEY).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// CONTACT texts twice (and is answered), OTHER_CONTACT once, later.
async fn two_contacts(app: &TestApp) {
    app.twilio_accepts().await;
    app.model_replies("Yes, it is.").await;
    app.general_assistant().await;
    app.text(&sid(), CONTACT, "Hi").await;
    app.settle().await;
    app.text(&sid(), CONTACT, "Is the flat free?").await;
    app.settle().await;
    app.text(&sid(), OTHER_CONTACT, "Hello?").await;
    app.settle().await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_list_shows_each_contact_with_the_last_message_newest_first(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    two_contacts(&app).await;

    let (status, page) = get(&app, "/api/conversations").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let conversations = page["conversations"].as_array().unwrap();
    let contacts: Vec<&str> = conversations.iter().map(|c| c["contact_number"].as_str().unwrap()).collect();
    assert_eq!(contacts, [OTHER_CONTACT, CONTACT]);
    assert_eq!(conversations[1]["message_count"], 4);
    assert_eq!(conversations[1]["business_number"], BUSINESS);
    assert_eq!(conversations[1]["last_message"]["direction"], "outbound");
    assert_eq!(conversations[1]["last_message"]["body"], "Yes, it is.");
    assert_eq!(page["next_offset"], Value::Null);

    let (_, first) = get(&app, "/api/conversations?limit=1").await;
    assert_eq!(first["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(first["next_offset"], 1);
    let (_, second) = get(&app, "/api/conversations?limit=1&offset=1").await;
    assert_eq!(second["conversations"][0]["contact_number"], CONTACT);
    assert_eq!(second["next_offset"], Value::Null);

    for bad in ["/api/conversations?limit=0", "/api/conversations?limit=abc", "/api/conversations?offset=-1"] {
        let (status, body) = get(&app, bad).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")), "{bad}");
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contacts_history_comes_oldest_first_with_statuses_and_the_form(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "I'd like to apply").await;
    app.settle().await;
    app.text(&sid(), CONTACT, "Maria").await;
    app.settle().await;

    let (status, history) = get(&app, "/api/conversations/%2B15551234567").await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["contact_number"], CONTACT);
    let conversation = &history["conversations"][0];
    let messages = conversation["messages"].as_array().unwrap();
    let shape: Vec<(&str, &str)> =
        messages.iter().map(|m| (m["direction"].as_str().unwrap(), m["status"].as_str().unwrap())).collect();
    assert_eq!(
        shape,
        [("inbound", "received"), ("outbound", "queued"), ("inbound", "received"), ("outbound", "queued")]
    );
    assert_eq!(messages[0]["body"], "I'd like to apply");
    assert_eq!(conversation["form"]["status"], "in_progress");
    assert!(conversation["form"]["state"].to_string().contains("Maria"), "{}", conversation["form"]);

    let id = conversation["id"].as_str().unwrap();
    let (status, by_id) = get(&app, &format!("/api/v1/sms/conversation/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id["messages"], conversation["messages"]);

    assert_eq!(get(&app, "/api/conversations/%2B15550000000").await.0, StatusCode::NOT_FOUND);
    let (status, bad) = get(&app, "/api/conversations/not-a-number").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_contact")));
    let (status, beyond) = get(&app, "/api/conversations?limit=1&offset=9223372036854775807").await;
    assert_eq!((status, &beyond["conversations"]), (StatusCode::OK, &serde_json::json!([])), "the end of the list");
    let (status, bad) = get(&app, "/api/v1/sms/conversation/42").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_path")));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn erasing_a_contact_removes_everything_but_the_opt_out_and_leaves_an_audit_entry(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    two_contacts(&app).await;
    app.text(&sid(), CONTACT, "STOP").await;
    app.settle().await;
    // An appointment they booked holds their name, email and phone: it goes too; another contact's stays.
    for (contact, start) in [(CONTACT, "2026-12-07T16:00:00Z"), ("+15559876543", "2026-12-07T17:00:00Z")] {
        let start: chrono::DateTime<chrono::Utc> = start.parse().unwrap();
        let appointment = smsagent_store::appointments::NewAppointment {
            tenant_id: smsagent_store::tenants::DEFAULT_TENANT,
            assistant_id: None,
            conversation_id: None,
            calendar: "builtin:test",
            contact_number: contact,
            name: "Maria Garcia",
            email: Some("maria@example.com"),
            phone: Some(contact),
            language: None,
            starts_at: start,
            ends_at: start + chrono::TimeDelta::minutes(30),
            blocked_until: start + chrono::TimeDelta::minutes(30),
        };
        let mut conn = app.pool.acquire().await.unwrap();
        smsagent_store::appointments::book(&mut conn, &appointment).await.unwrap();
    }

    let response = app.api(Method::DELETE, "/api/conversations/%2B15551234567", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let erased: Value = response.json().await.unwrap();
    assert_eq!(erased["deleted"]["conversations"], 1);
    assert_eq!(erased["deleted"]["messages"], 6, "{erased}");
    assert_eq!(erased["deleted"]["appointments"], 1, "{erased}");
    assert_eq!(app.count("SELECT count(*) FROM appointment").await, 1, "the other contact's appointment stays");

    assert_eq!(get(&app, "/api/conversations/%2B15551234567").await.0, StatusCode::NOT_FOUND);
    let remaining: i64 = sqlx::query_scalar("SELECT count(*) FROM sms_messages WHERE contact_number = $1")
        .bind(CONTACT)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(remaining, 0);
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 2, "the other contact's texts stay");
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 1, "STOP outlives the history");

    let (action, subject, detail): (String, String, Value) =
        sqlx::query_as("SELECT action, subject, detail FROM audit_event").fetch_one(&app.pool).await.unwrap();
    assert_eq!(action, "conversation.deleted");
    assert_eq!(subject, smsagent_domain::PhoneNumber::parse(CONTACT).unwrap().masked());
    assert_eq!(detail["messages"], 6);
    assert!(!detail.to_string().contains("flat"), "no content in the audit trail: {detail}");

    let again = app.api(Method::DELETE, "/api/conversations/%2B15551234567", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn stats_count_messages_segments_and_deliveries_per_number(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    two_contacts(&app).await;
    // Twilio reports one reply delivered and one undelivered.
    let outbound = app.outbound().await;
    for (reply, status) in [(&outbound[0], "delivered"), (&outbound[1], "undelivered")] {
        let path = format!("{STATUS_CALLBACK}?message_id={}", reply.id);
        app.post_signed(&path, &status_report(reply.message_sid.as_deref().unwrap(), status, None)).await;
    }

    let (status, stats) = get(&app, "/api/v1/sms/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let total = &stats["total"];
    assert_eq!((total["inbound"].as_i64(), total["outbound"].as_i64()), (Some(3), Some(3)), "{stats}");
    assert_eq!(total["outbound_by_status"]["delivered"], 1);
    assert_eq!(total["outbound_by_status"]["undelivered"], 1);
    assert_eq!(total["delivery_rate"], 0.5);
    assert_eq!(total["inbound_segments"], 3);
    assert_eq!(stats["numbers"][0]["phone_number"], BUSINESS);
    assert_eq!(stats["numbers"][0]["figures"]["outbound"], 3);

    let (_, past) = get(&app, "/api/v1/sms/stats?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z").await;
    assert_eq!(past["total"]["inbound"], 0);
    let (_, other_number) = get(&app, "/api/v1/sms/stats?phone_number=%2B15550001111").await;
    assert_eq!(other_number["numbers"], serde_json::json!([]));
    let (status, bad) = get(&app, "/api/v1/sms/stats?from=yesterday").await;
    assert_eq!((status, bad["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));
    let reason = bad["error"]["message"].as_str().unwrap();
    assert!(reason.starts_with("from must be a date (2026-12-01)"), "names the field and the format: {reason}");
    let (_, by_day) = get(&app, "/api/v1/sms/stats?from=2020-01-01&to=2020-02-01").await;
    assert_eq!((&by_day["from"], &by_day["total"]["inbound"]), (&json!("2020-01-01T00:00:00Z"), &json!(0)), "{by_day}");

    let (_, other_key) = app.tenant("Other").await;
    let theirs: Value =
        app.api(Method::GET, "/api/v1/sms/stats", &other_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["total"]["inbound"], 0, "another tenant sees none of it");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_inbound_text_is_labelled_once_and_stats_count_by_intent(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    let texts = [
        ("+15550000001", "Can I book an appointment for Tuesday?"),
        ("+15550000002", "do you take insurance"),
        ("+15550000003", "Your receptionist was rude, I want a refund"),
        ("+15550000004", "Maria Garcia"),
        ("+15550000005", "STOP"),
    ];
    for (from, body) in texts {
        app.text(&sid(), from, body).await;
    }
    app.settle().await;
    let labelled: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT body, intent FROM sms_messages WHERE direction = 'inbound' ORDER BY from_number")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let intents: Vec<Option<&str>> = labelled.iter().map(|(_, i)| i.as_deref()).collect();
    assert_eq!(intents, [Some("appointment"), Some("question"), Some("complaint"), Some("other"), Some("opt_out")]);
    let (_, stats) = get(&app, "/api/v1/sms/stats").await;
    assert_eq!(
        stats["total"]["inbound_by_intent"],
        json!({"appointment": 1, "question": 1, "complaint": 1, "other": 1, "opt_out": 1}),
        "{stats}"
    );
}
