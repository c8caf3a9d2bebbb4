//! WhatsApp through Twilio's Messaging webhook: a channel of its own, answered on WhatsApp, without
//! segments, within the 24-hour window, and with opt-outs by the same keywords; and who confirms a STOP on
//! a Twilio number.

use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_providers::twilio::FormParams;
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, BUSINESS, CONTACT, Options, PUBLIC_BASE_URL, TestApp, WEBHOOK, inbound, sid};

const WHATSAPP_CONTACT: &str = "whatsapp:+15551234567";

/// A WhatsApp message as Twilio posts it: `whatsapp:` addresses, the sender's WhatsApp id and name.
fn whatsapp(body: &str) -> FormParams {
    let mut params = FormParams::from_pairs(inbound(&sid(), CONTACT, body).iter().map(|(k, v)| match k {
        "From" => (k, WHATSAPP_CONTACT),
        "To" => (k, "whatsapp:+15557654321"),
        _ => (k, v),
    }));
    params.push("WaId", "15551234567");
    params.push("ProfileName", "Maria");
    params
}

async fn app(pool: PgPool, confirmed_by: &'static str) -> TestApp {
    let app =
        TestApp::spawn_with(pool, Options { workers: 0, opt_outs_confirmed_by: confirmed_by, ..Options::default() })
            .await;
    app.twilio_accepts().await;
    app
}

