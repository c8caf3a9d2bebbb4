//! `sync_calendar`: brings an appointment's event on its external calendar up to date with the appointment
//! as it is now (whatever change queued the job): written when confirmed, at its current time; removed when
//! cancelled. Writing is by the appointment's own id, so a retry writes the same event.

use smsagent_booking::book::{Bookable, BookingError};
use smsagent_booking::calendar::{CalendarError, CalendarEvent};
use smsagent_store::appointments;
use smsagent_store::jobs::{self, ClaimedJob};
use tracing::info;
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};

pub(super) async fn sync(deps: &WorkerDeps, job: &ClaimedJob, appointment_id: Uuid) -> Result<(), JobError> {
    let pool = &deps.pool;
    let Some(appointment) = appointments::find(pool, appointment_id).await? else {
        return skip(pool, job, "the appointment is gone").await;
    };
    let Some(assistant_id) = appointment.assistant_id else {
        return skip(pool, job, "the appointment's assistant is gone").await;
    };
    let bookable = match Bookable::of_assistant(pool, assistant_id, Some(&deps.calendars)).await {
        Ok(Some((_, bookable))) => bookable,
        Ok(None) => return skip(pool, job, "the assistant no longer books").await,
        Err(BookingError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(JobError::Fatal(e.to_string())),
    };
    let Some(calendar) = &bookable.external else {
        return skip(pool, job, "the assistant's calendar is the built-in one").await;
    };
    let existing = appointment.calendar_event_id.as_deref();
    let outcome = if appointment.status == "confirmed" {
        let event = CalendarEvent {
            id: appointment.id,
            summary: format!("Appointment: {}", appointment.name),
            description: [
                Some(format!("Booked through smsagent ({}).", appointment.id)),
                appointment.phone.as_ref().map(|p| format!("Phone: {p}")),
                appointment.email.as_ref().map(|e| format!("Email: {e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
            start: appointment.starts_at,
            end: appointment.ends_at,
        };
        calendar.put(&event, existing).await.map(Some)
    } else {
        calendar.remove(appointment.id, existing).await.map(|()| None)
    };
    match outcome {
        Ok(written) => {
            let mut tx = pool.begin().await?;
            if let Some(event_id) = written {
                appointments::set_calendar_event(&mut *tx, appointment.id, event_id.as_deref()).await?;
            }
            jobs::complete(&mut *tx, job).await?;
            tx.commit().await?;
            info!(%appointment_id, status = %appointment.status, "the external calendar is up to date");
            Ok(())
        }
        Err(CalendarError::Unavailable { reason, retry_after }) => Err(JobError::Retry { reason, retry_after }),
        Err(CalendarError::Refused(reason)) => Err(JobError::Fatal(reason)),
    }
}
