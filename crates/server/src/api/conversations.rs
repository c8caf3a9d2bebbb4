//! Conversations, on the first seed system's paths: the list, a contact's history, erasing a contact, and
//! one conversation by id.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use smsagent_domain::Contact;
use smsagent_engine::erasure;
use smsagent_store::history::{self, ConversationHistory, ConversationSummary, MessageView};
use smsagent_store::media::MediaView;
use uuid::Uuid;

use super::Page;
use super::auth::Operator;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SummaryView {
    id: Uuid,
    business_number: String,
    contact_number: String,
    status: String,
    /// `sms`, `whatsapp`, `twilio_conversations`, or `api`: a web chat session or test texts, whose
    /// replies are kept and never sent.
    channel: String,
    started_at: DateTime<Utc>,
    last_message_at: DateTime<Utc>,
    message_count: i64,
    last_message: Option<MessageJson>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MessageJson {
    id: Uuid,
    direction: String,
    body: String,
    /// Where the message stands: `received` for what came in; for what went out, the provider's
    /// delivery status (`queued`, `sent`, `delivered`, `undelivered`, `failed`…), or `kept` for a reply on
    /// the `api` channel, which is stored and never sent.
    status: String,
    error_code: Option<String>,
    num_segments: Option<i32>,
    created_at: DateTime<Utc>,
    /// The photos and files that came with the text (MMS), in order; listed in a conversation's history.
    media: Vec<MediaJson>,
}

/// A media item of a text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MediaJson {
    id: Uuid,
    /// The kept file's type (from its bytes), else the type the provider declared.
    content_type: String,
    /// pending, stored, refused, failed or not_fetched.
    status: String,
    /// The download (with your API key) once stored; null otherwise.
    url: Option<String>,
    /// Why it was not kept.
    reason: Option<String>,
}

