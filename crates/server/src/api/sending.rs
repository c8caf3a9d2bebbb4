//! `POST /api/v1/sms/send`: a text from the business, written by a person or another system. It goes
//! through the same queue and sender as the assistant's replies, never to a contact who opted out, and
//! (unless it answers the contact's recent text) only within the recipient's quiet-hours window.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smsagent_domain::message_body::MessageBody;
use smsagent_domain::{Channel, Contact, PhoneNumber, WhatsAppContact};
use smsagent_engine::outbox::Queued;
use smsagent_engine::sending::{self, OperatorText, Sent};

use super::auth::Operator;
use super::numbers;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The contact, in E.164; `whatsapp:` and the number for their WhatsApp (from a Twilio number, within
    /// 24 hours of their last message).
    #[schema(pattern = r"^(whatsapp:)?\+[1-9][0-9]{6,14}$")]
    to: String,
    /// 1 to 1600 characters, not all blank.
    #[schema(min_length = 1, max_length = 1600)]
    body: String,
    /// One of the tenant's numbers; may be left out when the tenant has only one.
    #[serde(default)]
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    from: Option<String>,
}

/// What became of a text sent through the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SendAnswer {
    message_id: uuid::Uuid,
    conversation_id: uuid::Uuid,
    /// Always queued: delivery is reported on the message (see the conversation's history).
    status: &'static str,
    /// When the text will go, if the recipient's quiet hours hold it back; null: now.
    send_at: Option<chrono::DateTime<Utc>>,
    segments: usize,
}

/// Sends a text as the business.
#[utoipa::path(post, path = "/api/v1/sms/send", tag = "sending", security(("api_key" = [])),
    request_body = SendRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeats with the same key get the first answer")),
    responses((status = 202, body = SendAnswer), (status = 400, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn send(
    operator: Operator,
    state: web::Data<AppState>,
    request: HttpRequest,
    raw: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: SendRequest = super::json::parse(&raw)?;
    let (to, channel) = match body.to.strip_prefix(WhatsAppContact::PREFIX) {
        Some(number) => (phone(number)?, Channel::WhatsApp),
        None => (phone(&body.to)?, Channel::Sms),
    };
    let contact = match channel {
        Channel::WhatsApp => Contact::WhatsApp(WhatsAppContact::new(to.clone())),
        _ => Contact::Phone(to.clone()),
    };
    let message =
        MessageBody::parse(body.body).map_err(|e| ApiError::bad_request("invalid_body", format!("body {e}")))?;
    let idempotency_key = idempotency_key(&request)?;
    state.limits.text_to(operator.tenant_id(), contact.as_str())?;

    let (from, _provider) =
        numbers::business_number(&state.pool, operator, body.from.as_deref(), ("from", "from_required")).await?;
    let hash = |key: String| {
        let hash: [u8; 32] =
            Sha256::new().chain_update(b"POST /api/v1/sms/send\n").chain_update(&raw).finalize().into();
        (key, hash)
    };
    let idempotency = idempotency_key.map(hash);
    let text = OperatorText {
        tenant_id: operator.tenant_id(),
        from: &from,
        to: &contact,
        channel,
        body: &message,
        idempotency: idempotency.as_ref().map(|(key, hash)| (key.as_str(), *hash)),
    };
    let answer = |queued: &Queued| {
        let answer = SendAnswer {
            message_id: queued.message_id,
            conversation_id: queued.conversation_id,
            status: "queued",
            send_at: queued.send_at,
            segments: queued.segments,
        };
        (StatusCode::ACCEPTED.as_u16(), serde_json::to_value(answer).unwrap_or_default())
    };
    match sending::send(&state.pool, &state.queue, text, answer).await? {
        Sent::Queued { answer, .. } => Ok(HttpResponse::Accepted().json(answer)),
        Sent::Replay { status, body } => {
            let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
            Ok(HttpResponse::build(status).insert_header(("Idempotent-Replayed", "true")).json(body))
        }
        Sent::KeyReused => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )),
    }
}

fn phone(number: &str) -> Result<PhoneNumber, ApiError> {
    PhoneNumber::parse(number).map_err(|e| ApiError::bad_request("invalid_phone_number", format!("to: {e}")))
}

fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("Idempotency-Key") else { return Ok(None) };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible characters",
        ));
    }
    Ok(Some(key.to_owned()))
}
