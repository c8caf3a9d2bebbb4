//! The Twilio sender against a mock Messages API that answers as the real one does (docs/twilio.md#sending).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use smsagent_domain::{MessageStatus, PhoneNumber};
use smsagent_providers::twilio::{TwilioCredentials, TwilioSender};
use smsagent_providers::{OutboundSms, SendError, SmsSender};
use wiremock::matchers::{basic_auth, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "AC00000000000000000000000000000000";
const MESSAGES: &str = "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";

fn sender(server: &MockServer) -> TwilioSender {
    let credentials = TwilioCredentials { account_sid: ACCOUNT.into(), auth_token: SecretString::from("secret-token") };
    TwilioSender::new(credentials, &server.uri())
}

fn sms() -> OutboundSms {
    OutboundSms {
        id: uuid::Uuid::now_v7(),
        first_attempt_at: chrono::Utc::now(),
        from: PhoneNumber::parse("+15557654321").unwrap(),
        to: PhoneNumber::parse("+15551234567").unwrap(),
        body: "Hello & welcome".into(),
        status_callback: Some("https://sms.example.com/api/v1/sms/status-callback?message_id=1".into()),
        conversation: None,
        deadline: None,
        whatsapp: false,
        validity: None,
    }
}

fn created() -> serde_json::Value {
    json!({
        "account_sid": ACCOUNT, "api_version": "2010-04-01", "body": "Hello & welcome",
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": null,
        "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000", "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": "+15557654321", "num_media": "0",
        "num_segments": "1", "price": null, "price_unit": "USD",
        "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "queued", "to": "+15551234567"
    })
}

fn error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

#[tokio::test]
async fn a_message_is_posted_as_twilio_expects_and_its_receipt_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(basic_auth(ACCOUNT, "secret-token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("To=%2B15551234567"))
        .and(body_string_contains("From=%2B15557654321"))
        .and(body_string_contains("Body=Hello+%26+welcome"))
        .and(body_string_contains(
            "StatusCallback=https%3A%2F%2Fsms.example.com%2Fapi%2Fv1%2Fsms%2Fstatus-callback%3Fmessage_id%3D1",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(created()))
        .expect(1)
        .mount(&server)
        .await;

    let receipt = sender(&server).send(&sms()).await.unwrap();
    assert_eq!(receipt.message_sid.as_deref(), Some("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_eq!(receipt.status, MessageStatus::Queued);
    assert_eq!(receipt.num_segments, Some(1));
    assert_eq!(receipt.date_created.unwrap().to_rfc3339(), "2023-08-24T05:01:45+00:00");
    assert_eq!(receipt.date_sent, None);
}

#[tokio::test]
async fn a_whatsapp_text_goes_to_whatsapp_addresses_with_its_validity() {
    let server = MockServer::start().await;
    let mut answer = created();
    answer["to"] = json!("whatsapp:+15551234567");
    answer["from"] = json!("whatsapp:+15557654321");
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(body_string_contains("To=whatsapp%3A%2B15551234567"))
        .and(body_string_contains("From=whatsapp%3A%2B15557654321"))
        .and(body_string_contains("ValidityPeriod=5400"))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    let sms = OutboundSms { whatsapp: true, validity: Some(Duration::from_secs(5_400)), ..sms() };
    let receipt = sender(&server).send(&sms).await.unwrap();
    assert_eq!(receipt.message_sid.as_deref(), Some("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

#[tokio::test]
async fn an_opted_out_recipient_is_a_final_rejection() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(400, 21610, "Attempt to send to unsubscribed recipient"))
        .mount(&server)
        .await;
    let err = sender(&server).send(&sms()).await.unwrap_err();
    assert_eq!(
        err,
        SendError::Rejected {
            code: Some("21610".into()),
            message: "Attempt to send to unsubscribed recipient".into(),
            opted_out: true
        }
    );
}

#[tokio::test]
async fn a_bad_number_is_rejected_without_opting_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(400, 21211, "The 'To' number 5551234567 is not a valid phone number."))
        .mount(&server)
        .await;
    let err = sender(&server).send(&sms()).await.unwrap_err();
    assert!(
        matches!(err, SendError::Rejected { ref code, opted_out: false, .. } if code.as_deref() == Some("21211")),
        "{err:?}"
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_worth_retrying() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, 20429, "Too Many Requests").insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;

    let limited = sender(&server).send(&sms()).await.unwrap_err();
    assert!(
        matches!(limited, SendError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(3)),
        "{limited:?}"
    );
    let down = sender(&server).send(&sms()).await.unwrap_err();
    assert!(
        matches!(down, SendError::Transient { retry_after: None, ref reason } if reason.contains("upstream down")),
        "{down:?}"
    );
}

#[tokio::test]
async fn refused_credentials_are_a_configuration_problem() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(401, 20003, "Authentication Error - invalid username"))
        .mount(&server)
        .await;
    let err = sender(&server).send(&sms()).await.unwrap_err();
    assert!(matches!(err, SendError::Misconfigured(ref m) if m.contains("Authentication Error")), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_api_is_worth_retrying() {
    // A port nothing listens on (wiremock keeps dropped servers alive in a pool, so free one by hand).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let uri = format!("http://127.0.0.1:{port}");
    let credentials = TwilioCredentials { account_sid: ACCOUNT.into(), auth_token: SecretString::from("t") };
    let err = TwilioSender::new(credentials, &uri).send(&sms()).await.unwrap_err();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn an_acceptance_with_an_unreadable_answer_is_still_an_acceptance() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let receipt = sender(&server).send(&sms()).await.unwrap();
    assert_eq!(receipt.message_sid, None);
    assert_eq!(receipt.status, MessageStatus::Accepted);
}

/// A message as Twilio lists it.
fn listed(sid: &str, to: &str, body: &str, at: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let mut message = created();
    message["sid"] = json!(sid);
    message["to"] = json!(to);
    message["body"] = json!(body);
    message["date_created"] = json!(at.to_rfc2822());
    message
}

#[tokio::test]
async fn an_earlier_attempt_is_found_by_sender_recipient_and_body_since_it_began() {
    let server = MockServer::start().await;
    let now = chrono::Utc::now();
    let minutes = |m| now - chrono::TimeDelta::minutes(m);
    let (ours, other) = ("+15551234567", "+15550000000");
    // Newest first, over two pages, the second the last.
    let first_page = json!({
        "messages": [
            listed("SM01", ours, "Hello & welcome", minutes(1)),
            listed("SM02", ours, "Something else", minutes(2)),
            listed("SM03", other, "Hello & welcome", minutes(3)),
        ],
        "next_page_uri": "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?To=x&Page=1&PageToken=PA1",
    });
    let second_page = json!({
        "messages": [
            listed("SM04", ours, "Hello & welcome", minutes(4)),
            listed("SM05", ours, "Hello & welcome", minutes(20)),
        ],
        "next_page_uri": null,
    });
    Mock::given(method("GET"))
        .and(path(MESSAGES))
        .and(basic_auth(ACCOUNT, "secret-token"))
        .and(wiremock::matchers::query_param("Page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second_page))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(MESSAGES))
        .and(basic_auth(ACCOUNT, "secret-token"))
        .and(wiremock::matchers::query_param("To", ours))
        .and(wiremock::matchers::query_param("From", "+15557654321"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first_page))
        .expect(1)
        .mount(&server)
        .await;

    let found = sender(&server).find_sent(&sms(), minutes(10)).await.unwrap();

    let sids: Vec<_> = found.iter().map(|r| r.message_sid.as_deref().unwrap()).collect();
    assert_eq!(sids, ["SM04", "SM01"], "same recipient and body, since the first attempt, oldest first");
}

#[tokio::test]
async fn a_lookup_twilio_cannot_answer_is_worth_another_try() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(error(503, 20500, "Service Unavailable")).mount(&server).await;
    let err = sender(&server).find_sent(&sms(), chrono::Utc::now()).await.unwrap_err();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");
}

#[tokio::test]
async fn a_conversations_message_an_earlier_attempt_posted_is_found_by_author_and_body() {
    use smsagent_providers::twilio::ConversationsSender;
    let server = MockServer::start().await;
    let now = chrono::Utc::now();
    let at = |minutes| (now - chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    Mock::given(method("GET"))
        .and(path("/v1/Conversations/CH00000000000000000000000000000001/Messages"))
        .and(wiremock::matchers::query_param("Order", "desc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"messages": [
            {"sid": "IM1", "author": "assistant", "body": "Hello & welcome", "date_created": at(1)},
            {"sid": "IM2", "author": "+15551234567", "body": "Hello & welcome", "date_created": at(2)},
            {"sid": "IM3", "author": "assistant", "body": "Hello & welcome", "date_created": at(30)},
        ], "meta": {"next_page_url": null}})))
        .mount(&server)
        .await;
    let credentials = TwilioCredentials { account_sid: ACCOUNT.into(), auth_token: SecretString::from("secret-token") };
    let sender = ConversationsSender::new(credentials, &server.uri(), "assistant");
    let sms = OutboundSms { conversation: Some("CH00000000000000000000000000000001".into()), ..sms() };

    let found = sender.find_sent(&sms, now - chrono::TimeDelta::minutes(10)).await.unwrap();

    let sids: Vec<_> = found.iter().map(|r| r.message_sid.as_deref().unwrap()).collect();
    assert_eq!(sids, ["IM1"], "ours, with the same body, since the first attempt");
}

/// A page of the list: `n` recent messages to the contact, none a match, and always another page.
fn busy_page(n: usize) -> serde_json::Value {
    let now = chrono::Utc::now();
    let messages: Vec<_> = (0..n).map(|i| listed(&format!("SM{i}"), "+15551234567", "Something else", now)).collect();
    json!({"messages": messages, "next_page_uri": "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?Page=1&PageToken=PA1"})
}

#[tokio::test]
async fn a_lookup_that_cannot_reach_back_to_the_first_attempt_says_it_cannot_tell() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(busy_page(50)))
        .mount(&server)
        .await;
    let err = sender(&server).find_sent(&sms(), chrono::Utc::now() - chrono::TimeDelta::minutes(5)).await.unwrap_err();
    assert!(err.may_have_been_taken(), "whether Twilio has the text is unknown: {err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "four pages, then it stops");
}

#[tokio::test]
async fn every_request_of_an_attempt_keeps_to_its_one_deadline() {
    let server = MockServer::start().await;
    // Each page answers well within the attempt's time; the pages together do not.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(busy_page(1)).set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201).set_body_json(created())).mount(&server).await;
    let sms = OutboundSms { deadline: Some(std::time::Instant::now() + Duration::from_millis(700)), ..sms() };

    let looked = sender(&server).find_sent(&sms, chrono::Utc::now() - chrono::TimeDelta::minutes(5)).await;
    let sent = sender(&server).send(&sms).await;

    assert!(looked.is_err_and(|e| e.may_have_been_taken()), "the lookup ran out of the attempt's time");
    assert!(sent.is_err_and(|e| e.may_have_been_taken()), "and nothing starts once it is over");
    let posts = server.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "POST").count();
    assert_eq!(posts, 0, "the send never reached Twilio after the deadline");
}
