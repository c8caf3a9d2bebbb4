//! Twilio's webhooks: texts arriving, and delivery reports for texts we sent.
//!
//! Both are signed. The signature covers the public URL Twilio called, which behind a TLS-terminating
//! proxy is not the URL this process sees, so it is rebuilt from PUBLIC_BASE_URL plus the request's path and
//! query. A missing signature is a 400, a wrong one a 403, and nothing unverified is parsed further.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use smsagent_domain::{Channel, Contact, Provider, WhatsAppContact};
use smsagent_engine::delivery;
use smsagent_engine::ingest::ingest;
use smsagent_providers::twilio::{FormParams, InboundMessage, MessageAdded, StatusCallback};
use smsagent_store::messages::{NewInbound, StatusReport};
use tracing::warn;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::{AppState, TwilioWebhooks};

#[tracing::instrument(name = "twilio_inbound", skip_all)]
pub async fn inbound(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let params = verified_params(&req, &body, state.twilio.as_ref())?;
    let message =
        InboundMessage::from_params(&params).map_err(|e| ApiError::bad_request("invalid_parameters", e.to_string()))?;
    // A contact on WhatsApp is a conversation of its own, answered on WhatsApp.
    let (from, channel) = if message.whatsapp {
        (Contact::WhatsApp(WhatsAppContact::new(message.from.clone())), Channel::WhatsApp)
    } else {
        (Contact::Phone(message.from.clone()), Channel::Sms)
    };
    let text = NewInbound {
        provider: Provider::Twilio,
        message_sid: &message.message_sid,
        from: &from,
        to: &message.to,
        body: &message.body,
        num_segments: message.num_segments,
        channel,
        external_id: None,
        media: &message.media,
    };
    ingest(&state.pool, &state.queue, state.burst_window, &text).await?;
    Ok(empty_twiml())
}

#[tracing::instrument(name = "twilio_status_callback", skip_all)]
pub async fn status_callback(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = verified_params(&req, &body, state.twilio.as_ref())?;
    let callback =
        StatusCallback::from_params(&params).map_err(|e| ApiError::bad_request("invalid_parameters", e.to_string()))?;
    let report = StatusReport {
        provider: Provider::Twilio,
        message_sid: &callback.message_sid,
        message_id: our_message_id(req.query_string())?,
        status: callback.status,
        error_code: callback.error_code.as_deref(),
        error_message: callback.error_message.as_deref(),
        event_id: None,
        attempts: None,
    };

    let opted_out = callback.says_opted_out().then_some(callback.error_code.as_deref());
    let outcome = delivery::apply(&state.pool, &delivery::Report { status: report, opted_out }).await?;

    tracing::info!(
        message_sid = %callback.message_sid,
        status = %callback.status,
        message_id = ?outcome.message_id,
        applied = outcome.applied,
        "delivery report"
    );
    Ok(empty_twiml())
}

/// A message added to a Twilio Conversations conversation (`onMessageAdded`): answered by posting into
/// the conversation. The assistant's own messages are never answered, so it never talks to itself.
#[tracing::instrument(name = "twilio_conversations", skip_all)]
pub async fn conversation_message(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = verified_params(&req, &body, state.twilio.as_ref())?;
    let Some(message) =
        MessageAdded::from_params(&params).map_err(|e| ApiError::bad_request("invalid_parameters", e.to_string()))?
    else {
        return Ok(HttpResponse::Ok().finish());
    };
    if message.author == state.conversations.author {
        return Ok(HttpResponse::Ok().finish());
    }
    let (Some(contact), Some(business)) =
        (&message.contact, message.business.as_ref().or(state.conversations.default_business.as_ref()))
    else {
        // Chat participants (no phone number), or no number of ours to answer from: not ours to answer.
        warn!(conversation = %message.conversation_sid, "Conversations message without a phone participant or a number of ours; not answered");
        return Ok(HttpResponse::Ok().finish());
    };
    let text = NewInbound {
        provider: Provider::Twilio,
        message_sid: &message.message_sid,
        from: &Contact::Phone(contact.clone()),
        to: business,
        body: &message.body,
        num_segments: None,
        channel: Channel::TwilioConversations,
        external_id: Some(&message.conversation_sid),
        media: &message.media,
    };
    ingest(&state.pool, &state.queue, state.burst_window, &text).await?;
    Ok(HttpResponse::Ok().finish())
}

/// Twilio's acknowledgement without a reply: replies go out through the API, from the worker.
fn empty_twiml() -> HttpResponse {
    HttpResponse::Ok().content_type("text/xml; charset=utf-8").body("<Response/>")
}

/// The form parameters of a request whose Twilio signature checks out.
fn verified_params(req: &HttpRequest, body: &[u8], twilio: Option<&TwilioWebhooks>) -> Result<FormParams, ApiError> {
    let signature = req
        .headers()
        .get("X-Twilio-Signature")
        .ok_or_else(|| ApiError::bad_request("missing_signature", "the X-Twilio-Signature header is missing"))?
        .to_str()
        .map_err(|_| ApiError::bad_request("missing_signature", "the X-Twilio-Signature header is not text"))?;
    let form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected an application/x-www-form-urlencoded body, as Twilio sends",
        ));
    }
    let twilio = twilio.ok_or_else(|| {
        ApiError::forbidden(
            "twilio_not_configured",
            "Twilio is not configured here (TWILIO_AUTH_TOKEN is unset), so its signatures cannot be checked",
        )
    })?;
    if std::str::from_utf8(body).is_err() {
        return Err(ApiError::bad_request("invalid_body", "the body is not UTF-8 text"));
    }

    let params = FormParams::parse(body);
    let path_and_query = req.uri().path_and_query().map_or(req.path(), |pq| pq.as_str());
    let url = format!("{}{}", twilio.public_base_url, path_and_query);
    if !twilio.validator.is_valid(&url, &params, signature) {
        tracing::warn!(path = req.path(), "Twilio signature mismatch");
        return Err(ApiError::forbidden(
            "invalid_signature",
            format!(
                "X-Twilio-Signature does not match this request, checked as a request to {}{}; is PUBLIC_BASE_URL the address Twilio calls?",
                twilio.public_base_url,
                req.path()
            ),
        ));
    }
    Ok(params.without_nul())
}

/// Our id for the message, which we put in the callback URL when sending.
fn our_message_id(query: &str) -> Result<Option<Uuid>, ApiError> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "message_id")
        .map(|(_, value)| {
            Uuid::parse_str(&value)
                .map_err(|_| ApiError::bad_request("invalid_parameters", "message_id in the query is not a UUID"))
        })
        .transpose()
}
