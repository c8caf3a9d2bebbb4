//! Twilio Conversations: a message added to a conversation gets one reply, posted into the conversation
//! without echoing back to us; the assistant's own messages get none.

use serde_json::json;
use smsagent_providers::twilio::FormParams;
use smsagent_store::PgPool;
use uuid::Uuid;
use wiremock::matchers::{basic_auth, header, method, path};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::helpers::{ACCOUNT_SID, AUTH_TOKEN, BUSINESS, CONTACT, FIRST_SMS, Options, TestApp, sid, twilio_error};

const MESSAGE_ADDED: &str = "/webhook/message-added";
const CONVERSATION: &str = "CH6c25138e952448e3b27ef8164097a1c7";
const CONVERSATION_MESSAGES: &str = "/v1/Conversations/CH6c25138e952448e3b27ef8164097a1c7/Messages";

/// `onMessageAdded` as Twilio posts it for a message `author` wrote (fields from a captured payload).
fn message_added(message_sid: &str, author: &str, body: &str) -> FormParams {
    FormParams::from_pairs([
        ("EventType", "onMessageAdded"),
        ("Attributes", "{}"),
        ("DateCreated", "2026-11-21T10:00:58.111Z"),
        ("Index", "35"),
        ("MessageSid", message_sid),
        ("AccountSid", ACCOUNT_SID),
        ("Source", if author.starts_with('+') { "SMS" } else { "API" }),
        ("RetryCount", "0"),
        ("Author", author),
        ("ParticipantSid", "MBc58b06998c564765bbff41cfd3a03219"),
        ("Body", body),
        ("ConversationSid", CONVERSATION),
        ("MessagingBinding.Address", CONTACT),
        ("MessagingBinding.ProxyAddress", BUSINESS),
    ])
}

fn im_sid() -> String {
    format!("IM{}", Uuid::now_v7().simple())
}

/// The Conversations API: posting with the right credentials and without a webhook echo gets 201.
async fn conversations_api(app: &TestApp) {
    Mock::given(method("POST"))
        .and(path(CONVERSATION_MESSAGES))
        .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
        .and(header("X-Twilio-Webhook-Enabled", "false"))
        .respond_with(|request: &Request| {
            let params = FormParams::parse(&request.body);
            ResponseTemplate::new(201).set_body_json(json!({
                "sid": im_sid(), "account_sid": ACCOUNT_SID, "conversation_sid": CONVERSATION,
                "body": params.get("Body"), "media": null, "author": params.get("Author").unwrap_or("system"),
                "participant_sid": null, "attributes": "{}", "date_created": "2026-11-21T10:00:59Z",
                "date_updated": "2026-11-21T10:00:59Z", "index": 36, "delivery": null, "content_sid": null,
                "url": format!("https://conversations.twilio.com{CONVERSATION_MESSAGES}/IM1"), "links": {}
            }))
        })
        .with_priority(1)
        .mount(&app.twilio)
        .await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(401, 20003, "Authentication Error - invalid username"))
        .with_priority(5)
        .mount(&app.twilio)
        .await;
}

/// What was posted into the conversation: (Author, Body) of each message, in order.
async fn posted(app: &TestApp) -> Vec<(String, String)> {
    let requests = app.twilio.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|r| r.url.path() == CONVERSATION_MESSAGES)
        .map(|r| FormParams::parse(&r.body))
        .map(|p| (p.get("Author").unwrap_or_default().to_owned(), p.get("Body").unwrap_or_default().to_owned()))
        .collect()
}

