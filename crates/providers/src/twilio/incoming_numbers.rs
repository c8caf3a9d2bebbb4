//! Pointing a Twilio number's "A message comes in" webhook at this service, through the IncomingPhoneNumbers
//! API: find the number's PN… sid in the account, then set its `SmsUrl` and `SmsMethod`.

use secrecy::ExposeSecret;
use serde::Deserialize;
use smsagent_domain::PhoneNumber;

use super::TwilioCredentials;
use crate::http;

/// Why a number's webhook could not be set.
#[derive(Debug, thiserror::Error)]
pub enum NumberSetupError {
    #[error("the number is not in this Twilio account")]
    NotInAccount,
    #[error("Twilio answered {status}: {message}")]
    Refused { status: u16, message: String },
    #[error("Twilio could not be reached: {0}")]
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub struct TwilioNumbers {
    http: reqwest::Client,
    account_url: String,
    credentials: TwilioCredentials,
}

#[derive(Debug, Deserialize)]
struct NumberList {
    incoming_phone_numbers: Vec<IncomingNumber>,
}

#[derive(Debug, Deserialize)]
struct IncomingNumber {
    sid: String,
}

impl TwilioNumbers {
    /// `api_base` is `https://api.twilio.com` in production, a mock's address in tests.
    pub fn new(credentials: TwilioCredentials, api_base: &str) -> Self {
        let account_url = format!("{}/2010-04-01/Accounts/{}", api_base.trim_end_matches('/'), credentials.account_sid);
        TwilioNumbers { http: http::client(http::PROVIDER_WAIT), account_url, credentials }
    }

    /// Makes Twilio POST the texts `number` receives to `webhook_url`.
    pub async fn point_sms_webhook(&self, number: &PhoneNumber, webhook_url: &str) -> Result<(), NumberSetupError> {
        let list = self
            .http
            .get(format!("{}/IncomingPhoneNumbers.json", self.account_url))
            .query(&[("PhoneNumber", number.as_str())])
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .send()
            .await
            .map_err(|e| NumberSetupError::Unreachable(e.to_string()))?;
        let list: NumberList = answer(list).await?;
        let sid = list.incoming_phone_numbers.into_iter().next().ok_or(NumberSetupError::NotInAccount)?.sid;
        let updated = self
            .http
            .post(format!("{}/IncomingPhoneNumbers/{sid}.json", self.account_url))
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .form(&[("SmsUrl", webhook_url), ("SmsMethod", "POST")])
            .send()
            .await
            .map_err(|e| NumberSetupError::Unreachable(e.to_string()))?;
        answer::<serde_json::Value>(updated).await.map(|_| ())
    }
}

/// A successful answer's JSON, or Twilio's own message for a refusal.
async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, NumberSetupError> {
    let status = response.status();
    let body = response.bytes().await.map_err(|e| NumberSetupError::Unreachable(e.to_string()))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
        return Err(NumberSetupError::Refused { status: status.as_u16(), message });
    }
    serde_json::from_slice(&body)
        .map_err(|e| NumberSetupError::Refused { status: status.as_u16(), message: e.to_string() })
}
