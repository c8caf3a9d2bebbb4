//! `POST /api/v1/sms/send`: a text from the business, written by a person or another system. It goes
//! through the same queue and sender as the assistant's replies, never to a contact who opted out, and
//! (unless it answers the contact's recent text) only within the recipient's quiet-hours window.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smsagent_domain::message_body::MessageBody;
use smsagent_domain::{Channel, Contact, PhoneNumber, Purpose, WhatsAppContact};
use smsagent_engine::outbox::{self, Dispatch};
use smsagent_store::idempotency::{self, Claim};
use smsagent_store::takeover;
use tracing::info;

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

    let mut tx = state.pool.begin().await.map_err(ApiError::internal)?;
    let (from, _provider) =
        numbers::business_number(&mut *tx, operator, body.from.as_deref(), ("from", "from_required")).await?;
    if let Some(key) = &idempotency_key {
        let hash: [u8; 32] =
            Sha256::new().chain_update(b"POST /api/v1/sms/send\n").chain_update(&raw).finalize().into();
        match idempotency::claim(&mut tx, operator.tenant_id(), key, &hash).await? {
            Claim::New => {}
            Claim::Replay { status, body } => {
                let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
                return Ok(HttpResponse::build(status).insert_header(("Idempotent-Replayed", "true")).json(body));
            }
            Claim::Mismatch => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                ));
            }
        }
    }

    let target = takeover::open_for_send(&mut *tx, &from, &contact, channel).await?;
    let text = outbox::Text { body: &message, purpose: Purpose::Operator, reply_to: None };
    let queued = outbox::queue(&mut tx, &state.queue, target.conversation_id, text, Dispatch::Queued).await?;
    let (message_id, send_at) = (queued.message_id, queued.send_at);

    let answer = SendAnswer {
        message_id,
        conversation_id: target.conversation_id,
        status: "queued",
        send_at,
        segments: queued.segments,
    };
    let answer = serde_json::to_value(answer).map_err(ApiError::internal)?;
    if let Some(key) = &idempotency_key {
        idempotency::finish(&mut tx, operator.tenant_id(), key, StatusCode::ACCEPTED.as_u16(), &answer).await?;
    }
    tx.commit().await.map_err(ApiError::internal)?;
    if send_at.is_none() {
        state.queue.wake();
    }
    info!(%message_id, to = contact.masked(), held_for_quiet_hours = send_at.is_some(), "operator text queued");
    Ok(HttpResponse::Accepted().json(answer))
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
