//! The receptionist seed's booking endpoints, which its voice agent calls (and any other caller with a
//! tenant's key): `/voice/get-days`, `/voice/get-slots`, `/voice/book`. Labels are in the language asked for.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use smsagent_booking::book::{Bookable, BookingError, OfferedSlot, Person};
use smsagent_booking::calendar::CalendarError;
use smsagent_domain::Language;
use smsagent_engine::appointments::{self as notices, Change};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::{ApiError, ErrorDetail};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DaysAsked {
    assistant_id: Uuid,
    /// `en` (the default) or `es`.
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Days {
    days: Vec<DayView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    #[schema(value_type = String, example = "2026-12-02")]
    date: NaiveDate,
    #[schema(example = "Wednesday, December 2")]
    label: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotsAsked {
    assistant_id: Uuid,
    #[schema(value_type = String, example = "2026-12-02")]
    date: NaiveDate,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Slots {
    slots: Vec<SlotView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// RFC 3339, in the business's time zone.
    #[schema(example = "2026-12-02T09:00:00-06:00")]
    start: String,
    end: String,
    #[schema(example = "9:00 AM")]
    label: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookAsked {
    assistant_id: Uuid,
    /// One of the slots on offer, as get-slots gave it.
    start: DateTime<Utc>,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Booked {
    appointment_id: Uuid,
    start: String,
    end: String,
    #[schema(example = "confirmed")]
    status: &'static str,
}

/// 409 `slot_taken` (or 422 `not_a_slot`), with the nearest free slots to offer instead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotRefused {
    error: ErrorDetail,
    alternatives: Vec<SlotView>,
}

/// The working days with a free slot.
#[utoipa::path(post, path = "/voice/get-days", tag = "booking", security(("api_key" = [])), request_body = DaysAsked,
    responses((status = 200, body = Days), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn get_days(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<DaysAsked>,
) -> Result<HttpResponse, ApiError> {
    let DaysAsked { assistant_id, language } = body.into_inner();
    let language = language_of(language.as_deref())?;
    let bookable = bookable(&state, operator, assistant_id).await?;
    let days = bookable.days(&state.pool, Utc::now(), language).await.map_err(refused)?;
    let days = days.into_iter().map(|d| DayView { date: d.date, label: d.label }).collect();
    Ok(HttpResponse::Ok().json(Days { days }))
}

/// A day's free slots, as many as a call reads out.
#[utoipa::path(post, path = "/voice/get-slots", tag = "booking", security(("api_key" = [])), request_body = SlotsAsked,
    responses((status = 200, body = Slots), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn get_slots(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<SlotsAsked>,
) -> Result<HttpResponse, ApiError> {
    let SlotsAsked { assistant_id, date, language } = body.into_inner();
    let language = language_of(language.as_deref())?;
    let bookable = bookable(&state, operator, assistant_id).await?;
    let limit = bookable.settings.voice_slots as usize;
    let slots = bookable.slots(&state.pool, date, Utc::now(), limit, language).await.map_err(refused)?;
    let slots = slots.into_iter().map(|s| view(&bookable, s)).collect();
    Ok(HttpResponse::Ok().json(Slots { slots }))
}

/// Books a slot; 409 `slot_taken` with the nearest free slots when someone else has it.
#[utoipa::path(post, path = "/voice/book", tag = "booking", security(("api_key" = [])), request_body = BookAsked,
    responses((status = 201, body = Booked), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = SlotRefused),
        (status = 422, body = SlotRefused)))]
pub async fn book(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<BookAsked>,
) -> Result<HttpResponse, ApiError> {
    let BookAsked { assistant_id, start, name, email, phone, language } = body.into_inner();
    let language = language_of(language.as_deref())?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("invalid_name", "name must be 1 to 200 characters"));
    }
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(ApiError::bad_request("invalid_email", "email must be an email address"));
    }
    let phone = match phone.as_deref() {
        Some(raw) => Some(
            smsagent_domain::PhoneNumber::parse(raw)
                .map_err(|e| ApiError::bad_request("invalid_phone_number", format!("phone: {e}")))?,
        ),
        None => None,
    };
    let bookable = bookable(&state, operator, assistant_id).await?;
    // Who booked, as conversations name a contact: the phone given, else the caller's key.
    let contact = phone.as_ref().map_or_else(|| format!("api:{}", operator.tenant_id()), |p| p.as_str().to_owned());
    let person = Person {
        contact: &contact,
        name,
        email: email.as_deref(),
        phone: phone.as_ref().map(|p| p.as_str()),
        language,
        conversation_id: None,
    };
    let alternatives = bookable.settings.voice_slots as usize;
    // The booking and its emails are one transaction: both happen, or neither.
    let mut tx = state.pool.begin().await?;
    match bookable.book(&mut tx, operator.tenant_id(), start, &person, Utc::now(), alternatives).await {
        Ok((appointment_id, slot)) => {
            notices::changed(&mut tx, &state.queue, appointment_id, Change::Booked).await?;
            tx.commit().await?;
            state.queue.wake();
            let tz = bookable.rules.time_zone;
            Ok(HttpResponse::Created().json(Booked {
                appointment_id,
                start: slot.start.with_timezone(&tz).to_rfc3339(),
                end: slot.end.with_timezone(&tz).to_rfc3339(),
                status: "confirmed",
            }))
        }
        Err(error) => slot_refusal(&bookable, error).map_err(refused),
    }
}

