//! Event Grid's deliveries of ACS SMS events: the handshakes, every payload shape, batches, redeliveries,
//! reports in any order, and the shared secret.

use reqwest::Method;
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::azure_mocks::{
    EVENT_GRID_WEBHOOK, MockAcs, SMS_RECEIVED, acs_id, deliver, deliver_with_secret, delivery_report, sms_received,
};
use crate::helpers::{
    BUSINESS, CONTACT, EVENT_GRID_HEADER, EVENT_GRID_SECRET, EVENT_GRID_SECRET_PREVIOUS, Options, StoredMessage,
    TestApp, wait_for,
};

const VALIDATION_CODE: &str = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6";

fn validation_event() -> Value {
    json!([{
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "topic": "/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        "subject": "",
        "data": {
            "validationCode": VALIDATION_CODE,
            "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/myeventsub/validate?id=0000&token=1A1A"
        },
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2022-10-28T04:23:35.1981776Z",
        "metadataVersion": "1",
        "dataVersion": "1"
    }])
}

/// An app whose number ACS carries, answering every text with the model's "Thanks!".
async fn acs_app(pool: PgPool) -> (TestApp, MockAcs) {
    let app = TestApp::spawn_with(pool, Options { acs: true, ..Options::default() }).await;
    app.general_assistant().await;
    app.model_replies("Thanks!").await;
    let acs = MockAcs::mount(&app.acs).await;
    (app, acs)
}

