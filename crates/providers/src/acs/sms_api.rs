//! Sending through the ACS SMS API (`POST {endpoint}/sms?api-version=2021-03-07`).
//!
//! Every text asks for a delivery report, tags itself with our message id (reports carry the tag back, so
//! a report that beats our bookkeeping still finds its message) and carries a repeatability id that is the
//! same on every attempt, so a retried send is never delivered twice.

use async_trait::async_trait;
use chrono::Utc;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;
use smsagent_domain::{MessageStatus, SendReceipt};
use url::Url;

use super::{AcsCredentials, ManagedIdentity, sign};
use crate::sender::within;
use crate::{OutboundSms, SendError, SmsSender, http};

const API_VERSION: &str = "2021-03-07";

/// How requests to ACS are authenticated.
#[derive(Debug)]
pub enum AcsAuth {
    /// HMAC-SHA256 with the access key from the connection string.
    Key(AcsCredentials),
    /// An Entra ID bearer token from a managed identity.
    Identity { endpoint: String, identity: ManagedIdentity },
}

#[derive(Debug)]
pub struct AcsSender {
    http: reqwest::Client,
    auth: AcsAuth,
}

impl AcsSender {
    pub fn new(auth: AcsAuth) -> Self {
        AcsSender { http: http::client(http::PROVIDER_WAIT), auth }
    }

    fn endpoint(&self) -> &str {
        match &self.auth {
            AcsAuth::Key(credentials) => &credentials.endpoint,
            AcsAuth::Identity { endpoint, .. } => endpoint,
        }
    }
}

#[derive(Debug, Deserialize)]
struct SendResponse {
    value: Vec<RecipientResult>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecipientResult {
    message_id: Option<String>,
    http_status_code: u16,
    successful: bool,
    error_message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    error: Option<ErrorDetail>,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDetail {
    code: Option<String>,
    message: Option<String>,
}

#[async_trait]
impl SmsSender for AcsSender {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError> {
        let body = serde_json::to_vec(&json!({
            "from": sms.from.as_str(),
            "smsRecipients": [{
                "to": sms.to.as_str(),
                "repeatabilityRequestId": sms.id,
                "repeatabilityFirstSent": sms.first_attempt_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            }],
            "message": sms.body,
            "smsSendOptions": {"enableDeliveryReport": true, "tag": sms.id.to_string()},
        }))
        .map_err(|e| SendError::Misconfigured(e.to_string()))?;
        let url = format!("{}/sms?api-version={API_VERSION}", self.endpoint());
        let parsed =
            Url::parse(&url).map_err(|e| SendError::Misconfigured(format!("the ACS endpoint is not a URL: {e}")))?;
        // Exactly the Host header the client sends: the port only when it is not the scheme's default.
        let host = match parsed.port() {
            Some(port) => format!("{}:{port}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_owned(),
        };

        let mut request = self.http.post(&url).header("content-type", "application/json");
        match &self.auth {
            AcsAuth::Key(credentials) => {
                let path = format!("{}?{}", parsed.path(), parsed.query().unwrap_or_default());
                let signed = sign(credentials.access_key.expose_secret(), "POST", &path, &host, &body, Utc::now());
                request = request
                    .header("x-ms-date", signed.date)
                    .header("x-ms-content-sha256", signed.content_sha256)
                    .header("Authorization", signed.authorization);
            }
            AcsAuth::Identity { identity, .. } => {
                let token = identity.token().await?;
                request = request.bearer_auth(token.expose_secret());
            }
        }
        let response = within(request.body(body), sms)?.send().await.map_err(|e| SendError::from_transport(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await;

        if status.is_success() {
            let Some(result) = bytes
                .ok()
                .and_then(|b| serde_json::from_slice::<SendResponse>(&b).ok())
                .and_then(|r| r.value.into_iter().next())
            else {
                tracing::warn!(%status, "ACS accepted a request but its answer was unreadable");
                return Ok(SendReceipt::accepted_without_details());
            };
            if result.successful {
                return Ok(SendReceipt {
                    message_sid: result.message_id,
                    // Twilio's word for a text taken but not yet sent, as the status column speaks Twilio.
                    status: MessageStatus::Queued,
                    num_segments: None,
                    price: None,
                    price_unit: None,
                    date_created: Some(Utc::now()),
                    date_sent: None,
                    date_updated: None,
                });
            }
            // A 202 can still refuse this recipient; its own status says how.
            let message = result.error_message.unwrap_or_else(|| "refused".into());
            let per_recipient =
                reqwest::StatusCode::from_u16(result.http_status_code).unwrap_or(reqwest::StatusCode::BAD_REQUEST);
            return Err(SendError::from_status(
                per_recipient,
                &headers,
                Some(result.http_status_code.to_string()),
                message,
                false,
            ));
        }
        let bytes = bytes.map_err(|e| SendError::from_transport(&e))?;
        let error = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_default().error.unwrap_or_default();
        let message = error.message.unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
        Err(SendError::from_status(status, &headers, error.code, message, false))
    }
}
