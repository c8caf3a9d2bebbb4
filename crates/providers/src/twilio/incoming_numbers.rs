//! Twilio's IncomingPhoneNumbers API: whether the account holds a number (a tenant may only register a
//! number the account has), and pointing its "A message comes in" webhook at this service (find the
//! number's PN… sid, then set its `SmsUrl` and `SmsMethod`).

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
    /// Twilio's own error message when it gave one; whatever else it sent is logged, not passed on.
    #[error("Twilio answered HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Refused { status: u16, message: Option<String> },
    /// Details (addresses with our account in them) are logged, not passed on.
    #[error("Twilio could not be reached")]
    Unreachable,
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

    /// The number's PN… sid in the account; `None` when the account does not hold it.
    pub async fn find(&self, number: &PhoneNumber) -> Result<Option<String>, NumberSetupError> {
        let list = self
            .http
            .get(format!("{}/IncomingPhoneNumbers.json", self.account_url))
            .query(&[("PhoneNumber", number.as_str())])
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .send()
            .await
            .map_err(unreachable)?;
        let list: NumberList = answer(list).await?;
        Ok(list.incoming_phone_numbers.into_iter().next().map(|n| n.sid))
    }

    /// Makes Twilio POST the texts `number` receives to `webhook_url`.
    pub async fn point_sms_webhook(&self, number: &PhoneNumber, webhook_url: &str) -> Result<(), NumberSetupError> {
        let sid = self.find(number).await?.ok_or(NumberSetupError::NotInAccount)?;
        let updated = self
            .http
            .post(format!("{}/IncomingPhoneNumbers/{sid}.json", self.account_url))
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .form(&[("SmsUrl", webhook_url), ("SmsMethod", "POST")])
            .send()
            .await
            .map_err(unreachable)?;
        answer::<serde_json::Value>(updated).await.map(|_| ())
    }
}

fn unreachable(error: reqwest::Error) -> NumberSetupError {
    tracing::warn!(error = %error, "Twilio's IncomingPhoneNumbers API could not be reached");
    NumberSetupError::Unreachable
}

/// A successful answer's JSON, or Twilio's own message for a refusal. Anything else Twilio sends (an HTML
/// error page from a proxy) is logged, not passed on.
async fn answer<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, NumberSetupError> {
    let status = response.status();
    let body = response.bytes().await.map_err(unreachable)?;
    let refused = |body: &[u8]| {
        let message = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned));
        if message.is_none() {
            let raw: String = String::from_utf8_lossy(body).chars().take(500).collect();
            tracing::warn!(%status, body = raw, "Twilio's IncomingPhoneNumbers API answered without its error message");
        }
        NumberSetupError::Refused { status: status.as_u16(), message }
    };
    if !status.is_success() {
        return Err(refused(&body));
    }
    serde_json::from_slice(&body).map_err(|_| refused(&body))
}
