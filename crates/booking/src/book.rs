//! The three operations every caller uses (the voice agent's endpoints now, the conversation next): the
//! days on offer, a day's free slots, and booking one. The built-in calendar is Postgres, where the
//! exclusion constraint makes a double booking impossible.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use smsagent_domain::Language;
use smsagent_store::appointments::{self, Booking, NewAppointment};
use smsagent_store::{PgPool, StoreError, booking_settings};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use std::sync::Arc;

use crate::availability::{Busy, Rules, Slot};
use crate::calendar::{CalendarError, CalendarSettings, Connector, ExternalCalendar};
use crate::labels;
use crate::settings::{BookingSettings, InvalidBooking};

/// An assistant that books: its settings, its rules and its calendar.
#[derive(Debug, Clone)]
pub struct Bookable {
    pub assistant_id: Uuid,
    pub settings: BookingSettings,
    pub rules: Rules,
    /// Its book, as `appointment.calendar` names it: `builtin:<assistant id>`, under the exclusion
    /// constraint.
    pub calendar: String,
    /// The external calendar, when it has one and was connected.
    pub external: Option<Arc<dyn ExternalCalendar>>,
}

/// A day on offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedDay {
    pub date: NaiveDate,
    pub label: String,
}

/// A slot on offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub label: String,
}

