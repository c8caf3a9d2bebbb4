//! The ACS sender against a mock SMS API that authenticates as ACS does: it recomputes the HMAC from what it
//! received and refuses a request whose signature, date or body hash does not match (docs/acs.md#hmac-authentication).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use smsagent_domain::{MessageStatus, PhoneNumber};
use smsagent_providers::acs::{AcsAuth, AcsCredentials, AcsSender, ManagedIdentity};
use smsagent_providers::{OutboundSms, SendError, SmsSender};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "c2VjcmV0LWtleS1mb3ItdGVzdHM="; // base64 of "secret-key-for-tests"

fn sms() -> OutboundSms {
    OutboundSms {
        id: uuid::Uuid::now_v7(),
        first_attempt_at: Utc::now(),
        from: PhoneNumber::parse("+18005550100").unwrap(),
        to: PhoneNumber::parse("+15555550123").unwrap(),
        body: "Hello world".into(),
        status_callback: None,
        conversation: None,
        deadline: None,
        whatsapp: false,
        validity: None,
    }
}

fn keyed(server: &MockServer) -> AcsSender {
    let connection = SecretString::from(format!("endpoint={}/;accesskey={KEY}", server.uri()));
    AcsSender::new(AcsAuth::Key(AcsCredentials::from_connection_string(&connection).unwrap()))
}

fn denied() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .set_body_json(json!({"error": {"code": "Denied", "message": "Denied by the resource provider."}}))
}

/// The SMS API: checks the HMAC as ACS does, then accepts every recipient (or answers `per_recipient`).
struct MockAcs {
    per_recipient: Option<Value>,
}

impl Respond for MockAcs {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header =
            |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let content_hash = BASE64.encode(Sha256::digest(&request.body));
        if header("x-ms-content-sha256") != content_hash {
            return denied();
        }
        let path_and_query = format!("{}?{}", request.url.path(), request.url.query().unwrap_or_default());
        let to_sign = format!("POST\n{path_and_query}\n{};{};{content_hash}", header("x-ms-date"), header("host"));
        let mut mac = Hmac::<Sha256>::new_from_slice(&BASE64.decode(KEY).unwrap()).unwrap();
        mac.update(to_sign.as_bytes());
        let expected = format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
            BASE64.encode(mac.finalize().into_bytes())
        );
        if header("authorization") != expected {
            return denied();
        }
        let body: Value = request.body_json().unwrap();
        let to = body["smsRecipients"][0]["to"].clone();
        let result = self.per_recipient.clone().unwrap_or_else(|| {
            json!({"to": to, "messageId": "Outgoing_20200610203725bfd4ba70-70bf-4f77-925d-c0bdb5161bb3", "httpStatusCode": 202, "successful": true})
        });
        ResponseTemplate::new(202).set_body_json(json!({"value": [result]}))
    }
}

#[tokio::test]
async fn a_signed_send_is_accepted_with_a_delivery_report_tag_and_repeatability() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(MockAcs { per_recipient: None })
        .expect(2)
        .mount(&server)
        .await;

    let text = sms();
    let receipt = keyed(&server).send(&text).await.unwrap();
    assert_eq!(receipt.message_sid.as_deref(), Some("Outgoing_20200610203725bfd4ba70-70bf-4f77-925d-c0bdb5161bb3"));
    assert_eq!(receipt.status, MessageStatus::Queued);
    // A retry of the same text.
    keyed(&server).send(&text).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let bodies: Vec<Value> = requests.iter().map(|r| r.body_json().unwrap()).collect();
    assert_eq!(requests[0].url.query(), Some("api-version=2021-03-07"));
    assert_eq!(bodies[0]["smsSendOptions"], json!({"enableDeliveryReport": true, "tag": text.id.to_string()}));
    assert_eq!(bodies[0]["smsRecipients"][0]["repeatabilityRequestId"], text.id.to_string());
    assert_eq!(
        bodies[0]["smsRecipients"][0], bodies[1]["smsRecipients"][0],
        "a retry reuses the repeatability id and first-sent date"
    );
    let first_sent = bodies[0]["smsRecipients"][0]["repeatabilityFirstSent"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc2822(first_sent).is_ok(), "RFC 1123: {first_sent}");
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_that_is_a_configuration_problem() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(MockAcs { per_recipient: None }).mount(&server).await;
    let connection = SecretString::from(format!("endpoint={}/;accesskey={}", server.uri(), BASE64.encode("wrong")));
    let sender = AcsSender::new(AcsAuth::Key(AcsCredentials::from_connection_string(&connection).unwrap()));
    let err = sender.send(&sms()).await.unwrap_err();
    assert!(matches!(err, SendError::Misconfigured(ref m) if m.contains("Denied")), "{err:?}");
}