async fn bookable(state: &AppState, operator: Operator, assistant_id: Uuid) -> Result<Bookable, ApiError> {
    Bookable::find(&state.pool, operator.tenant_id(), assistant_id, Some(&state.calendars)).await.map_err(refused)
}

pub(super) fn refused(error: BookingError) -> ApiError {
    match error {
        BookingError::Off => ApiError::not_found("no such assistant, or it does not book appointments"),
        BookingError::Store(e) => ApiError::from(e),
        // Nothing is offered or booked while the calendar cannot be read: it may hold the time.
        BookingError::Calendar(CalendarError::Unavailable { reason, .. }) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "calendar_unavailable",
            format!("the assistant's calendar cannot be read now; try again shortly ({reason})"),
        ),
        BookingError::Calendar(CalendarError::Refused(reason)) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "calendar_refused",
            format!("the assistant's calendar refused us; check its booking settings ({reason})"),
        ),
        other => ApiError::internal(anyhow::anyhow!(other)),
    }
}

fn language_of(language: Option<&str>) -> Result<Language, ApiError> {
    language.map_or(Ok(Language::En), |l| {
        Language::parse(l).ok_or_else(|| ApiError::bad_request("invalid_language", "language must be en or es"))
    })
}

fn view(bookable: &Bookable, slot: OfferedSlot) -> SlotView {
    let tz = bookable.rules.time_zone;
    SlotView {
        start: slot.start.with_timezone(&tz).to_rfc3339(),
        end: slot.end.with_timezone(&tz).to_rfc3339(),
        label: slot.label,
    }
}

/// A booking or a move refused for its time: 409 `slot_taken` or 422 `not_a_slot`, with the nearest free
/// slots to offer instead. Any other error is given back.
pub(super) fn slot_refusal(bookable: &Bookable, error: BookingError) -> Result<HttpResponse, BookingError> {
    let (status, code, message, alternatives) = match error {
        BookingError::Taken { alternatives } => {
            (StatusCode::CONFLICT, "slot_taken", "that slot is taken: here are the nearest free ones", alternatives)
        }
        BookingError::NotASlot { alternatives } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_slot",
            "that time is not a slot on offer: here are the nearest free ones",
            alternatives,
        ),
        other => return Err(other),
    };
    Ok(HttpResponse::build(status).json(slot_refused(bookable, code, message, alternatives)))
}

fn slot_refused(bookable: &Bookable, code: &str, message: &str, alternatives: Vec<OfferedSlot>) -> SlotRefused {
    SlotRefused {
        error: ErrorDetail { code: code.to_owned(), message: message.to_owned() },
        alternatives: alternatives.into_iter().map(|s| view(bookable, s)).collect(),
    }
}