async fn app(pool: PgPool) -> TestApp {
    let app = TestApp::spawn_with(pool, Options::default()).await;
    app.general_assistant().await;
    conversations_api(&app).await;
    app
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_message_gets_one_reply_posted_into_its_conversation(pool: PgPool) {
    let app = app(pool).await;
    let message = message_added(&im_sid(), CONTACT, "Hi, is the flat available?");

    // Twilio retries a webhook it did not hear back from: the retry changes nothing.
    for _ in 0..2 {
        let response = app.post_signed(MESSAGE_ADDED, &message).await;
        assert_eq!(response.status(), 200);
    }
    app.settle().await;

    assert_eq!(posted(&app).await, [("assistant".to_owned(), FIRST_SMS.to_owned())]);
    let stored = app.messages().await;
    assert_eq!(stored.len(), 2);
    assert_eq!((stored[0].from_number.as_str(), stored[0].to_number.as_str()), (CONTACT, BUSINESS));
    assert_eq!((stored[1].status.as_str(), stored[1].to_number.as_str()), ("sent", CONTACT));
    let channel: (String, Option<String>) =
        sqlx::query_as("SELECT channel, external_id FROM conversation").fetch_one(&app.pool).await.unwrap();
    assert_eq!(channel, ("twilio_conversations".to_owned(), Some(CONVERSATION.to_owned())));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_next_message_is_answered_by_the_model_in_the_same_conversation(pool: PgPool) {
    let app = app(pool).await;
    app.model_replies("Yes, it is. Would you like a viewing?").await;

    app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), CONTACT, "Hi")).await;
    app.settle().await;
    app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), CONTACT, "Is the flat available?")).await;
    app.settle().await;

    let bodies: Vec<String> = posted(&app).await.into_iter().map(|(_, body)| body).collect();
    assert_eq!(bodies, [FIRST_SMS, "Yes, it is. Would you like a viewing?"]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_reply_goes_out_on_the_channel_it_was_written_for(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.general_assistant().await;
    conversations_api(&app).await;
    app.twilio_accepts().await;
    app.model_replies("Yes, it is.").await;

    // A text by SMS is answered (the greeting waits to be sent)...
    app.text(&sid(), CONTACT, "Hi").await;
    assert!(app.worker.run_once().await.unwrap());
    // ...when the same contact writes in a Twilio conversation with the same number.
    app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), CONTACT, "Is the flat available?")).await;
    app.worker.drain().await.unwrap();

    let by_sms: Vec<String> = app.twilio_sends().await.iter().map(|p| p.get("Body").unwrap().to_owned()).collect();
    assert_eq!(by_sms, [FIRST_SMS]);
    assert_eq!(posted(&app).await, [("assistant".to_owned(), "Yes, it is.".to_owned())]);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_assistants_own_message_gets_no_reply(pool: PgPool) {
    let app = app(pool).await;

    let response = app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), "assistant", "Thanks, we got it")).await;
    assert_eq!(response.status(), 200);
    app.settle().await;

    assert!(posted(&app).await.is_empty());
    assert!(app.messages().await.is_empty(), "not stored as a contact's text either");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn stop_in_a_conversation_is_confirmed_there_and_silences_the_assistant(pool: PgPool) {
    let app = app(pool).await;

    app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), CONTACT, "STOP")).await;
    app.settle().await;
    app.post_signed(MESSAGE_ADDED, &message_added(&im_sid(), CONTACT, "hello?")).await;
    app.settle().await;

    let posted = posted(&app).await;
    assert_eq!(posted.len(), 1, "only the confirmation: {posted:?}");
    assert!(posted[0].1.contains("unsubscribed"), "{}", posted[0].1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_unsigned_or_forged_message_is_refused(pool: PgPool) {
    let app = app(pool).await;
    let message = message_added(&im_sid(), CONTACT, "Hi");

    assert_eq!(app.post_form(MESSAGE_ADDED, &message, None).await.status(), 400);
    assert_eq!(app.post_form(MESSAGE_ADDED, &message, Some("bm90IGEgc2lnbmF0dXJl")).await.status(), 403);
    assert!(app.messages().await.is_empty());
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn media_in_a_conversation_are_recorded_though_not_fetched(pool: PgPool) {
    let app = app(pool).await;
    conversations_api(&app).await;
    let mut params = message_added(&im_sid(), CONTACT, "my ID");
    params.push(
        "Media",
        r#"[{"Sid":"ME00000000000000000000000000000001","ContentType":"image/jpeg","Filename":"id.jpg","Size":4000,"Category":"media"}]"#,
    );
    assert_eq!(app.post_signed(MESSAGE_ADDED, &params).await.status(), 200);
    app.settle().await;

    let media: Vec<(String, String)> =
        sqlx::query_as("SELECT declared_type, status FROM message_media").fetch_all(&app.pool).await.unwrap();
    assert_eq!(media, [("image/jpeg".to_owned(), "not_fetched".to_owned())]);
    assert_eq!(posted(&app).await.len(), 1, "the text is answered as ever");
}