async fn inbound(app: &TestApp) -> Vec<StoredMessage> {
    app.messages().await.into_iter().filter(|m| m.direction == "inbound").collect()
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

/// Texts in over Event Grid and waits until ACS has accepted the greeting; returns it.
async fn sent_reply(app: &TestApp, acs: &MockAcs) -> StoredMessage {
    deliver(app, EVENT_GRID_WEBHOOK, &json!([sms_received(&acs_id("Incoming"), CONTACT, "Hi")])).await;
    wait_for("ACS to accept the reply", || async {
        app.outbound().await.first().is_some_and(|m| m.message_sid.is_some())
    })
    .await;
    assert_eq!(acs.sent().len(), 1);
    app.outbound().await.remove(0)
}

async fn status_of(app: &TestApp, id: uuid::Uuid) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, error_message FROM sms_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_subscription_handshake_echoes_its_code_on_both_paths(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    for path in [EVENT_GRID_WEBHOOK, "/api/v1/sms/webhook/acs"] {
        let response = deliver(&app, path, &validation_event()).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"validationResponse": VALIDATION_CODE}));
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_handshake_without_the_secret_is_refused(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let missing = deliver_with_secret(&app, EVENT_GRID_WEBHOOK, None, &validation_event()).await;
    assert_eq!(missing.status(), 401);
    let wrong = deliver_with_secret(&app, EVENT_GRID_WEBHOOK, Some("guess"), &validation_event()).await;
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the Event Grid secret is wrong");
    assert!(!body.to_string().contains(VALIDATION_CODE));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_cloud_events_handshake_allows_event_grid_to_deliver(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let handshake = |secret: Option<&str>| {
        let url = match secret {
            Some(secret) => format!("/api/v1/sms/webhook/acs?code={secret}"),
            None => "/api/v1/sms/webhook/acs".to_owned(),
        };
        app.request(Method::OPTIONS, &url).header("WebHook-Request-Origin", "eventgrid.azure.net").send()
    };

    let allowed = handshake(Some(EVENT_GRID_SECRET)).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["WebHook-Allowed-Origin"], "eventgrid.azure.net");
    assert_eq!(allowed.headers()["WebHook-Allowed-Rate"], "*");
    assert_eq!(handshake(None).await.unwrap().status(), 401);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_text_in_each_schema_and_casing_is_stored_with_its_plus_and_answered_over_acs(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let contacts = ["+15550000001", "+15550000002", "+15550000003"];
    // The Event Grid schema (always an array), camelCase data, numbers without their +.
    let event_grid = json!([sms_received("Incoming_eg", contacts[0], "Hello from Event Grid")]);
    // CloudEvents: one object, PascalCase data (as Azure's example files write it), spec-version spelt both ways.
    let cloud_event = json!({
        "specVersion": "1.0", "type": SMS_RECEIVED, "source": "/subscriptions/sub/acs", "id": "Incoming_ce",
        "time": "2026-11-21T10:00:01Z", "subject": "/phonenumber/15550000002", "datacontenttype": "application/json",
        "data": {"MessageId": "Incoming_ce", "From": contacts[1], "To": BUSINESS, "Message": "Hello as a CloudEvent",
                 "ReceivedTimestamp": "2026-11-21T10:00:00Z", "SegmentCount": 1}
    });
    // CloudEvents, batched: an array.
    let cloud_batch = json!([{
        "specversion": "1.0", "type": SMS_RECEIVED, "source": "/subscriptions/sub/acs", "id": "Incoming_cb",
        "data": {"messageId": "Incoming_cb", "from": "15550000003", "to": "15557654321", "message": "Hello in a batch",
                 "receivedTimestamp": "2026-11-21T10:00:00Z"}
    }]);

    for events in [&event_grid, &cloud_event, &cloud_batch] {
        let response = deliver(&app, "/api/v1/sms/webhook/acs", events).await;
        assert_eq!(response.status(), 200, "{events}");
    }

    let mut stored: Vec<(String, String, String)> =
        inbound(&app).await.into_iter().map(|m| (m.from_number, m.to_number, m.body)).collect();
    stored.sort();
    assert_eq!(
        stored,
        [
            (contacts[0].into(), BUSINESS.into(), "Hello from Event Grid".into()),
            (contacts[1].into(), BUSINESS.into(), "Hello as a CloudEvent".into()),
            (contacts[2].into(), BUSINESS.into(), "Hello in a batch".into()),
        ]
    );
    wait_for("ACS to send three replies", || async { acs.sent().len() == 3 }).await;
    let mut answered: Vec<String> = acs.sent().into_iter().map(|s| s.to).collect();
    answered.sort();
    assert_eq!(answered, contacts);
    assert!(acs.sent().iter().all(|s| s.from == BUSINESS));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_batch_of_mixed_events_is_handled_event_by_event(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let reply = sent_reply(&app, &acs).await;
    let acs_message = reply.message_sid.clone().unwrap();

    let batch = json!([
        sms_received(&acs_id("Incoming"), "+15550000009", "Is the flat still free?"),
        delivery_report(&acs_message, &acs_message, "Delivered", "No error.", Some(reply.id)),
        {"id": "chat-1", "eventType": "Microsoft.Communication.ChatMessageReceived", "data": {"messageBody": "hi"},
         "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "2026-11-21T10:00:00Z", "subject": "", "topic": "/x"},
    ]);
    let response = deliver(&app, EVENT_GRID_WEBHOOK, &batch).await;

    assert_eq!(response.status(), 200);
    assert!(inbound(&app).await.iter().any(|m| m.from_number == "+15550000009"), "the text is stored");
    assert_eq!(status_of(&app, reply.id).await, ("delivered".into(), None), "the report is applied");
    wait_for("the new text to be answered", || async { acs.sent().len() == 2 }).await;
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_redelivered_text_is_stored_and_answered_once(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let event = json!([sms_received(&acs_id("Incoming"), CONTACT, "Hi")]);

    for _ in 0..3 {
        assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &event).await.status(), 200);
    }
    app.settle().await;

    assert_eq!(inbound(&app).await.len(), 1);
    assert_eq!(acs.sent().len(), 1, "one reply");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn reports_are_recorded_once_and_a_late_one_never_moves_the_status_back(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let reply = sent_reply(&app, &acs).await;
    let acs_message = reply.message_sid.clone().unwrap();
    let delivered = delivery_report("event-delivered", &acs_message, "Delivered", "No error.", Some(reply.id));
    // Sent before the final report, delivered after it: Event Grid promises no order.
    let earlier_failure = delivery_report("event-failed", &acs_message, "Failed", "Carrier timeout.", Some(reply.id));

    for events in [&delivered, &delivered, &earlier_failure] {
        assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &json!([events])).await.status(), 200);
    }

    assert_eq!(status_of(&app, reply.id).await, ("delivered".into(), None));
    let events: Vec<(String, bool, Option<String>, Value)> = sqlx::query_as(
        "SELECT status, applied, event_id, attempts FROM sms_status_event WHERE sms_message_id = $1 ORDER BY id",
    )
    .bind(reply.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let summary: Vec<(&str, bool, Option<&str>)> =
        events.iter().map(|(s, a, e, _)| (s.as_str(), *a, e.as_deref())).collect();
    assert_eq!(summary, [("delivered", true, Some("event-delivered")), ("failed", false, Some("event-failed"))]);
    assert_eq!(events[0].3[0]["segmentsSucceeded"], 1, "the delivery attempts are kept");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_that_arrives_before_its_send_is_recorded_finds_the_message_by_its_tag(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    acs.hold_answers();
    deliver(&app, EVENT_GRID_WEBHOOK, &json!([sms_received(&acs_id("Incoming"), CONTACT, "Hi")])).await;
    wait_for("ACS to be asked to send the reply", || async { acs.holding() }).await;
    let reply = app.outbound().await.remove(0);
    assert_eq!((reply.status.as_str(), reply.message_sid.as_deref()), ("queued", None), "the send is in flight");
    let acs_message = acs.sent()[0].message_id.clone();

    let report = delivery_report(&acs_message, &acs_message, "Delivered", "No error.", Some(reply.id));
    assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &json!([report])).await.status(), 200);
    acs.answer();
    app.settle().await;

    let after = app.outbound().await.remove(0);
    assert_eq!((after.status.as_str(), after.message_sid.as_deref()), ("delivered", Some(acs_message.as_str())));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_that_the_recipient_blocked_us_records_their_opt_out(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let reply = sent_reply(&app, &acs).await;
    let acs_message = reply.message_sid.clone().unwrap();

    let blocked =
        delivery_report(&acs_message, &acs_message, "Failed", "Sender blocked for given recipient.", Some(reply.id));
    deliver(&app, EVENT_GRID_WEBHOOK, &json!([blocked])).await;

    let (status, details) = status_of(&app, reply.id).await;
    assert_eq!((status.as_str(), details.as_deref()), ("failed", Some("Sender blocked for given recipient.")));
    assert_eq!(app.count("SELECT count(*) FROM opt_out WHERE contact_number = '+15551234567'").await, 1);
    deliver(&app, EVENT_GRID_WEBHOOK, &json!([sms_received(&acs_id("Incoming"), CONTACT, "Hello?")])).await;
    app.settle().await;
    assert_eq!(acs.sent().len(), 1, "no reply to someone who opted out");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_delivery_without_the_secret_is_refused_and_nothing_is_stored(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let event = json!([sms_received(&acs_id("Incoming"), CONTACT, "Hi")]);

    let missing = deliver_with_secret(&app, EVENT_GRID_WEBHOOK, None, &event).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(error_code(missing).await, "unauthorized");
    let wrong = deliver_with_secret(&app, EVENT_GRID_WEBHOOK, Some("eg-secret-nope"), &event).await;
    assert_eq!(wrong.status(), 401);
    let wrong_header = app
        .request(Method::POST, EVENT_GRID_WEBHOOK)
        .header(EVENT_GRID_HEADER, "eg-secret-nope")
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_header.status(), 401);

    assert!(inbound(&app).await.is_empty());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_secret_may_come_in_the_header_and_the_previous_one_still_works(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;

    let in_header = app
        .request(Method::POST, EVENT_GRID_WEBHOOK)
        .header(EVENT_GRID_HEADER, EVENT_GRID_SECRET)
        .body(json!([sms_received("Incoming_header", CONTACT, "one")]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(in_header.status(), 200);
    let previous = json!([sms_received("Incoming_previous", CONTACT, "two")]);
    let rotated_out = deliver_with_secret(&app, EVENT_GRID_WEBHOOK, Some(EVENT_GRID_SECRET_PREVIOUS), &previous).await;
    assert_eq!(rotated_out.status(), 200);

    assert_eq!(inbound(&app).await.len(), 2);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_body_that_is_not_events_is_a_400_with_the_reason(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let post = |body: &'static str| {
        app.request(Method::POST, &format!("{EVENT_GRID_WEBHOOK}?code={EVENT_GRID_SECRET}")).body(body).send()
    };

    let not_json = post("<xml/>").await.unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(error_code(not_json).await, "invalid_json");
    let no_id = post(r#"[{"eventType": "Microsoft.Communication.SMSReceived", "data": {}}]"#).await.unwrap();
    assert_eq!(no_id.status(), 400);
    let body: Value = no_id.json().await.unwrap();
    assert_eq!(body["error"]["message"], "event 0 has no id");
    // Authentication comes first: a stranger learns nothing about what we parse.
    let stranger = app.request(Method::POST, EVENT_GRID_WEBHOOK).body("<xml/>").send().await.unwrap();
    assert_eq!(stranger.status(), 401);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_report_for_a_text_we_never_sent_is_kept_unmatched(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let stranger = acs_id("Outgoing");
    let report = delivery_report(&stranger, &stranger, "Delivered", "No error.", None);

    assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &json!([report])).await.status(), 200);

    let kept = app
        .count(
            "SELECT count(*) FROM sms_status_event WHERE sms_message_id IS NULL AND provider = 'acs' AND NOT applied",
        )
        .await;
    assert_eq!(kept, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_cloud_event_report_in_pascal_case_is_applied(pool: PgPool) {
    let (app, acs) = acs_app(pool).await;
    let reply = sent_reply(&app, &acs).await;
    let acs_message = reply.message_sid.clone().unwrap();
    let report = json!({
        "specversion": "1.0", "type": "Microsoft.Communication.SMSDeliveryReportReceived",
        "source": "/subscriptions/sub/acs", "id": acs_message, "time": "2026-11-21T10:00:20Z",
        "subject": "/phonenumber/15557654321", "datacontenttype": "application/json",
        "data": {"MessageId": acs_message, "From": "15557654321", "To": CONTACT, "DeliveryStatus": "Delivered",
                 "DeliveryStatusDetails": "No error.", "ReceivedTimestamp": "2026-11-21T10:00:20Z",
                 "DeliveryAttempts": [{"Timestamp": "2026-11-21T10:00:14Z", "SegmentsSucceeded": 1, "SegmentsFailed": 0}],
                 "Tag": reply.id.to_string()}
    });

    assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &report).await.status(), 200);

    assert_eq!(status_of(&app, reply.id).await, ("delivered".into(), None));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn one_unusable_event_does_not_cost_the_rest_of_the_batch(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let batch = json!([
        {"eventType": SMS_RECEIVED, "data": {"message": "an event without an id"}},
        sms_received(&acs_id("Incoming"), CONTACT, "Hi"),
        {"id": "broken", "eventType": SMS_RECEIVED, "data": {"from": "not a number", "to": BUSINESS}},
    ]);

    assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &batch).await.status(), 200, "a 400 would drop the good one too");

    let stored: Vec<String> = inbound(&app).await.into_iter().map(|m| m.body).collect();
    assert_eq!(stored, ["Hi"]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_batch_larger_than_a_twilio_webhook_is_taken_whole(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    // 100 texts of 1,000 characters: about 130 KB, within Event Grid's 1 MB batches.
    let long_text = "Is the flat still available? ".repeat(35);
    let batch: Vec<Value> =
        (0..100).map(|n| sms_received(&acs_id("Incoming"), &format!("+1555000{n:04}"), &long_text)).collect();
    let batch = Value::Array(batch);
    assert!(batch.to_string().len() > 100 * 1024);

    assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &batch).await.status(), 200);

    assert_eq!(inbound(&app).await.len(), 100);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_thousand_event_batch_is_stored_once_in_order_with_its_keywords(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, acs: true, ..Options::default() }).await;
    let mut events = Vec::new();
    for n in 0..1000 {
        // Most from contacts of their own; every tenth from one busy contact, who says STOP half way.
        let (from, body) = match n {
            500 => (CONTACT.to_owned(), "STOP".to_owned()),
            n if n % 10 == 0 => (CONTACT.to_owned(), format!("text {n}")),
            n => (format!("+1555400{n:04}"), format!("text {n}")),
        };
        events.push(sms_received(&acs_id("Incoming"), &from, &body));
    }
    let batch = Value::Array(events);

    for _ in 0..2 {
        assert_eq!(deliver(&app, EVENT_GRID_WEBHOOK, &batch).await.status(), 200);
    }

    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE direction = 'inbound'").await, 1000);
    assert_eq!(app.count("SELECT count(*) FROM conversation").await, 901);
    let busy: Vec<String> =
        sqlx::query_scalar("SELECT body FROM sms_messages WHERE from_number = $1 ORDER BY created_at, id")
            .bind(CONTACT)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let stop = busy.iter().position(|b| b == "STOP").unwrap();
    assert_eq!((stop, busy.len()), (50, 100), "in the order they came: {busy:?}");
    assert_eq!(app.count("SELECT count(*) FROM opt_out").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM job WHERE kind = 'generate_reply'").await, 901, "one reply each");
}
