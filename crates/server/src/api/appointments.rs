//! `/api/v1/appointments`: the tenant's appointments, by assistant and date range; one read, cancelled or
//! moved. A move goes through the same rules and the same no-overlap guarantee as a booking.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use smsagent_booking::book::{Bookable, BookingError};
use smsagent_domain::Language;
use smsagent_engine::appointments::{self as notices, Change};
use smsagent_store::appointments::{self, Appointment};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use super::voice::{SlotRefused, slot_refusal};
use crate::error::ApiError;
use crate::state::AppState;

/// Most appointments one list answers.
const MAX_LISTED: i64 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Only this assistant's.
    assistant_id: Option<Uuid>,
    /// Appointments starting from: a date (midnight UTC) or an RFC 3339 date and time; today by default.
    #[param(value_type = Option<String>, example = "2026-12-01")]
    from: Option<String>,
    /// And before: as `from`; 30 days after `from` by default.
    #[param(value_type = Option<String>, example = "2026-12-31")]
    to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppointmentList {
    /// By start, at most 500.
    appointments: Vec<AppointmentView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppointmentView {
    id: Uuid,
    assistant_id: Option<Uuid>,
    /// Who booked, as conversations name a contact.
    contact_number: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    language: Option<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// `confirmed` or `cancelled`.
    status: String,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
}

impl From<Appointment> for AppointmentView {
    fn from(a: Appointment) -> Self {
        AppointmentView {
            id: a.id,
            assistant_id: a.assistant_id,
            contact_number: a.contact_number,
            name: a.name,
            email: a.email,
            phone: a.phone,
            language: a.language,
            start: a.starts_at,
            end: a.ends_at,
            status: a.status,
            created_at: a.created_at,
            cancelled_at: a.cancelled_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    /// The new slot's start, one on offer (as `/voice/get-slots` gives them).
    start: DateTime<Utc>,
}

/// The tenant's appointments in a date range, by start.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "booking", security(("api_key" = [])), params(Range),
    responses((status = 200, body = AppointmentList), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    operator: Operator,
    state: web::Data<AppState>,
    range: web::Query<Range>,
) -> Result<HttpResponse, ApiError> {
    let today = Utc::now().date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let from = super::moment("from", range.from.as_deref())?.unwrap_or(today);
    let to = super::moment("to", range.to.as_deref())?.unwrap_or(from + TimeDelta::days(30));
    if from >= to {
        return Err(ApiError::bad_request("invalid_query", "from must be before to"));
    }
    let listed =
        appointments::list(&state.pool, operator.tenant_id(), range.assistant_id, from, to, MAX_LISTED).await?;
    Ok(HttpResponse::Ok().json(AppointmentList { appointments: listed.into_iter().map(Into::into).collect() }))
}

/// One appointment.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = appointments::get(&state.pool, operator.tenant_id(), *id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(AppointmentView::from(found)))
}

/// Cancels an appointment, freeing its time; 409 `already_cancelled` when it was.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.pool.begin().await?;
    if !appointments::cancel(&mut *tx, operator.tenant_id(), *id).await? {
        tx.rollback().await?;
        appointments::get(&state.pool, operator.tenant_id(), *id).await?.ok_or_else(not_found)?;
        return Err(ApiError::conflict("already_cancelled", "the appointment was already cancelled"));
    }
    // The person and the business hear of it (the emails are queued with the cancellation).
    notices::changed(&mut tx, &state.queue, *id, Change::Cancelled).await?;
    tx.commit().await?;
    state.queue.wake();
    let cancelled = appointments::get(&state.pool, operator.tenant_id(), *id).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(AppointmentView::from(cancelled)))
}

/// Moves an appointment to another slot on offer; 409 `slot_taken` (or 422 `not_a_slot`) with the nearest
/// free slots.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/reschedule", tag = "booking", security(("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = Move,
    responses((status = 200, body = AppointmentView), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = SlotRefused), (status = 422, body = SlotRefused)))]
pub async fn reschedule(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<Move>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = operator.tenant_id();
    let appointment = appointments::get(&state.pool, tenant_id, *id).await?.ok_or_else(not_found)?;
    if appointment.status != "confirmed" {
        return Err(ApiError::conflict("already_cancelled", "a cancelled appointment cannot be moved"));
    }
    let assistant_id = appointment
        .assistant_id
        .ok_or_else(|| ApiError::conflict("booking_off", "the appointment's assistant is gone"))?;
    let bookable =
        Bookable::find(&state.pool, tenant_id, assistant_id, Some(&state.calendars)).await.map_err(|e| match e {
            BookingError::Off => ApiError::conflict("booking_off", "the appointment's assistant no longer books"),
            other => super::voice::refused(other),
        })?;
    let language = appointment.language.as_deref().and_then(Language::parse).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    let moved = bookable.reschedule(&mut tx, tenant_id, &appointment, body.0.start, Utc::now(), language).await;
    match moved {
        Ok(_) => {
            notices::changed(&mut tx, &state.queue, *id, Change::Moved).await?;
            tx.commit().await?;
            state.queue.wake();
            let moved = appointments::get(&state.pool, tenant_id, *id).await?.ok_or_else(not_found)?;
            Ok(HttpResponse::Ok().json(AppointmentView::from(moved)))
        }
        Err(BookingError::Gone) => {
            Err(ApiError::conflict("already_cancelled", "the appointment was cancelled meanwhile"))
        }
        Err(error) => slot_refusal(&bookable, error).map_err(super::voice::refused),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("no such appointment")
}