#[tokio::test]
async fn a_refused_recipient_inside_a_202_is_a_rejection() {
    let server = MockServer::start().await;
    let refusal = json!({"to": "+15555550123", "httpStatusCode": 400, "errorMessage": "Invalid To phone number format.", "successful": false});
    Mock::given(method("POST")).respond_with(MockAcs { per_recipient: Some(refusal) }).mount(&server).await;
    let err = keyed(&server).send(&sms()).await.unwrap_err();
    assert_eq!(
        err,
        SendError::Rejected {
            code: Some("400".into()),
            message: "Invalid To phone number format.".into(),
            opted_out: false
        }
    );
}

#[tokio::test]
async fn a_recipient_the_service_could_not_reach_is_retried() {
    let server = MockServer::start().await;
    let busy =
        json!({"to": "+15555550123", "httpStatusCode": 503, "errorMessage": "ServiceUnavailable", "successful": false});
    Mock::given(method("POST")).respond_with(MockAcs { per_recipient: Some(busy) }).mount(&server).await;
    assert!(matches!(keyed(&server).send(&sms()).await, Err(SendError::Transient { .. })));
}

#[tokio::test]
async fn throttling_is_retried_after_the_time_asked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "slow down"}})),
        )
        .mount(&server)
        .await;
    let err = keyed(&server).send(&sms()).await.unwrap_err();
    assert!(matches!(err, SendError::Transient { retry_after: Some(d), .. } if d.as_secs() == 7), "{err:?}");
}

/// An identity endpoint (the metadata service's shape) issuing token-1, token-2… each valid for `lifetime`
/// seconds, and an SMS API taking any bearer token; returns a sender using them.
async fn identity_and_acs(server: &MockServer, lifetime: i64) -> AcsSender {
    let issued = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .respond_with(move |request: &Request| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            assert_eq!(request.headers.get("Metadata").unwrap(), "true");
            assert_eq!(
                request.url.query(),
                Some("api-version=2018-02-01&resource=https%3A%2F%2Fcommunication.azure.com%2F")
            );
            let expires = (Utc::now().timestamp() + lifetime).to_string();
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": format!("token-{n}"), "expires_on": expires, "token_type": "Bearer"}),
            )
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"value": [
            {"to": "+15555550123", "messageId": "Outgoing_1", "httpStatusCode": 202, "successful": true}
        ]})))
        .mount(server)
        .await;
    let identity = ManagedIdentity::new(&format!("{}/metadata/identity/oauth2/token", server.uri()), None);
    AcsSender::new(AcsAuth::Identity { endpoint: server.uri(), identity })
}

async fn bearer_tokens_shown(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.url.path() == "/sms")
        .map(|r| r.headers.get("authorization").unwrap().to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn with_only_an_endpoint_a_managed_identity_token_is_used_and_reused() {
    let server = MockServer::start().await;
    let sender = identity_and_acs(&server, 3600).await;
    sender.send(&sms()).await.unwrap();
    sender.send(&sms()).await.unwrap();
    assert_eq!(bearer_tokens_shown(&server).await, ["Bearer token-1", "Bearer token-1"], "cached while valid");
}

#[tokio::test]
async fn a_token_close_to_expiry_is_renewed_before_use() {
    let server = MockServer::start().await;
    // Two minutes left is inside the renewal margin: each send fetches a fresh token.
    let sender = identity_and_acs(&server, 120).await;
    sender.send(&sms()).await.unwrap();
    sender.send(&sms()).await.unwrap();
    assert_eq!(bearer_tokens_shown(&server).await, ["Bearer token-1", "Bearer token-2"]);
}