impl From<MediaView> for MediaJson {
    fn from(m: MediaView) -> Self {
        MediaJson {
            url: (m.status == "stored").then(|| format!("/api/v1/media/{}", m.id)),
            id: m.id,
            content_type: m.content_type,
            status: m.status,
            reason: m.reason,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct HistoryView {
    #[serde(flatten)]
    summary: SummaryView,
    messages: Vec<MessageJson>,
    /// The form in play or completed: its status and the engine's state (values, what is confirmed).
    #[schema(value_type = Option<Object>)]
    form: Option<Value>,
}

impl MessageJson {
    /// The message as shown in a conversation on `channel`.
    fn on(channel: &str, m: MessageView) -> Self {
        // An api-channel reply goes through the simulator, which records it as sent; it never left.
        let kept = channel == "api" && m.direction == "outbound" && m.status != "failed";
        MessageJson {
            id: m.id,
            status: if kept { "kept".to_owned() } else { m.status },
            direction: m.direction,
            body: m.body,
            error_code: m.error_code,
            num_segments: m.num_segments,
            created_at: m.created_at,
            media: Vec::new(),
        }
    }
}

impl From<ConversationSummary> for SummaryView {
    fn from(c: ConversationSummary) -> Self {
        SummaryView {
            id: c.id,
            business_number: c.business_number,
            contact_number: c.contact_number,
            status: c.status,
            last_message: c.last_message.map(|m| MessageJson::on(&c.channel, m)),
            channel: c.channel,
            started_at: c.started_at,
            last_message_at: c.last_message_at,
            message_count: c.message_count,
        }
    }
}

impl From<ConversationHistory> for HistoryView {
    fn from(h: ConversationHistory) -> Self {
        let mut media = h.media;
        let channel = h.summary.channel.clone();
        let messages = h
            .messages
            .into_iter()
            .map(|m| {
                let id = m.id;
                let mut json = MessageJson::on(&channel, m);
                json.media = media.extract_if(.., |item| item.message_id == id).map(MediaJson::from).collect();
                json
            })
            .collect();
        HistoryView {
            summary: h.summary.into(),
            messages,
            form: h.form.map(|state| json!({ "status": h.form_status, "state": as_written_now(state) })),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationPage {
    conversations: Vec<SummaryView>,
    limit: i64,
    offset: i64,
    /// The offset of the next page; null on the last.
    next_offset: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactHistory {
    contact_number: String,
    conversations: Vec<HistoryView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    deleted: Erased,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Erased {
    conversations: usize,
    messages: i64,
    form_submissions: i64,
    appointments: i64,
    /// ID photos, files included.
    uploads: usize,
}

/// How a contact is written in a path.
const CONTACT_PATH: &str = "The contact: an E.164 number (the + encoded as %2B; erasing one erases its WhatsApp conversation too), whatsapp:<E.164> for WhatsApp alone, chat:<session id> for a web chat, or test:<E.164> for the texts fed in with POST /api/v1/sms/test";

/// Contacts with a conversation, most recently active first, with the last message.
#[utoipa::path(get, path = "/api/conversations", tag = "conversations", security(("api_key" = [])),
    params(super::Page), responses((status = 200, body = ConversationPage), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    operator: Operator,
    state: web::Data<AppState>,
    page: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    let page = page.into_inner().checked()?;
    let found = history::conversations(&state.pool, operator.tenant_id(), page.limit + 1, page.offset).await?;
    let more = found.len() as i64 > page.limit;
    let conversations = found.into_iter().take(page.limit as usize).map(SummaryView::from).collect();
    let next_offset = more.then(|| page.offset.saturating_add(page.limit));
    Ok(HttpResponse::Ok().json(ConversationPage { conversations, limit: page.limit, offset: page.offset, next_offset }))
}

/// Everything the tenant's numbers said with a contact: messages oldest first, with statuses and the form.
#[utoipa::path(get, path = "/api/conversations/{phone_number}", tag = "conversations", security(("api_key" = [])),
    params(("phone_number" = String, Path, description = CONTACT_PATH, pattern = r"^(\+[1-9][0-9]{6,14}|chat:[A-Za-z0-9._-]{1,64}|(test|whatsapp):\+[1-9][0-9]{6,14})$")),
    responses((status = 200, body = ContactHistory), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn with_contact(
    operator: Operator,
    state: web::Data<AppState>,
    phone: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contact = contact(&phone)?;
    let mut db = state.pool.acquire().await.map_err(ApiError::internal)?;
    let found = history::with_contact(&mut db, operator.tenant_id(), contact.as_str()).await?;
    if found.is_empty() {
        return Err(ApiError::not_found("no conversation with this contact"));
    }
    let conversations = found.into_iter().map(HistoryView::from).collect();
    Ok(HttpResponse::Ok().json(ContactHistory { contact_number: contact.as_str().to_owned(), conversations }))
}

/// One conversation, with its messages oldest first.
#[utoipa::path(get, path = "/api/v1/sms/conversation/{conversation_id}", tag = "conversations",
    security(("api_key" = [])), params(("conversation_id" = Uuid, Path)),
    responses((status = 200, body = HistoryView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn by_id(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut db = state.pool.acquire().await.map_err(ApiError::internal)?;
    let found = history::conversation(&mut db, operator.tenant_id(), *id).await?;
    let found = found.ok_or_else(|| ApiError::not_found("no such conversation"))?;
    Ok(HttpResponse::Ok().json(HistoryView::from(found)))
}

/// `DELETE /api/conversations/{phone_number}`: the contact's conversations with the tenant's numbers,
/// their messages, form data and waiting replies, gone for good in one transaction, with an audit entry
/// that says who erased what (counts and ids, no content). Opt-outs stay.
#[utoipa::path(delete, path = "/api/conversations/{phone_number}", tag = "conversations",
    security(("api_key" = [])), params(("phone_number" = String, Path, description = CONTACT_PATH, pattern = r"^(\+[1-9][0-9]{6,14}|chat:[A-Za-z0-9._-]{1,64}|(test|whatsapp):\+[1-9][0-9]{6,14})$")),
    responses((status = 200, body = Erasure), (status = 404, body = crate::error::ErrorBody)))]
pub async fn erase(
    operator: Operator,
    state: web::Data<AppState>,
    phone: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let contact = contact(&phone)?;
    let erased = erasure::erase(&state.pool, &state.uploads.dir, operator.0, &contact)
        .await?
        .ok_or_else(|| ApiError::not_found("no conversation with this contact"))?;
    Ok(HttpResponse::Ok().json(Erasure {
        deleted: Erased {
            conversations: erased.conversation_ids.len(),
            messages: erased.messages,
            form_submissions: erased.form_submissions,
            appointments: erased.appointments,
            uploads: erased.upload_files.len(),
        },
    }))
}

/// A contact in a path: a number, a WhatsApp user, a web chat session or an operator's test contact, each
/// as stored.
fn contact(raw: &str) -> Result<Contact, ApiError> {
    Contact::parse(raw).map_err(|e| {
        ApiError::bad_request(
            "invalid_contact",
            format!(
                "{e}; a contact is an E.164 number (+ as %2B), whatsapp:<E.164>, chat:<session id> or test:<E.164>"
            ),
        )
    })
}

/// A stored form state as the engine writes it today: states stored before values took the submission's
/// shape (`{"cents": 8500000}` for 85000) are read and written out again, so every answer has one shape.
fn as_written_now(state: Value) -> Value {
    serde_json::from_value::<smsagent_domain::form::FormState>(state.clone())
        .ok()
        .and_then(|read| serde_json::to_value(read).ok())
        .unwrap_or(state)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::as_written_now;

    #[test]
    fn a_state_stored_the_old_way_is_shown_in_todays_shape() {
        let old = json!({"slots": {"annual_income": {"state": "confirmed", "value": {"cents": 8_500_000}},
                                   "first_name": {"state": "confirmed", "value": {"text": "Maria"}}}});
        let shown = as_written_now(old);
        assert_eq!(shown["slots"]["annual_income"]["value"], json!(85000));
        assert_eq!(shown["slots"]["first_name"]["value"], json!("Maria"));
        let unreadable = json!({"slots": "not a map"});
        assert_eq!(as_written_now(unreadable.clone()), unreadable, "what cannot be read is shown as stored");
    }
}
