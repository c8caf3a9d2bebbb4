//! The booking side of a reply: reading the calendar before it, and doing what it decided (book, move,
//! cancel) in its transaction. The database refuses a double booking whatever was read before; the reply
//! then says so and lists what is still free.

use chrono::Utc;
use smsagent_booking::book::{Bookable, BookingError, Person};
use smsagent_booking::calendar::{CalendarError, Connector};
use smsagent_booking::conversation::{Action, Stage, Upcoming};
use smsagent_domain::form::{Form, SlotState};
use smsagent_domain::shaping::Shaped;
use smsagent_domain::{Contact, Language};
use smsagent_store::forms::FormSession;
use smsagent_store::{appointments, booking_dialogues};
use sqlx::PgConnection;
use tracing::{info, warn};
use uuid::Uuid;

use super::{JobError, WorkerDeps};
use crate::appointments::{Change, changed};
use crate::dialogue::booking::{BookingUpdate, Calendar};

/// Whether a reply may book: the contact's details are in (no form, or it completed), or this reply may
/// complete them. A form with two questions or more still to confirm cannot complete in one reply (each
/// confirmation is a yes of its own), so its replies do without the calendar.
pub(super) fn in_play(form: Option<&Form>, session: Option<&FormSession>) -> bool {
    let Some(form) = form else { return true };
    if session.is_some_and(|s| s.completed) {
        return true;
    }
    let answered = |key: &str| {
        session.and_then(|s| s.state.slots.get(key)).is_some_and(|slot| !matches!(slot, SlotState::Proposed { .. }))
    };
    let waiting = form.slots.iter().filter(|s| s.required && s.confirm && !answered(&s.key)).count();
    waiting < 2
}

/// How long a list sent (or a cancel asked) stands for the contact's answer.
const STAGE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The assistant's booking settings, with its tenant, connected to its calendar; `None` when it does not
/// book (or its settings no longer read).
pub(super) async fn bookable(
    pool: &sqlx::PgPool,
    calendars: &Connector,
    assistant_id: Uuid,
) -> Result<Option<(Uuid, Bookable)>, JobError> {
    match Bookable::of_assistant(pool, assistant_id, Some(calendars)).await {
        Ok(found) => Ok(found),
        Err(BookingError::Store(e)) => Err(e.into()),
        Err(e) => {
            warn!(%assistant_id, error = %e, "the assistant's booking settings do not read; answering without booking");
            Ok(None)
        }
    }
}

/// The assistant's calendar and the conversation's booking.
pub(super) async fn calendar(
    pool: &sqlx::PgPool,
    (tenant_id, bookable): (Uuid, Bookable),
    conversation_id: Uuid,
    may_retry: bool,
) -> Result<Option<Calendar>, JobError> {
    let assistant_id = bookable.assistant_id;
    let now = Utc::now();
    let upcoming =
        appointments::upcoming_in(pool, conversation_id, now).await?.map(|a| Upcoming { id: a.id, start: a.starts_at });
    // A list sent long ago is no longer what "2" refers to.
    let stage = booking_dialogues::get(pool, conversation_id)
        .await?
        .filter(|d| now - d.updated_at < STAGE_LIFETIME)
        .and_then(|d| serde_json::from_value::<Stage>(d.state).ok());
    let free = match bookable.free(pool, now, upcoming.map(|u| u.start)).await {
        Ok(free) => free,
        // The external calendar is down for now: the reply waits for it, while it may.
        Err(BookingError::Calendar(CalendarError::Unavailable { reason, retry_after })) if may_retry => {
            return Err(JobError::Retry { reason, retry_after });
        }
        Err(BookingError::Store(e)) => return Err(e.into()),
        Err(e) => {
            warn!(%assistant_id, error = %e, "the assistant's calendar cannot be read; answering without booking");
            return Ok(None);
        }
    };
    Ok(Some(Calendar { tenant_id, bookable, free, upcoming, stage, now }))
}

