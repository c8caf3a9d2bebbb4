use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use smsagent_domain::{PhoneNumber, SendReceipt};
use uuid::Uuid;

/// A text to hand to a provider.
#[derive(Debug, Clone)]
pub struct OutboundSms {
    /// Our id for the message: the same on every attempt to send it.
    pub id: Uuid,
    /// When the first attempt to send the message began (providers that dedupe retries want it).
    pub first_attempt_at: DateTime<Utc>,
    pub from: PhoneNumber,
    pub to: PhoneNumber,
    pub body: String,
    /// Where the provider should report delivery, when it reports by callback.
    pub status_callback: Option<String>,
    /// The provider's conversation to post into, for channels that have them (Twilio Conversations CH…).
    pub conversation: Option<String>,
    /// When this attempt must be over: every request of it (a lookup's pages, the send) ends by then, and
    /// none starts after, so a worker's calls end before its lease does. `None`: the sender's own limits.
    pub deadline: Option<std::time::Instant>,
    /// On WhatsApp (Twilio's `whatsapp:` addresses) rather than SMS.
    pub whatsapp: bool,
    /// How long the provider may hold the text before giving up on it (Twilio's `ValidityPeriod`), so it
    /// cannot arrive in the recipient's night; `None`: the provider's default.
    pub validity: Option<std::time::Duration>,
}

impl OutboundSms {
    /// The recipient as the provider addresses them: `whatsapp:+1…` on WhatsApp.
    pub fn to_address(&self) -> String {
        address(&self.to, self.whatsapp)
    }

    /// The sender as the provider addresses it.
    pub fn from_address(&self) -> String {
        address(&self.from, self.whatsapp)
    }
}

fn address(number: &PhoneNumber, whatsapp: bool) -> String {
    if whatsapp { format!("whatsapp:{}", number.as_str()) } else { number.as_str().to_owned() }
}

/// Why a provider did not take a message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// The provider refused this message for good: a bad number, an opted-out recipient. Retrying cannot help.
    #[error("rejected ({code:?}): {message}")]
    Rejected { code: Option<String>, message: String, opted_out: bool },
    /// The provider did not take the message this time, and said so; worth another try later: rate limits,
    /// a service unavailable, a connection refused.
    #[error("temporary failure: {reason}")]
    Transient { reason: String, retry_after: Option<Duration> },
    /// No answer said what became of the message: a timeout, a dropped connection, a server error that can
    /// come after the message was taken. Worth another try, after asking the provider whether it has the
    /// message ([`SmsSender::find_sent`]).
    #[error("no answer: {reason}")]
    Unanswered { reason: String, retry_after: Option<Duration> },
    /// Our credentials or settings are wrong; nothing will go out until a person fixes them.
    #[error("provider refused our credentials or settings: {0}")]
    Misconfigured(String),
}

impl SendError {
    /// Classes a failed exchange by its HTTP status, as every provider's REST API means them. A 429 (Twilio:
    /// "never processed and is always safe to retry"), a 503 and a 408 were not acted on; other server
    /// errors leave it open.
    pub(crate) fn from_status(
        status: reqwest::StatusCode,
        headers: &HeaderMap,
        code: Option<String>,
        message: String,
        opted_out: bool,
    ) -> Self {
        let reason = format!("HTTP {status}: {message}");
        let retry_after = parse_retry_after(headers, Utc::now());
        match status.as_u16() {
            401 | 403 | 404 => SendError::Misconfigured(reason),
            408 | 409 | 425 | 429 | 503 => SendError::Transient { reason, retry_after },
            500..=599 => SendError::Unanswered { reason, retry_after },
            _ => SendError::Rejected { code, message, opted_out },
        }
    }

    /// A request that got no answer. One that never connected never reached the provider; after anything
    /// else (a timeout above all) the provider may or may not have the message.
    pub(crate) fn from_transport(error: &reqwest::Error) -> Self {
        let reason = format!("no answer from the provider: {error}");
        if error.is_connect() {
            SendError::Transient { reason, retry_after: None }
        } else {
            SendError::Unanswered { reason, retry_after: None }
        }
    }

    /// Whether the provider may have taken the message all the same.
    pub fn may_have_been_taken(&self) -> bool {
        matches!(self, SendError::Unanswered { .. })
    }
}

/// The longest wait a `Retry-After` can ask for; anything longer (or nonsensical) is read as this.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Reads `Retry-After` as seconds or as an HTTP date; `retry-after-ms` too, as Azure sends it.
pub fn parse_retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let seconds =
        |s: f64| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(LONGEST_RETRY_AFTER).min(LONGEST_RETRY_AFTER);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()).filter(|v| !v.is_nan()) {
        return Some(seconds(ms / 1000.0));
    }
    let value = header(RETRY_AFTER.as_str())?;
    if let Ok(secs) = value.parse::<f64>() {
        return (!secs.is_nan()).then(|| seconds(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok().or(Some(Duration::ZERO))
}

/// Sends texts through one provider.
#[async_trait]
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError>;

    /// The texts the provider holds that an earlier attempt to send `sms`, begun no earlier than `since`,
    /// may have left there (same sender, recipient and body), oldest first. Asked before sending again
    /// after an attempt whose outcome was lost, so that a text the provider took is recorded, not sent
    /// twice. Providers that recognise a repeated request themselves (ACS) find nothing and are sent to
    /// again.
    async fn find_sent(&self, _sms: &OutboundSms, _since: DateTime<Utc>) -> Result<Vec<SendReceipt>, SendError> {
        Ok(Vec::new())
    }
}

/// The least time worth starting a request with.
const LEAST_WAIT: Duration = Duration::from_millis(100);

/// `request` bounded by what is left of `sms`'s attempt, when that is shorter than a provider's usual wait;
/// refused when too little is left to start it. Nothing is known to have reached the provider then either,
/// so it is a lost outcome, not a refusal: the next attempt asks first.
pub(crate) fn within(
    request: reqwest::RequestBuilder,
    sms: &OutboundSms,
) -> Result<reqwest::RequestBuilder, SendError> {
    let Some(deadline) = sms.deadline else { return Ok(request) };
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    if left < LEAST_WAIT {
        return Err(SendError::Unanswered { reason: "the attempt ran out of time".into(), retry_after: None });
    }
    Ok(if left < crate::http::PROVIDER_WAIT { request.timeout(left) } else { request })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_in_seconds_dates_and_milliseconds() {
        let now = DateTime::parse_from_rfc2822("Wed, 21 Oct 2015 07:28:00 GMT").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after(&headers(&[("retry-after", "7")]), now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]), now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after(&headers(&[("retry-after", "soon")]), now), None);
        let absurd = [("retry-after", "1e20"), ("retry-after", "inf"), ("retry-after-ms", "1e300")];
        for pair in absurd {
            assert_eq!(parse_retry_after(&headers(&[pair]), now), Some(LONGEST_RETRY_AFTER), "{pair:?}");
        }
        assert_eq!(parse_retry_after(&headers(&[("retry-after", "NaN")]), now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }
}
