//! Sending through Twilio's Messages API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use smsagent_domain::{MessageStatus, SendReceipt};

use crate::{OutboundSms, SendError, SmsSender, http};

/// Twilio's error code for "Attempt to send to unsubscribed recipient": the contact texted STOP.
pub(crate) const OPTED_OUT_CODE: &str = "21610";

/// The account's SID and auth token (the token also signs Twilio's webhooks).
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    pub account_sid: String,
    pub auth_token: SecretString,
}

#[derive(Debug, Clone)]
pub struct TwilioSender {
    http: reqwest::Client,
    messages_url: String,
    credentials: TwilioCredentials,
}

impl TwilioSender {
    /// `api_base` is `https://api.twilio.com` in production, a mock's address in tests.
    pub fn new(credentials: TwilioCredentials, api_base: &str) -> Self {
        let messages_url =
            format!("{}/2010-04-01/Accounts/{}/Messages.json", api_base.trim_end_matches('/'), credentials.account_sid);
        TwilioSender { http: http::client(Duration::from_secs(15)), messages_url, credentials }
    }
}

#[async_trait]
impl SmsSender for TwilioSender {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError> {
        let mut form = vec![("To", sms.to.as_str()), ("From", sms.from.as_str()), ("Body", sms.body.as_str())];
        if let Some(callback) = &sms.status_callback {
            form.push(("StatusCallback", callback));
        }
        let response = self
            .http
            .post(&self.messages_url)
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| SendError::from_transport(&e))?;

        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        if status.is_success() {
            // Twilio has the message now; whatever happens to its answer, sending again would send twice.
            let resource = body.ok().and_then(|b| serde_json::from_slice::<MessageResource>(&b).ok());
            return Ok(match resource {
                Some(resource) => resource.into_receipt(),
                None => {
                    tracing::warn!(%status, "Twilio accepted a message but its answer was unreadable");
                    SendReceipt::accepted_without_details()
                }
            });
        }
        let body = body.map_err(|e| SendError::from_transport(&e))?;
        let error: TwilioError = serde_json::from_slice(&body).unwrap_or_default();
        let code = error.code.map(|c| c.to_string());
        let opted_out = code.as_deref() == Some(OPTED_OUT_CODE);
        let message = error.message.unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
        Err(SendError::from_status(status, &headers, code, message, opted_out))
    }
}

/// The message resource Twilio answers with (201 Created).
#[derive(Debug, Deserialize)]
struct MessageResource {
    sid: String,
    status: String,
    num_segments: Option<String>,
    price: Option<String>,
    price_unit: Option<String>,
    date_created: Option<String>,
    date_sent: Option<String>,
    date_updated: Option<String>,
}

impl MessageResource {
    fn into_receipt(self) -> SendReceipt {
        SendReceipt {
            message_sid: Some(self.sid),
            // A status we do not know yet still means Twilio took the message.
            status: MessageStatus::parse(&self.status).unwrap_or(MessageStatus::Accepted),
            num_segments: self.num_segments.and_then(|n| n.parse().ok()),
            price: self.price,
            price_unit: self.price_unit,
            date_created: rfc2822(self.date_created),
            date_sent: rfc2822(self.date_sent),
            date_updated: rfc2822(self.date_updated),
        }
    }
}

fn rfc2822(value: Option<String>) -> Option<DateTime<Utc>> {
    value.and_then(|v| DateTime::parse_from_rfc2822(&v).ok()).map(|d| d.with_timezone(&Utc))
}

/// Twilio's v2010 error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
#[derive(Debug, Default, Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}
