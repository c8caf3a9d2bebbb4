//! Azure Event Grid's deliveries of ACS SMS events: texts arriving and delivery reports.
//!
//! Both schemas are read (Event Grid's array, CloudEvents' object or array), batches may mix event types,
//! and unknown types are acknowledged. A delivery must carry the shared secret, compared in constant time
//! (two secrets are accepted while one is rotated out); without it the answer is 401, which Event Grid does
//! not retry. Texts go through the same ingest as Twilio's, deduplicated on their message id, a batch's
//! texts in a few statements; reports are deduplicated on their event id and never move a status
//! backwards, a few hundred to a transaction. Event Grid retries a whole batch on a 5xx, and what already
//! went through is then skipped; an unusable event is skipped, never the batch.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};
use smsagent_domain::{Channel, Contact, Provider};
use smsagent_engine::delivery;
use smsagent_engine::ingest::ingest_batch;
use smsagent_providers::acs::{
    DELIVERY_REPORT, DeliveryReport, EventsError, GridEvent, ReceivedSms, SMS_RECEIVED, parse_delivery,
};
use smsagent_store::messages::{NewInbound, StatusReport};
use subtle::ConstantTimeEq;
use tracing::{info, warn};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::{AppState, EventGridAuth};

/// The query parameter that carries the secret (`…/webhook?code=SECRET`).
const SECRET_PARAMETER: &str = "code";

/// Largest delivery accepted: Event Grid batches up to 1 MB (its preferred batch size), and a 413 would
/// drop the batch.
const MAX_DELIVERY_BYTES: usize = 1024 * 1024 + 64 * 1024;

pub async fn deliveries(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Before the body is read: a stranger gets a 401 whatever they send.
    authenticate(&req, &state.event_grid)?;
    let body = payload
        .to_bytes_limited(MAX_DELIVERY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "a delivery is at most 1088 KiB")
        })?
        .map_err(|e| ApiError::bad_request("unreadable_body", e.to_string()))?;
    let delivery = parse_delivery(&body).map_err(|e| match e {
        EventsError::NotJson => ApiError::bad_request("invalid_json", "the body is not JSON"),
        EventsError::Invalid(reason) => ApiError::bad_request("invalid_events", reason),
    })?;
    if let (true, Some(unusable)) = (delivery.events.is_empty(), delivery.unusable.first()) {
        // Nothing in it is an event: not a delivery from Event Grid.
        return Err(ApiError::bad_request("invalid_events", unusable.to_string()));
    }
    if let Some(code) = delivery.events.iter().find_map(GridEvent::validation_code) {
        info!("Event Grid subscription validated");
        return Ok(HttpResponse::Ok().json(json!({"validationResponse": code})));
    }

    // Refusing the batch would have Event Grid drop every event in it: an unusable event is skipped, and
    // the batch's are logged together.
    let mut unusable: Vec<String> = delivery.unusable.iter().map(ToString::to_string).collect();
    let (mut texts, mut reports, mut ignored) = (Vec::new(), Vec::new(), 0);
    for event in &delivery.events {
        match event.event_type.as_str() {
            SMS_RECEIVED => match ReceivedSms::from_event(event) {
                Ok(sms) => texts.push(sms),
                Err(e) => unusable.push(format!("SMSReceived {}: {e}", event.id)),
            },
            DELIVERY_REPORT => match DeliveryReport::from_event(event) {
                Ok(report) => reports.push((event.id.as_str(), report)),
                Err(e) => unusable.push(format!("delivery report {}: {e}", event.id)),
            },
            _ => ignored += 1,
        }
    }
    if let Some(first) = unusable.first() {
        warn!(skipped = unusable.len(), first = first.as_str(), "unusable Event Grid events skipped");
    }
    if ignored > 0 {
        info!(ignored, "Event Grid events of other types acknowledged and ignored");
    }

    let from: Vec<Contact> = texts.iter().map(|sms| Contact::Phone(sms.from.clone())).collect();
    let arrivals: Vec<NewInbound> = texts
        .iter()
        .zip(&from)
        .map(|(sms, from)| NewInbound {
            provider: Provider::Acs,
            message_sid: &sms.message_id,
            from,
            to: &sms.to,
            body: &sms.message,
            num_segments: sms.segment_count,
            channel: Channel::Sms,
            external_id: None,
            media: &[],
        })
        .collect();
    ingest_batch(&state.pool, &state.queue, state.burst_window, &arrivals).await?;
    apply_reports(&state, &reports).await?;
    Ok(HttpResponse::Ok().finish())
}

/// The CloudEvents abuse-protection handshake: allow Event Grid to deliver here.
pub async fn handshake(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    authenticate(&req, &state.event_grid)?;
    let origin = req.headers().get("WebHook-Request-Origin").and_then(|v| v.to_str().ok()).unwrap_or("*").to_owned();
    Ok(HttpResponse::Ok()
        .insert_header(("WebHook-Allowed-Origin", origin))
        .insert_header(("WebHook-Allowed-Rate", "*"))
        .insert_header(("Allow", "POST, OPTIONS"))
        .finish())
}

/// Applies a batch's delivery reports, with the opt-outs they carry.
async fn apply_reports(state: &AppState, reports: &[(&str, DeliveryReport)]) -> Result<(), ApiError> {
    let reports: Vec<delivery::Report> = reports
        .iter()
        .map(|(event_id, report)| delivery::Report {
            status: StatusReport {
                provider: Provider::Acs,
                message_sid: &report.message_id,
                // We tag every text with our id, so a report that beats our bookkeeping still finds it.
                message_id: report.tag.as_deref().and_then(|t| Uuid::parse_str(t).ok()),
                status: report.status,
                error_code: None,
                error_message: report
                    .details
                    .as_deref()
                    .filter(|_| report.status != smsagent_domain::MessageStatus::Delivered),
                event_id: Some(event_id),
                attempts: report.attempts.as_ref(),
            },
            opted_out: report.opted_out.then_some(report.details.as_deref()),
        })
        .collect();
    let done = delivery::apply_all(&state.pool, &reports).await?;
    if !reports.is_empty() {
        info!(reports = reports.len(), applied = done.applied, duplicates = done.duplicates, "ACS delivery reports");
    }
    Ok(())
}

/// The delivery carries one of the configured secrets, in the query or the configured header.
fn authenticate(req: &HttpRequest, auth: &EventGridAuth) -> Result<(), ApiError> {
    let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
    if auth.secrets.is_empty() {
        return Err(unauthorized("Event Grid deliveries are refused: EVENT_GRID_SECRET is not configured"));
    }
    let from_query = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(name, _)| name == SECRET_PARAMETER)
        .map(|(_, value)| value.into_owned());
    let from_header = auth
        .header
        .as_deref()
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).to_owned());
    let presented: Vec<String> = from_query.chain(from_header).collect();
    // Digests are compared, every secret with every value presented: equal lengths, so timing tells nothing
    // about a secret's length or content, or which one matched.
    let mut matched = subtle::Choice::from(0);
    for value in &presented {
        let presented_digest = Sha256::digest(value.as_bytes());
        for secret in &auth.secrets {
            matched |= presented_digest.as_slice().ct_eq(Sha256::digest(secret.expose_secret().as_bytes()).as_slice());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else if presented.is_empty() {
        Err(unauthorized("the Event Grid secret is missing"))
    } else {
        Err(unauthorized("the Event Grid secret is wrong"))
    }
}
