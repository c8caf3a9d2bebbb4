//! Sending through Twilio's Messages API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), and
//! finding a text an earlier attempt may have left there (`GET` on the same list).
//!
//! The Messages API has no idempotency key: a request whose answer was lost (a timeout, a killed worker)
//! may or may not have created a message. Before sending again, the worker asks the list for a message
//! with the same sender, recipient and body created since the first attempt.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use smsagent_domain::{MessageStatus, SendReceipt};

use super::{looked_too_far, reaches_back, refusal};
use crate::sender::within;
use crate::{OutboundSms, SendError, SmsSender, http};

/// The account's SID and auth token (the token also signs Twilio's webhooks).
#[derive(Debug, Clone)]
pub struct TwilioCredentials {
    pub account_sid: String,
    pub auth_token: SecretString,
}

/// How many pages of a contact's messages (newest first) are read looking for an earlier attempt's text.
const LOOKUP_PAGES: usize = 4;
const LOOKUP_PAGE_SIZE: &str = "50";

#[derive(Debug, Clone)]
pub struct TwilioSender {
    pub(super) http: reqwest::Client,
    pub(super) api_base: String,
    messages_url: String,
    pub(super) credentials: TwilioCredentials,
}

impl TwilioSender {
    /// `api_base` is `https://api.twilio.com` in production, a mock's address in tests.
    pub fn new(credentials: TwilioCredentials, api_base: &str) -> Self {
        let api_base = api_base.trim_end_matches('/').to_owned();
        let messages_url = format!("{api_base}/2010-04-01/Accounts/{}/Messages.json", credentials.account_sid);
        TwilioSender { http: http::client(http::PROVIDER_WAIT), api_base, messages_url, credentials }
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.get(url).basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
    }
}

#[async_trait]
impl SmsSender for TwilioSender {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError> {
        let (to, from) = (sms.to_address(), sms.from_address());
        let mut form = vec![("To", to.as_str()), ("From", from.as_str()), ("Body", sms.body.as_str())];
        if let Some(callback) = &sms.status_callback {
            form.push(("StatusCallback", callback));
        }
        // Twilio takes 1 to 36,000 seconds.
        let validity = sms.validity.map(|v| v.as_secs().clamp(1, 36_000).to_string());
        if let Some(validity) = &validity {
            form.push(("ValidityPeriod", validity));
        }
        let request = self
            .http
            .post(&self.messages_url)
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            .form(&form);
        let response = within(request, sms)?.send().await.map_err(|e| SendError::from_transport(&e))?;

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
        Err(refusal(status, &headers, body))
    }

    async fn find_sent(&self, sms: &OutboundSms, since: DateTime<Utc>) -> Result<Vec<SendReceipt>, SendError> {
        let (to, from) = (sms.to_address(), sms.from_address());
        let query = [("To", to.as_str()), ("From", from.as_str()), ("PageSize", LOOKUP_PAGE_SIZE)];
        let mut url = url::Url::parse(&self.messages_url)
            .map_err(|e| SendError::Misconfigured(format!("the Twilio API address is not a URL: {e}")))?;
        url.query_pairs_mut().extend_pairs(query);
        let mut url = url.to_string();
        let mut found = Vec::new();
        for _ in 0..LOOKUP_PAGES {
            let response = within(self.get(&url), sms)?.send().await.map_err(|e| SendError::from_transport(&e))?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await;
            if !status.is_success() {
                return Err(refusal(status, &headers, body));
            }
            let page: MessagePage = body
                .map_err(|e| SendError::from_transport(&e))
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| unreadable_page(&e)))?;
            // Newest first (by when sent; a message still queued may sit anywhere): only a whole page from
            // before the first attempt says nothing later is left to find.
            let done = reaches_back(page.messages.iter().map(MessageResource::created), since);
            found.extend(page.messages.into_iter().filter(|m| m.is_attempt_of(sms, since)));
            match page.next_page_uri {
                Some(next) if !done => url = format!("{}{next}", self.api_base),
                _ => {
                    found.reverse();
                    return Ok(found.into_iter().map(MessageResource::into_receipt).collect());
                }
            }
        }
        Err(looked_too_far())
    }
}

fn unreadable_page(error: &serde_json::Error) -> SendError {
    // Without the list, whether an earlier attempt went through is unknown: try again later, never blind.
    SendError::Unanswered { reason: format!("Twilio's message list was unreadable: {error}"), retry_after: None }
}

/// A page of the Messages list, newest first.
#[derive(Debug, Deserialize)]
struct MessagePage {
    messages: Vec<MessageResource>,
    /// The next page's path and query, on the API's host; `null` on the last page.
    next_page_uri: Option<String>,
}

/// The message resource Twilio answers with (201 Created), and lists.
#[derive(Debug, Deserialize)]
struct MessageResource {
    sid: String,
    status: String,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    body: Option<String>,
    num_segments: Option<String>,
    price: Option<String>,
    price_unit: Option<String>,
    date_created: Option<String>,
    date_sent: Option<String>,
    date_updated: Option<String>,
}

impl MessageResource {
    fn created(&self) -> Option<DateTime<Utc>> {
        rfc2822(self.date_created.clone())
    }

    /// Whether this is a text we sent with `sms`'s sender, recipient and body, created since `since`.
    fn is_attempt_of(&self, sms: &OutboundSms, since: DateTime<Utc>) -> bool {
        self.direction.as_deref().is_some_and(|d| d.starts_with("outbound"))
            && self.to.as_deref() == Some(sms.to_address().as_str())
            && self.from.as_deref() == Some(sms.from_address().as_str())
            && self.body.as_deref() == Some(sms.body.as_str())
            && self.created().is_some_and(|at| at >= since)
    }

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
