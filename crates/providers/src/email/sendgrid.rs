//! Sending through SendGrid's v3 Mail Send API (`POST /v3/mail/send`, a bearer API key), as the
//! receptionist seed does. 202 is taken; 429 is retried after its `Retry-After` (or the rate limit's
//! reset); other 4xx are refused for good, and 5xx retried.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::{Email, MailError, Mailer};
use crate::sender::parse_retry_after;

#[derive(Debug, Clone)]
pub struct SendGridMailer {
    client: reqwest::Client,
    base: String,
    key: SecretString,
    from: String,
}

impl SendGridMailer {
    pub fn new(base: &str, key: SecretString, from: &str) -> SendGridMailer {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        SendGridMailer { client, base: base.trim_end_matches('/').to_owned(), key, from: from.to_owned() }
    }

    fn body(&self, email: &Email) -> Value {
        let mut body = json!({
            "personalizations": [{"to": [{"email": email.to}]}],
            "from": {"email": self.from},
            "subject": email.subject,
            "content": [{"type": "text/plain", "value": email.body}],
            "custom_args": {"smsagent_email_id": email.id.to_string()},
        });
        if let Some(invite) = &email.invite {
            body["attachments"] = json!([{
                "content": base64::engine::general_purpose::STANDARD.encode(invite),
                "type": format!("text/calendar; method={}", email.invite_method().unwrap_or("PUBLISH")),
                "filename": "invite.ics",
                "disposition": "attachment",
            }]);
        }
        body
    }
}

#[async_trait]
impl Mailer for SendGridMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let response = self
            .client
            .post(format!("{}/v3/mail/send", self.base))
            .bearer_auth(self.key.expose_secret())
            .json(&self.body(email))
            .send()
            .await
            .map_err(|e| MailError::Transient { reason: format!("SendGrid: {e}"), retry_after: None })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let headers = response.headers().clone();
        let detail = response.json::<Value>().await.ok().and_then(|body| {
            let messages: Vec<&str> = body["errors"].as_array()?.iter().filter_map(|e| e["message"].as_str()).collect();
            Some(messages.join("; "))
        });
        let reason = format!("SendGrid HTTP {status}: {}", detail.unwrap_or_default());
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let now = chrono::Utc::now();
            let retry_after = parse_retry_after(&headers, now).or_else(|| reset_in(&headers, now));
            return Err(MailError::Transient { reason, retry_after });
        }
        Err(MailError::Rejected(reason))
    }
}

/// SendGrid's `X-RateLimit-Reset`: when the limit resets, in Unix seconds.
fn reset_in(headers: &reqwest::header::HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let reset: i64 = headers.get("x-ratelimit-reset")?.to_str().ok()?.parse().ok()?;
    let seconds = reset - now.timestamp();
    Some(Duration::from_secs(seconds.clamp(1, 3600) as u64))
}
