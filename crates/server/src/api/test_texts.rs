//! `POST /api/v1/sms/test`: a text fed in as if a contact had sent it (the seed system's test endpoint),
//! to try an assistant without a phone. It goes through the same ingest and worker as a real text, from a
//! contact of its own (`test:` and the number), so a test on a real contact's number never changes their
//! opt-out, conversation or channel; the reply is kept in that conversation (read it with
//! `GET /api/conversations/test:+1…`) and never sent.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use smsagent_domain::message_body::MessageBody;
use smsagent_domain::{Channel, Contact, PhoneNumber, Provider, TestContact, segments};
use smsagent_engine::ingest::{Ingested, ingest};
use smsagent_store::messages::NewInbound;
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestText {
    /// Who the text is as if from (any E.164 number: nothing is sent to it, and the test conversation,
    /// `test:` and the number, is not the number's own).
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    from: String,
    /// 1 to 1600 characters, not all blank.
    #[schema(min_length = 1, max_length = 1600)]
    body: String,
    /// Which of the tenant's numbers it is to; may be left out when the tenant has only one.
    #[serde(default)]
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestTaken {
    message_id: Uuid,
    conversation_id: Uuid,
    /// Whether a reply was queued (not when nobody answers the number, or the text was a keyword the
    /// ingest answered itself).
    reply_queued: bool,
}

/// Feeds a text in as if a contact sent it; the reply is kept, not sent.
#[utoipa::path(post, path = "/api/v1/sms/test", tag = "sending", security(("api_key" = [])),
    request_body = TestText,
    responses((status = 202, body = TestTaken), (status = 400, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn feed(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<TestText>,
) -> Result<HttpResponse, ApiError> {
    let TestText { from, body, to } = body.into_inner();
    let from =
        PhoneNumber::parse(&from).map_err(|e| ApiError::bad_request("invalid_phone_number", format!("from: {e}")))?;
    let body = MessageBody::parse(body).map_err(|e| ApiError::bad_request("invalid_body", format!("body {e}")))?;
    let from = Contact::Test(TestContact::new(from));
    state.limits.message_from(operator.tenant_id(), from.as_str())?;
    let (to, _) = super::numbers::business_number(&state.pool, operator, to.as_deref(), ("to", "to_required")).await?;
    let message_sid = format!("API{}", Uuid::now_v7().simple());
    let text = NewInbound {
        provider: Provider::Simulator,
        message_sid: &message_sid,
        from: &from,
        to: &to,
        body: &body,
        num_segments: i32::try_from(segments::count(&body).segments).ok(),
        channel: Channel::Api,
        external_id: None,
        media: &[],
    };
    match ingest(&state.pool, &state.queue, state.burst_window, &text).await? {
        Ingested::Stored { message_id, conversation_id, reply_queued } => {
            Ok(HttpResponse::Accepted().json(TestTaken { message_id, conversation_id, reply_queued }))
        }
        Ingested::Duplicate => Err(ApiError::internal(anyhow::anyhow!("a fresh test message id was already stored"))),
    }
}
