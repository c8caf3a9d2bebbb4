//! What follows a change to an appointment, whoever made it (a text, the voice endpoints, an operator):
//! the person's confirmation and the business's notice by email, and the reminder text. Queued in the
//! caller's transaction with the change itself, so either both happen or neither.

use chrono::{DateTime, TimeDelta, Utc};
use smsagent_booking::availability::Rules;
use smsagent_booking::book::Bookable;
use smsagent_booking::notice::{self, About};
use smsagent_domain::Language;
use smsagent_store::appointments::{self, Appointment};
use smsagent_store::emails::{self, NewEmail};
use smsagent_store::{StoreError, assistants};
use sqlx::PgConnection;
use uuid::Uuid;

pub use smsagent_booking::notice::Change;

use crate::queue::{Job, Queue};

/// Queues the emails and the reminder that `change` to the appointment calls for.
pub async fn changed(
    tx: &mut PgConnection,
    queue: &Queue,
    appointment_id: Uuid,
    change: Change,
) -> Result<(), StoreError> {
    let Some(appointment) = appointments::find(&mut *tx, appointment_id).await? else { return Ok(()) };
    let (bookable, business) = booking_of(tx, &appointment).await?;
    let settings = bookable.as_ref().map(|b| &b.settings);
    let zone = bookable.as_ref().map_or(Rules::seed_default().time_zone, |b| b.rules.time_zone);
    let mut about = about(&appointment, &business, zone);
    about.organizer = settings.and_then(|s| s.admin_email.as_deref());

    let mut mail = Vec::new();
    if let Some(email) = appointment.email.as_deref() {
        mail.push((email.to_owned(), notice::to_person(&about, change)));
    }
    if let Some(admin) = settings.and_then(|s| s.admin_email.as_deref()) {
        mail.push((admin.to_owned(), notice::to_admin(&about, change)));
    }
    for (to, notice) in &mail {
        let new = NewEmail {
            tenant_id: appointment.tenant_id,
            appointment_id: Some(appointment.id),
            recipient: to,
            subject: &notice.subject,
            body: &notice.body,
            invite: Some(&notice.invite),
        };
        let email_id = emails::insert(&mut *tx, &new).await?;
        queue.push(&mut *tx, &Job::SendEmail { email_id }).await?;
    }

    // Its event on an external calendar follows it (written, moved or removed by a job, retried).
    if bookable.as_ref().is_some_and(Bookable::has_external_calendar) {
        queue.push(&mut *tx, &Job::SyncCalendar { appointment_id }).await?;
    }

    // A moved appointment gets a reminder for its new time; the old one finds the time changed and stays
    // silent, as a cancelled one's does.
    let hours = settings.map_or(24, |s| s.reminder_hours);
    if let (Change::Booked | Change::Moved, Some(conversation_id), true) =
        (change, appointment.conversation_id, hours > 0)
    {
        let remind_at = appointment.starts_at - TimeDelta::hours(hours.into());
        if let Ok(delay) = (remind_at - Utc::now()).to_std() {
            let job = Job::RemindAppointment { conversation_id, appointment_id, starts_at: appointment.starts_at };
            queue.push_after(&mut *tx, &job, delay).await?;
        }
    }
    Ok(())
}

/// The appointment's booking settings and the name of the business it is with (the assistant's).
pub(crate) async fn booking_of(
    tx: &mut PgConnection,
    appointment: &Appointment,
) -> Result<(Option<Bookable>, String), StoreError> {
    let Some(assistant_id) = appointment.assistant_id else { return Ok((None, String::new())) };
    let bookable = match Bookable::of_assistant(&mut *tx, assistant_id, None).await {
        Ok(found) => found.map(|(_, b)| b),
        Err(smsagent_booking::book::BookingError::Store(e)) => return Err(e),
        // Settings that no longer read: the notices go with the defaults.
        Err(_) => None,
    };
    let business = assistants::program(&mut *tx, assistant_id).await?.map(|(name, _)| name).unwrap_or_default();
    Ok((bookable, business))
}

pub(crate) fn about<'a>(appointment: &'a Appointment, business: &'a str, zone: chrono_tz::Tz) -> About<'a> {
    let sequence = Utc::now().timestamp() - appointment.created_at.timestamp();
    About {
        appointment_id: appointment.id,
        business: if business.is_empty() { "us" } else { business },
        name: &appointment.name,
        email: appointment.email.as_deref(),
        phone: appointment.phone.as_deref(),
        start: appointment.starts_at,
        end: appointment.ends_at,
        zone,
        language: appointment.language.as_deref().and_then(Language::parse).unwrap_or_default(),
        sequence,
        organizer: None,
    }
}

/// Whether a reminder queued for `starts_at` still stands: the appointment is confirmed at that time.
pub(crate) fn still_due(appointment: &Appointment, starts_at: DateTime<Utc>) -> bool {
    appointment.status == "confirmed" && appointment.starts_at == starts_at
}
