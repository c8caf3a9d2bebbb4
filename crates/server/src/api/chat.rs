//! `POST /chat/{tenant_id}`: the receptionist seed's text chat, answered by the same engine as texts.
//!
//! A chat session is a conversation on one of the tenant's numbers whose contact is `chat:` and the
//! session's id. Each message goes through the same ingest and worker as a text (with no burst window: the
//! caller is waiting), and the reply, kept rather than sent, is the answer. So a session has the texts'
//! rules (forms, greetings, keywords, takeover) and shows up in the conversations API like any other.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use smsagent_domain::form::engine::SlotState;
use smsagent_domain::message_body::MessageBody;
use smsagent_domain::{Channel, ChatSession, Contact, Language, Provider, segments};
use smsagent_engine::ingest::{Ingested, ingest};
use smsagent_store::messages::{self, NewInbound};
use smsagent_store::{PgPool, appointments, assistants, booking_dialogues, conversations, forms};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatMessage {
    /// The session to continue; a new session is started when it is left out or not known yet. 1 to 64
    /// letters, digits, `-`, `_` or `.`.
    #[serde(default)]
    session_id: Option<String>,
    message: String,
    /// Which of the tenant's numbers answers; may be left out when the tenant has only one.
    #[serde(default)]
    to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChatAnswer {
    session_id: String,
    /// The assistant's answer; `null` when nothing automatic answers (a person has taken over, or no
    /// assistant answers the number).
    message: Option<String>,
    /// The language the session is answered in (`en`, `es`).
    detected_language: String,
    slot_status: SlotStatus,
    /// Whether this message started the session.
    is_new_session: bool,
    /// Where booking stands, for an assistant that books: `none`, `choosing_day`, `choosing_slot` or
    /// `booked` (an appointment is coming up).
    #[schema(example = "choosing_day")]
    booking_state: &'static str,
}

/// Where the assistant's form stands in the session (empty for an assistant without a form).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotStatus {
    /// Confirmed values by key.
    #[schema(value_type = Object)]
    collected: BTreeMap<String, Value>,
    /// Keys not confirmed yet, in the form's order.
    missing: Vec<String>,
    /// Every value is confirmed and the form was submitted.
    is_complete: bool,
}

/// Sends a message in a chat session and answers with the assistant's reply.
#[utoipa::path(post, path = "/chat/{tenant_id}", tag = "chat", security(("api_key" = [])),
    params(("tenant_id" = Uuid, Path, description = "The tenant the key belongs to")),
    request_body = ChatMessage,
    responses((status = 200, body = ChatAnswer), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody),
        (status = 504, body = crate::error::ErrorBody)))]
pub async fn chat(
    operator: Operator,
    state: web::Data<AppState>,
    tenant_id: web::Path<Uuid>,
    body: Json<ChatMessage>,
) -> Result<HttpResponse, ApiError> {
    if operator.tenant_id() != *tenant_id {
        return Err(ApiError::forbidden("wrong_tenant", "the API key does not belong to this tenant"));
    }
    let ChatMessage { session_id, message, to } = body.into_inner();
    let session_id = session_id.unwrap_or_else(|| Uuid::now_v7().simple().to_string());
    let session =
        ChatSession::parse(&session_id).map_err(|e| ApiError::bad_request("invalid_session_id", e.to_string()))?;
    let message =
        MessageBody::parse(message).map_err(|e| ApiError::bad_request("invalid_message", format!("message {e}")))?;
    let contact = Contact::Chat(session);
    state.limits.message_from(operator.tenant_id(), contact.as_str())?;
    let (business, _) =
        super::numbers::business_number(&state.pool, operator, to.as_deref(), ("to", "to_required")).await?;

    let is_new_session = conversations::find(&state.pool, &business, &contact).await?.is_none();
    let message_sid = format!("CHAT{}", Uuid::now_v7().simple());
    let text = NewInbound {
        provider: Provider::Simulator,
        message_sid: &message_sid,
        from: &contact,
        to: &business,
        body: &message,
        num_segments: i32::try_from(segments::count(&message).segments).ok(),
        channel: Channel::Api,
        external_id: None,
        media: &[],
    };
    let Ingested::Stored { message_id, conversation_id, reply_queued } =
        ingest(&state.pool, &state.queue, Duration::ZERO, &text).await?
    else {
        return Err(ApiError::internal(anyhow::anyhow!("a fresh chat message id was already stored")));
    };
    // A keyword's answer was written with the message; a reply comes from the worker.
    let wait = if reply_queued { state.chat_wait } else { Duration::ZERO };
    let reply = answer(&state.pool, conversation_id, message_id, wait).await?;
    let (language, slot_status) = session_state(&state.pool, conversation_id).await?;
    let booking_state = booking_state(&state.pool, conversation_id).await?;
    Ok(HttpResponse::Ok().json(ChatAnswer {
        session_id,
        message: reply,
        detected_language: language.as_str().to_owned(),
        slot_status,
        is_new_session,
        booking_state,
    }))
}

/// The first answer after the message, waiting up to `wait` for it.
async fn answer(
    pool: &PgPool,
    conversation_id: Uuid,
    message_id: Uuid,
    wait: Duration,
) -> Result<Option<String>, ApiError> {
    // Polled rather than notified: the worker answering may be another process.
    const POLL: Duration = Duration::from_millis(20);
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(reply) = messages::first_outbound_after(pool, conversation_id, message_id).await? {
            return Ok(Some(reply));
        }
        if wait.is_zero() {
            return Ok(None);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::new(
                actix_web::http::StatusCode::GATEWAY_TIMEOUT,
                "reply_pending",
                "the assistant has not answered yet; the answer will be in the conversation when it comes",
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The session's language and form, as the reply left them.
/// Where the session's booking stands, as the receptionist seed names it.
async fn booking_state(pool: &PgPool, conversation_id: Uuid) -> Result<&'static str, ApiError> {
    let stage = booking_dialogues::get(pool, conversation_id).await?.map(|d| d.stage);
    let booked = appointments::upcoming_in(pool, conversation_id, chrono::Utc::now()).await?.is_some();
    Ok(smsagent_booking::conversation::state_name(stage.as_deref(), booked))
}

async fn session_state(pool: &PgPool, conversation_id: Uuid) -> Result<(Language, SlotStatus), ApiError> {
    let context = conversations::reply_context(pool, conversation_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the chat's conversation is gone")))?;
    let language = context.language.unwrap_or_default();
    let form = match context.assistant_id {
        Some(id) => assistants::find(pool, id).await?.and_then(|a| a.settings.form),
        None => None,
    };
    let empty = SlotStatus { collected: BTreeMap::new(), missing: Vec::new(), is_complete: false };
    let Some(form) = form else { return Ok((language, empty)) };
    let state = forms::current(pool, conversation_id).await?.map(|session| session.state).unwrap_or_default();
    let mut status = SlotStatus { is_complete: state.completed, ..empty };
    for slot in &form.slots {
        if let Some(value) = state.slots.get(&slot.key).and_then(SlotState::confirmed) {
            status.collected.insert(slot.key.clone(), value.to_json());
        } else {
            status.missing.push(slot.key.clone());
        }
    }
    Ok((language, status))
}