/// Books, moves or cancels as the reply decided, and keeps its stage; returns the reply to send instead
/// when the time was taken meanwhile.
pub(super) async fn apply(
    deps: &WorkerDeps,
    tx: &mut PgConnection,
    calendar: &Calendar,
    reply: Replying<'_>,
    update: &BookingUpdate,
) -> Result<Option<Shaped>, JobError> {
    let Replying { conversation_id, contact, language, may_retry } = reply;
    let (tenant_id, bookable) = (calendar.tenant_id, &calendar.bookable);
    let now = Utc::now();
    let done = match update.action {
        None => true,
        Some(Action::Book(slot)) => {
            let person = Person {
                contact: contact.as_str(),
                name: update.person.name.as_deref().unwrap_or(contact.as_str()),
                email: update.person.email.as_deref(),
                phone: update.person.phone.as_deref().or(contact.phone().map(|p| p.as_str())),
                language,
                conversation_id: Some(conversation_id),
            };
            match bookable.book(&mut *tx, tenant_id, slot.start, &person, now, 0).await {
                Ok((appointment_id, _)) => {
                    changed(tx, &deps.queue, appointment_id, Change::Booked).await?;
                    info!(%conversation_id, %appointment_id, "appointment booked by text");
                    true
                }
                Err(BookingError::Taken { .. } | BookingError::NotASlot { .. }) => false,
                Err(e) => not_now(e, may_retry)?,
            }
        }
        Some(Action::Move { appointment, slot }) => match appointments::get(&mut *tx, tenant_id, appointment).await? {
            Some(current) => {
                match bookable.reschedule(&mut *tx, tenant_id, &current, slot.start, now, language).await {
                    Ok(_) => {
                        changed(tx, &deps.queue, appointment, Change::Moved).await?;
                        info!(%conversation_id, appointment_id = %appointment, "appointment moved by text");
                        true
                    }
                    Err(BookingError::Taken { .. } | BookingError::NotASlot { .. } | BookingError::Gone) => false,
                    Err(e) => not_now(e, may_retry)?,
                }
            }
            None => false,
        },
        Some(Action::Cancel { appointment }) => {
            if appointments::cancel(&mut *tx, tenant_id, appointment).await? {
                changed(tx, &deps.queue, appointment, Change::Cancelled).await?;
                info!(%conversation_id, appointment_id = %appointment, "appointment cancelled by text");
            }
            // Already cancelled (by an operator, say): it is cancelled, as the reply says.
            true
        }
    };
    let (instead, stage) = match (done, &update.if_taken) {
        (false, Some((instead, stage))) => (Some(instead.clone()), stage.as_ref()),
        _ => (None, update.stage.as_ref()),
    };
    let state = stage.map(|s| serde_json::to_value(s).unwrap_or_default());
    booking_dialogues::set(&mut *tx, conversation_id, stage.map(Stage::name).zip(state.as_ref())).await?;
    Ok(instead)
}

/// The conversation a reply books in, and how.
#[derive(Debug, Clone, Copy)]
pub(super) struct Replying<'a> {
    pub conversation_id: Uuid,
    pub contact: &'a Contact,
    pub language: Language,
    pub may_retry: bool,
}

/// A booking the calendar kept from happening: tried again later while the job may be; on its last try the
/// reply says the time could not be had and lists what is free.
fn not_now(error: BookingError, may_retry: bool) -> Result<bool, JobError> {
    match error {
        BookingError::Calendar(CalendarError::Unavailable { reason, retry_after }) if may_retry => {
            Err(JobError::Retry { reason, retry_after })
        }
        BookingError::Calendar(e) => {
            warn!(error = %e, "the calendar kept a booking by text from happening");
            Ok(false)
        }
        other => Err(fatal(other)),
    }
}

fn fatal(error: BookingError) -> JobError {
    match error {
        BookingError::Store(e) => e.into(),
        other => JobError::Fatal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use smsagent_domain::form::{FormState, SlotValue};

    use super::*;

    #[test]
    fn the_calendar_is_read_only_when_the_reply_may_book() {
        let form = Form::appointment_booking();
        let session = |state: &FormState, completed| FormSession {
            id: Uuid::nil(),
            state: state.clone(),
            completed,
            updated_at: Utc::now(),
        };
        let confirmed = |text: &str| SlotState::Confirmed { value: SlotValue::Text(text.into()) };
        assert!(in_play(None, None), "no form: the first text may book");
        assert!(!in_play(Some(&form), None), "three questions to go");
        let mut state = FormState::default();
        state.slots.insert("name".into(), confirmed("Maria Garcia"));
        assert!(!in_play(Some(&form), Some(&session(&state, false))), "two to go");
        state.slots.insert("email".into(), confirmed("maria@example.com"));
        assert!(in_play(Some(&form), Some(&session(&state, false))), "the last may be confirmed now");
        assert!(in_play(Some(&form), Some(&session(&FormState::default(), true))), "completed");
    }
}
