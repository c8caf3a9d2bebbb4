//! Twilio Programmable Messaging: signed form webhooks in, the Messages API out, MMS media fetched.

mod conversations;
mod incoming_numbers;
mod media;
mod messages_api;
mod params;
pub mod samples;
mod signature;

pub use conversations::{ConversationsSender, MessageAdded};
pub use incoming_numbers::{NumberSetupError, TwilioNumbers};
pub use media::MediaError;
pub use messages_api::{TwilioCredentials, TwilioSender};
pub use params::{FormParams, InboundMessage, ParamError, StatusCallback};
pub use signature::{SignatureValidator, sign};

use crate::SendError;

/// Twilio's error body, in the v2010 API and Conversations alike: `{"code": 21211, "message": "...",
/// "more_info": "...", "status": 400}`.
#[derive(Debug, Default, serde::Deserialize)]
struct TwilioError {
    code: Option<i64>,
    message: Option<String>,
}

/// Twilio's error code for "Attempt to send to unsubscribed recipient": the contact texted STOP.
pub(crate) const OPTED_OUT_CODE: &str = "21610";

/// A request Twilio answered with an error, classed by its status ([`SendError::from_status`]), with
/// Twilio's own code and message when the body carries them.
fn refusal(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: reqwest::Result<impl AsRef<[u8]>>,
) -> SendError {
    // The status says what happened even when the body cannot be read.
    let body = body.as_ref().map(AsRef::as_ref).unwrap_or_default();
    let error: TwilioError = serde_json::from_slice(body).unwrap_or_default();
    let code = error.code.map(|c| c.to_string());
    let opted_out = code.as_deref() == Some(OPTED_OUT_CODE);
    let message = error.message.unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    SendError::from_status(status, headers, code, message, opted_out)
}

/// Whether a lookup's pages, newest first, have reached back to `since`: a whole page older than it.
fn reaches_back(
    created: impl IntoIterator<Item = Option<chrono::DateTime<chrono::Utc>>>,
    since: chrono::DateTime<chrono::Utc>,
) -> bool {
    let mut any = false;
    for at in created {
        any = true;
        if at.is_none_or(|at| at >= since) {
            return false;
        }
    }
    any
}

/// A lookup that could not look far enough back: whether an earlier attempt reached Twilio is unknown.
fn looked_too_far() -> SendError {
    SendError::Unanswered {
        reason: "too many recent messages to tell whether Twilio has this one".into(),
        retry_after: None,
    }
}