/// Who books.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub contact: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub language: Language,
    /// The conversation booking, if it is one: reminders go there.
    pub conversation_id: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("this assistant does not book appointments")]
    Off,
    #[error("the stored booking settings no longer read: {0}")]
    Settings(#[from] InvalidBooking),
    /// The time is not one of the slots on offer (closed, past, or not on a slot's boundary).
    #[error("that time is not a slot on offer")]
    NotASlot { alternatives: Vec<OfferedSlot> },
    /// Someone else has it (perhaps a moment ago).
    #[error("that slot is taken")]
    Taken { alternatives: Vec<OfferedSlot> },
    /// The appointment is no longer confirmed (cancelled meanwhile).
    #[error("the appointment is cancelled")]
    Gone,
    /// The external calendar could not be read, so nothing can be offered or booked on it now.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How far ahead the calendar is read: as far as days are looked for.
const HORIZON: TimeDelta = TimeDelta::days(92);

impl Bookable {
    /// The tenant's assistant, if it books.
    /// `connector` connects its external calendar, if it has one; without it, only its settings are read.
    pub async fn find(
        pool: &PgPool,
        tenant_id: Uuid,
        assistant_id: Uuid,
        connector: Option<&Connector>,
    ) -> Result<Bookable, BookingError> {
        let json = booking_settings::get(pool, tenant_id, assistant_id).await?.ok_or(BookingError::Off)?;
        Self::from_settings(assistant_id, json, connector)
    }

    /// The assistant and its tenant, whoever's it is, if it books (for the engine).
    pub async fn of_assistant(
        db: impl PgExecutor<'_>,
        assistant_id: Uuid,
        connector: Option<&Connector>,
    ) -> Result<Option<(Uuid, Bookable)>, BookingError> {
        let Some((tenant_id, json)) = booking_settings::of_assistant(db, assistant_id).await? else { return Ok(None) };
        Ok(Some((tenant_id, Self::from_settings(assistant_id, json, connector)?)))
    }

    fn from_settings(
        assistant_id: Uuid,
        json: serde_json::Value,
        connector: Option<&Connector>,
    ) -> Result<Bookable, BookingError> {
        let settings: BookingSettings =
            serde_json::from_value(json).map_err(|e| BookingError::Settings(InvalidBooking::from(e)))?;
        let rules = settings.rules()?;
        // The assistant's own book, whatever calendar it also writes to: a change of calendar keeps every
        // appointment made before it in the way of a new one.
        let calendar = format!("builtin:{assistant_id}");
        let external = connector.and_then(|c| settings.calendar.connect(c, rules.time_zone));
        Ok(Bookable { assistant_id, settings, rules, calendar, external })
    }

    /// Whether its appointments are written to a calendar outside Postgres too.
    pub fn has_external_calendar(&self) -> bool {
        !matches!(self.settings.calendar, CalendarSettings::Builtin)
    }

    /// The days on offer from `now`, each with its free slots; the time of the appointment starting at
    /// `except` (the contact's own, which they may move) counts as free.
    pub async fn free(
        &self,
        db: impl PgExecutor<'_>,
        now: DateTime<Utc>,
        except: Option<DateTime<Utc>>,
    ) -> Result<Vec<(NaiveDate, Vec<Slot>)>, BookingError> {
        let busy: Vec<Busy> = self.busy(db, now).await?.into_iter().filter(|b| Some(b.start) != except).collect();
        Ok(self.rules.days(now, &busy).into_iter().map(|d| (d, self.rules.slots(d, now, &busy))).collect())
    }

    /// The working days with a free slot, from `now`.
    pub async fn days(
        &self,
        pool: &PgPool,
        now: DateTime<Utc>,
        language: Language,
    ) -> Result<Vec<OfferedDay>, BookingError> {
        let busy = self.busy(pool, now).await?;
        Ok(self
            .rules
            .days(now, &busy)
            .into_iter()
            .map(|date| OfferedDay { date, label: labels::day(date, language) })
            .collect())
    }

    /// Up to `limit` free slots of `date`.
    pub async fn slots(
        &self,
        pool: &PgPool,
        date: NaiveDate,
        now: DateTime<Utc>,
        limit: usize,
        language: Language,
    ) -> Result<Vec<OfferedSlot>, BookingError> {
        let busy = self.busy(pool, now).await?;
        Ok(self.rules.slots(date, now, &busy).into_iter().take(limit).map(|s| self.offered(s, language)).collect())
    }

    /// Books the slot starting at `start` for `person`; refused with the nearest free slots when it is not
    /// on offer or someone else has it.
    pub async fn book(
        &self,
        conn: &mut PgConnection,
        tenant_id: Uuid,
        start: DateTime<Utc>,
        person: &Person<'_>,
        now: DateTime<Utc>,
        alternatives: usize,
    ) -> Result<(Uuid, Slot), BookingError> {
        let busy = self.busy(&mut *conn, now).await?;
        let slot = self.on_offer(start, now, &busy, alternatives, person.language)?;
        let appointment = NewAppointment {
            tenant_id,
            assistant_id: Some(self.assistant_id),
            conversation_id: person.conversation_id,
            calendar: &self.calendar,
            contact_number: person.contact,
            name: person.name,
            email: person.email,
            phone: person.phone,
            language: Some(person.language.as_str()),
            starts_at: slot.start,
            ends_at: slot.end,
            blocked_until: slot.end + self.rules.buffer,
        };
        match appointments::book(conn, &appointment).await? {
            Booking::Confirmed(id) => Ok((id, slot)),
            Booking::Taken => {
                let busy = self.busy(&mut *conn, now).await?;
                Err(BookingError::Taken {
                    alternatives: self.nearest(start, now, &busy, alternatives, person.language),
                })
            }
        }
    }

    /// The free slot starting at `start`; else why not, with the `count` nearest free slots. A slot of the
    /// day that someone holds is taken; any other time was never on offer.
    fn on_offer(
        &self,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        busy: &[Busy],
        count: usize,
        language: Language,
    ) -> Result<Slot, BookingError> {
        let date = start.with_timezone(&self.rules.time_zone).date_naive();
        if let Some(slot) = self.rules.slots(date, now, busy).into_iter().find(|s| s.start == start) {
            return Ok(slot);
        }
        let alternatives = self.nearest(start, now, busy, count, language);
        if self.rules.slots(date, now, &[]).iter().any(|s| s.start == start) {
            Err(BookingError::Taken { alternatives })
        } else {
            Err(BookingError::NotASlot { alternatives })
        }
    }

    /// The `count` free slots nearest to `start`, in order of time.
    fn nearest(
        &self,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        busy: &[Busy],
        count: usize,
        language: Language,
    ) -> Vec<OfferedSlot> {
        let mut free: Vec<Slot> =
            self.rules.days(now, busy).into_iter().flat_map(|d| self.rules.slots(d, now, busy)).collect();
        free.sort_by_key(|s| (s.start - start).abs());
        free.truncate(count);
        free.sort();
        free.into_iter().map(|s| self.offered(s, language)).collect()
    }

    /// The times taken: its appointments in Postgres, and what the external calendar holds busy (read
    /// afresh each time: someone may have put a meeting there a moment ago).
    async fn busy(&self, db: impl PgExecutor<'_>, now: DateTime<Utc>) -> Result<Vec<Busy>, BookingError> {
        let (from, to) = (now - TimeDelta::days(1), now + HORIZON);
        let taken = appointments::taken(db, &self.calendar, from, to).await?;
        let mut busy: Vec<Busy> =
            taken.into_iter().map(|t| Busy { start: t.starts_at, end: t.blocked_until }).collect();
        if self.has_external_calendar() {
            let external = self.external.as_ref().ok_or_else(|| CalendarError::Unavailable {
                reason: "the calendar was not connected".into(),
                retry_after: None,
            })?;
            // Our own appointments are on it too; reading them twice changes nothing.
            busy.extend(external.busy(from, to).await?);
        }
        Ok(busy)
    }

    fn offered(&self, slot: Slot, language: Language) -> OfferedSlot {
        let label = labels::time(slot.start.with_timezone(&self.rules.time_zone), language);
        OfferedSlot { start: slot.start, end: slot.end, label }
    }
}

impl From<serde_json::Error> for InvalidBooking {
    fn from(error: serde_json::Error) -> Self {
        InvalidBooking::new(error.to_string())
    }
}

impl Bookable {
    /// Moves `appointment` to the slot starting at `start`: refused, with the nearest free slots (as many as
    /// a call reads out), when that is not on offer or someone holds it. The appointment's own time counts
    /// as free.
    pub async fn reschedule(
        &self,
        conn: &mut PgConnection,
        tenant_id: Uuid,
        appointment: &appointments::Appointment,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        language: Language,
    ) -> Result<Slot, BookingError> {
        let alternatives = self.settings.voice_slots as usize;
        let busy: Vec<Busy> =
            self.busy(&mut *conn, now).await?.into_iter().filter(|b| b.start != appointment.starts_at).collect();
        let slot = self.on_offer(start, now, &busy, alternatives, language)?;
        let blocked_until = slot.end + self.rules.buffer;
        match appointments::reschedule(conn, tenant_id, appointment.id, slot.start, slot.end, blocked_until).await? {
            appointments::Moved::Moved => Ok(slot),
            appointments::Moved::NotFound => Err(BookingError::Gone),
            appointments::Moved::Taken => {
                let busy = self.busy(&mut *conn, now).await?;
                Err(BookingError::Taken { alternatives: self.nearest(start, now, &busy, alternatives, language) })
            }
        }
    }
}
