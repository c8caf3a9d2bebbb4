//! Delivery reports: signed, applied in any order without going backwards, and never lost.

use smsagent_store::PgPool;

use crate::helpers::{
    AUTH_TOKEN, BUSINESS, CONTACT, PUBLIC_BASE_URL, STATUS_CALLBACK, StoredMessage, TestApp, sid, status_report,
    wait_for,
};
use smsagent_providers::twilio::sign;

/// Texts in, and waits for the greeting to be accepted by Twilio.
async fn sent_reply(app: &TestApp) -> StoredMessage {
    app.twilio_accepts().await;
    app.text(&sid(), CONTACT, "Hi").await;
    wait_for("the reply to be accepted", || async {
        app.outbound().await.first().is_some_and(|m| m.message_sid.is_some())
    })
    .await;
    app.outbound().await.remove(0)
}

async fn status_of(app: &TestApp, reply: &StoredMessage) -> String {
    sqlx::query_scalar("SELECT status FROM sms_messages WHERE id = $1")
        .bind(reply.id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn callback_path(reply: &StoredMessage) -> String {
    format!("{STATUS_CALLBACK}?message_id={}", reply.id)
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn reports_out_of_order_end_at_the_final_status(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let reply = sent_reply(&app).await;
    let sid = reply.message_sid.clone().unwrap();

    for status in ["sending", "delivered", "sent", "sending", "delivered"] {
        let response = app.post_signed(&callback_path(&reply), &status_report(&sid, status, None)).await;
        assert_eq!(response.status(), 200, "{status}");
    }

    assert_eq!(status_of(&app, &reply).await, "delivered");
    let applied: Vec<(String, bool)> =
        sqlx::query_as("SELECT status, applied FROM sms_status_event WHERE sms_message_id = $1 ORDER BY id")
            .bind(reply.id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let expected = [("sending", true), ("delivered", true), ("sent", false), ("sending", false), ("delivered", false)];
    assert_eq!(applied, expected.map(|(s, a)| (s.to_owned(), a)));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_without_our_id_is_matched_by_its_sid(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let reply = sent_reply(&app).await;
    let sid = reply.message_sid.clone().unwrap();

    // A Messaging Service's own callback URL carries no id of ours; the seed systems' path is used too.
    let response = app.post_signed("/api/v1/twilio/sms/status-callback", &status_report(&sid, "delivered", None)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(status_of(&app, &reply).await, "delivered");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_undelivered_report_keeps_its_error(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let reply = sent_reply(&app).await;
    let sid = reply.message_sid.clone().unwrap();

    app.post_signed(&callback_path(&reply), &status_report(&sid, "undelivered", Some("30003"))).await;
    app.post_signed(&callback_path(&reply), &status_report(&sid, "delivered", None)).await;

    let (status, code): (String, Option<String>) =
        sqlx::query_as("SELECT status, error_code FROM sms_messages WHERE id = $1")
            .bind(reply.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), code.as_deref()), ("undelivered", Some("30003")));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_opted_out_error_in_a_report_records_the_opt_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let reply = sent_reply(&app).await;
    let sid = reply.message_sid.clone().unwrap();

    app.post_signed(&callback_path(&reply), &status_report(&sid, "failed", Some("21610"))).await;

    let opted_out = app.count("SELECT count(*) FROM opt_out WHERE source = 'provider'").await;
    assert_eq!(opted_out, 1);
    let pair: (String, String) =
        sqlx::query_as("SELECT business_number, contact_number FROM opt_out").fetch_one(&app.pool).await.unwrap();
    assert_eq!(pair, (BUSINESS.to_owned(), CONTACT.to_owned()));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn unsigned_or_forged_reports_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let reply = sent_reply(&app).await;
    let sid = reply.message_sid.clone().unwrap();
    let report = status_report(&sid, "delivered", None);

    let unsigned = app.post_form(&callback_path(&reply), &report, None).await;
    assert_eq!(unsigned.status(), 400);
    // Signed for another message's callback URL: the query is part of what is signed.
    let other_url = format!("{PUBLIC_BASE_URL}{STATUS_CALLBACK}?message_id={}", uuid::Uuid::now_v7());
    let forged = app.post_form(&callback_path(&reply), &report, Some(&sign(AUTH_TOKEN, &other_url, &report))).await;
    assert_eq!(forged.status(), 403);

    assert_eq!(status_of(&app, &reply).await, "queued");
    assert_eq!(app.count("SELECT count(*) FROM sms_status_event").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_for_an_unknown_message_is_acknowledged_and_kept(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let response = app.post_signed(STATUS_CALLBACK, &status_report(&sid(), "delivered", None)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.count("SELECT count(*) FROM sms_status_event WHERE sms_message_id IS NULL").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_with_a_malformed_id_or_status_is_a_400(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.general_assistant().await;
    let bad_id =
        app.post_signed(&format!("{STATUS_CALLBACK}?message_id=42"), &status_report(&sid(), "sent", None)).await;
    assert_eq!(bad_id.status(), 400);
    let bad_status = app.post_signed(STATUS_CALLBACK, &status_report(&sid(), "teleported", None)).await;
    assert_eq!(bad_status.status(), 400);
    let body: serde_json::Value = bad_status.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("teleported"));
}
