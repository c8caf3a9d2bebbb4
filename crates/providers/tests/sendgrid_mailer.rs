//! The SendGrid mailer against a mock v3 Mail Send API that behaves as SendGrid documents it: a bearer API
//! key or 401 with `errors`, 202 with an empty body when the message is taken, 400 with `errors` naming the
//! field, and 429 with `Retry-After` when throttled.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::SecretString;
use serde_json::{Value, json};
use smsagent_providers::email::{Email, MailError, Mailer, SendGridMailer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "SG.test-key";

/// Answers as SendGrid does, checking the key and the fields it requires.
struct SendGrid;

impl Respond for SendGrid {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let error = |status: u16, message: &str, field: Value| {
            ResponseTemplate::new(status)
                .set_body_json(json!({"errors": [{"message": message, "field": field, "help": null}]}))
        };
        let auth = request.headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {KEY}")) {
            return error(401, "The provided authorization grant is invalid, expired, or revoked", Value::Null);
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return error(400, "Bad Request", Value::Null);
        };
        let to = &body["personalizations"][0]["to"][0]["email"];
        if !to.as_str().is_some_and(|t| t.contains('@')) {
            return error(400, "Does not contain a valid address.", json!("personalizations.0.to.0.email"));
        }
        if body["from"]["email"].as_str().is_none() || body["subject"].as_str().is_none() {
            return error(400, "The from object must be provided for every email send.", json!("from"));
        }
        ResponseTemplate::new(202)
    }
}

fn email(to: &str) -> Email {
    Email {
        id: uuid::Uuid::now_v7(),
        to: to.into(),
        subject: "Appointment confirmed: Thursday, December 3 at 9:30 AM".into(),
        body: "Hello Maria,".into(),
        invite: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into()),
    }
}

async fn sendgrid() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v3/mail/send")).respond_with(SendGrid).mount(&server).await;
    server
}

#[tokio::test]
async fn a_message_is_sent_with_its_invite_attached() {
    let server = sendgrid().await;
    let mailer = SendGridMailer::new(&server.uri(), SecretString::from(KEY), "bookings@casadental.test");
    mailer.send(&email("maria@example.com")).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["from"]["email"], "bookings@casadental.test");
    assert_eq!(body["content"][0], json!({"type": "text/plain", "value": "Hello Maria,"}));
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["type"], "text/calendar; method=REQUEST");
    assert_eq!(attachment["filename"], "invite.ics");
    let invite = BASE64.decode(attachment["content"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8(invite).unwrap().contains("METHOD:REQUEST"));
}

#[tokio::test]
async fn a_refusal_names_sendgrids_reason_and_a_bad_key_is_refused() {
    let server = sendgrid().await;
    let mailer = SendGridMailer::new(&server.uri(), SecretString::from(KEY), "bookings@casadental.test");
    let refused = mailer.send(&email("not-an-address")).await.unwrap_err();
    assert!(
        matches!(&refused, MailError::Rejected(reason) if reason.contains("400") && reason.contains("valid address")),
        "{refused:?}"
    );
    let wrong_key = SendGridMailer::new(&server.uri(), SecretString::from("SG.wrong"), "bookings@casadental.test");
    let refused = wrong_key.send(&email("maria@example.com")).await.unwrap_err();
    assert!(matches!(&refused, MailError::Rejected(reason) if reason.contains("401")), "{refused:?}");
}

#[tokio::test]
async fn throttling_and_server_errors_are_tried_again_when_sendgrid_says() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(429)
        .insert_header("Retry-After", "7")
        .set_body_json(json!({"errors": [{"message": "too many requests", "field": null, "help": null}]}));
    Mock::given(method("POST")).respond_with(throttled).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let mailer = SendGridMailer::new(&server.uri(), SecretString::from(KEY), "bookings@casadental.test");

    let first = mailer.send(&email("maria@example.com")).await.unwrap_err();
    assert_eq!(
        first,
        MailError::Transient {
            reason: "SendGrid HTTP 429 Too Many Requests: too many requests".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    let second = mailer.send(&email("maria@example.com")).await.unwrap_err();
    assert!(matches!(second, MailError::Transient { retry_after: None, .. }), "{second:?}");
}
