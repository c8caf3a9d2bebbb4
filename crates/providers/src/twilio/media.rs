//! Fetching an inbound MMS's media: `GET` its Media URL with the account's credentials (Twilio enforces
//! Basic auth on media), following the redirect to the short-lived storage URL (reqwest drops the
//! credentials when the redirect leaves the API's host).

use secrecy::ExposeSecret;

use super::TwilioSender;

/// Why a media item could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Not one of this account's media: never fetched with its credentials.
    #[error("not a media URL of this account: {0}")]
    Foreign(String),
    /// Twilio answered that it is not there (deleted) or not ours to read: trying again cannot help.
    #[error("Twilio refused the media with HTTP {0}")]
    Refused(u16),
    /// Worth another try later: a timeout, a failed connection, a 5xx or a 429.
    #[error("the media could not be fetched now: {0}")]
    Unavailable(String),
}

impl TwilioSender {
    /// Starts downloading the media at `url`; the body is read from the response as it arrives.
    pub async fn fetch_media(&self, url: &str) -> Result<reqwest::Response, MediaError> {
        // Only this account's media, on the API host we were given: the account's credentials go nowhere else.
        let ours = format!("{}/2010-04-01/Accounts/{}/Messages/", self.api_base, self.credentials.account_sid);
        if !url.starts_with(&ours) || url.contains("/../") {
            return Err(MediaError::Foreign(url.chars().take(120).collect()));
        }
        let response = self
            .http
            .get(url)
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .send()
            .await
            .map_err(|e| MediaError::Unavailable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            Ok(response)
        } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(MediaError::Unavailable(format!("HTTP {status}")))
        } else {
            Err(MediaError::Refused(status.as_u16()))
        }
    }
}