async fn send(app: &TestApp, to: &str, body: &str) -> reqwest::Response {
    app.api(Method::POST, "/api/v1/sms/send", BOOTSTRAP_KEY)
        .json(&json!({"to": to, "body": body}))
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_whatsapp_message_is_answered_on_whatsapp_whole(pool: PgPool) {
    let app = app(pool, "smsagent").await;
    // One segment is all an SMS reply may take; WhatsApp has none.
    sqlx::query("UPDATE assistant SET segment_budget = 1").execute(&app.pool).await.unwrap();

    assert_eq!(app.post_signed(WEBHOOK, &whatsapp("Hi, I'm Maria Garcia")).await.status(), StatusCode::OK);
    app.worker.drain().await.unwrap();

    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].get("To"), Some(WHATSAPP_CONTACT));
    assert_eq!(sent[0].get("From"), Some("whatsapp:+15557654321"));
    let body = sent[0].get("Body").unwrap();
    assert!(body.starts_with("Hi! Thanks for your interest") && body.ends_with("Is that right?"), "whole: {body}");
    let reply = &app.outbound().await[0];
    let callback = format!("{PUBLIC_BASE_URL}/api/v1/sms/status-callback?message_id={}", reply.id);
    assert_eq!(sent[0].get("StatusCallback"), Some(callback.as_str()), "WhatsApp reports delivery too");
    let channels: Vec<(String, String)> =
        sqlx::query_as("SELECT contact_number, channel FROM conversation").fetch_all(&app.pool).await.unwrap();
    assert_eq!(channels, [(WHATSAPP_CONTACT.to_owned(), "whatsapp".to_owned())]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_same_contact_by_sms_and_whatsapp_keeps_two_conversations(pool: PgPool) {
    let app = app(pool, "smsagent").await;
    app.post_signed(WEBHOOK, &whatsapp("Hi, I'm Maria Garcia")).await;
    app.text(&sid(), CONTACT, "hello").await;
    app.worker.drain().await.unwrap();

    let sent: Vec<String> = app.twilio_sends().await.iter().map(|p| p.get("To").unwrap().to_owned()).collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.contains(&WHATSAPP_CONTACT.to_owned()) && sent.contains(&CONTACT.to_owned()), "{sent:?}");
    let channels: Vec<String> =
        sqlx::query_scalar("SELECT channel FROM conversation ORDER BY channel").fetch_all(&app.pool).await.unwrap();
    assert_eq!(channels, ["sms", "whatsapp"], "each conversation keeps its channel");

    // Erasing the person by their number erases them on WhatsApp too.
    let erased = app.api(Method::DELETE, "/api/conversations/%2B15551234567", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    let erased: Value = erased.json().await.unwrap();
    assert_eq!(erased["deleted"]["conversations"], 2, "{erased}");
    assert_eq!(app.count("SELECT count(*) FROM conversation").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn stop_on_whatsapp_is_recorded_and_confirmed_there(pool: PgPool) {
    // Twilio confirms STOP for SMS on its numbers, not on WhatsApp: there it is ours.
    let app = app(pool, "provider").await;
    app.post_signed(WEBHOOK, &whatsapp("STOP")).await;
    app.worker.drain().await.unwrap();

    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].get("Body").unwrap().contains("You're unsubscribed"));
    assert_eq!(sent[0].get("To"), Some(WHATSAPP_CONTACT));
    assert_eq!(app.count("SELECT count(*) FROM opt_out WHERE contact_number = 'whatsapp:+15551234567'").await, 1);
    assert_eq!(send(&app, WHATSAPP_CONTACT, "Still there?").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(send(&app, CONTACT, "Your SMS is another matter").await.status(), StatusCode::ACCEPTED);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn free_text_outside_the_24_hour_window_is_refused(pool: PgPool) {
    let app = app(pool, "smsagent").await;
    app.post_signed(WEBHOOK, &whatsapp("hello")).await;
    app.worker.drain().await.unwrap();
    assert_eq!(send(&app, WHATSAPP_CONTACT, "Within the day").await.status(), StatusCode::ACCEPTED);
    app.worker.drain().await.unwrap();

    let day_and_more = TimeDelta::hours(25).num_seconds() as f64;
    sqlx::query(
        "UPDATE sms_messages SET created_at = created_at - make_interval(secs => $1) WHERE direction = 'inbound'",
    )
    .bind(day_and_more)
    .execute(&app.pool)
    .await
    .unwrap();
    let refused = send(&app, WHATSAPP_CONTACT, "A day later").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "outside_whatsapp_window");
    assert!(error["error"]["message"].as_str().unwrap().contains("approved template"));
    assert_eq!(app.twilio_sends().await.len(), 2, "the greeting and the text within the day, nothing since");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_queued_in_the_window_that_goes_after_it_is_failed_not_sent(pool: PgPool) {
    let app = app(pool, "smsagent").await;
    app.post_signed(WEBHOOK, &whatsapp("hello")).await;
    app.worker.drain().await.unwrap();
    // Queued now, sent (say, after a long outage) when the window has closed.
    assert_eq!(send(&app, WHATSAPP_CONTACT, "Queued in time").await.status(), StatusCode::ACCEPTED);
    sqlx::query("UPDATE sms_messages SET created_at = created_at - interval '25 hours' WHERE direction = 'inbound'")
        .execute(&app.pool)
        .await
        .unwrap();
    app.worker.drain().await.unwrap();

    assert_eq!(app.twilio_sends().await.len(), 1, "only the greeting");
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, error_message FROM sms_messages WHERE body = 'Queued in time'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(reason.unwrap().contains("24 hours"));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn on_a_twilio_number_twilio_confirms_the_opt_out_and_it_is_recorded(pool: PgPool) {
    let app = app(pool, "provider").await;
    app.text(&sid(), CONTACT, "STOP").await;
    app.worker.drain().await.unwrap();

    assert!(app.twilio_sends().await.is_empty(), "no confirmation of ours for Twilio to refuse (21610)");
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM consent_event WHERE action = 'opt_out' AND changed").await, 1);

    // The operator hands confirmations to smsagent: the next contact's STOP gets ours.
    let numbers: Value =
        app.api(Method::GET, "/api/v1/phone-numbers", BOOTSTRAP_KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(numbers["phone_numbers"][0]["opt_out_confirmed_by"], "provider", "the default for a Twilio number");
    let id = numbers["phone_numbers"][0]["id"].as_str().unwrap().to_owned();
    let changed = app
        .api(Method::PATCH, &format!("/api/v1/phone-numbers/{id}"), BOOTSTRAP_KEY)
        .json(&json!({"opt_out_confirmed_by": "smsagent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (changed["opt_out_confirmed_by"].as_str(), changed["number"].as_str()),
        (Some("smsagent"), Some(BUSINESS))
    );
    assert!(changed["inbound_assistant_id"].is_string(), "an absent assistant is left as it was");

    app.text(&sid(), "+15551230000", "stop").await;
    app.worker.drain().await.unwrap();
    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].get("Body").unwrap().contains("You're unsubscribed"));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn on_a_twilio_number_we_confirm_what_only_we_take_for_a_keyword(pool: PgPool) {
    let app = app(pool, "provider").await;
    // "stop please" opts out here, but Twilio answers only its own words alone: the confirmation is ours.
    app.text(&sid(), CONTACT, "stop please").await;
    app.worker.drain().await.unwrap();
    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].get("Body").unwrap().contains("You're unsubscribed"));
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 1);

    // START alone is Twilio's to answer: recorded, and nothing of ours besides.
    app.text(&sid(), CONTACT, "START").await;
    app.worker.drain().await.unwrap();
    assert_eq!(app.twilio_sends().await.len(), 1, "Twilio confirms START itself");
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_twilio_send_says_how_long_twilio_may_hold_it(pool: PgPool) {
    let app = app(pool, "smsagent").await;
    app.text(&sid(), CONTACT, "hello").await;
    app.worker.drain().await.unwrap();
    let sent = app.twilio_sends().await;
    let validity: u32 = sent[0].get("ValidityPeriod").expect("a ValidityPeriod").parse().unwrap();
    assert!((60..=36_000).contains(&validity), "{validity}");
}
