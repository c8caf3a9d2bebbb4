//! When a business takes appointments, and which slots are free: pure, with the clock and what is already
//! booked passed in.
//!
//! Opening hours are local times in the business's time zone, but slots are counted in absolute time from
//! the moment it opens to the moment it closes. So on a day the clocks change, no slot exists twice (the
//! repeated hour of autumn holds each of its instants once) and none is missing (the skipped hour of spring
//! was never open): a day is as long as it really is.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// A day's opening, in local time; `closes` after `opens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
}

/// An assistant's booking rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub time_zone: Tz,
    /// Opening hours per weekday, Monday first; `None`: closed that day.
    pub hours: [Option<Opening>; 7],
    /// How long an appointment lasts.
    pub slot: TimeDelta,
    /// Time kept free after each appointment.
    pub buffer: TimeDelta,
    /// How many working days to offer.
    pub days_ahead: usize,
    /// Dates the business is closed (holidays).
    pub closed: BTreeSet<NaiveDate>,
}

/// A time that can be booked, in absolute time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A time already taken: an appointment (to the end of its buffer), or a busy period from a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Days are looked for this far ahead at most, so a business closed for good offers nothing, quickly.
const SEARCH_DAYS: u32 = 92;

impl Rules {
    /// The receptionist seed's rules: Mexico City, Monday to Friday 9:00 to 17:00, 30-minute slots, no
    /// buffer, 7 working days.
    pub fn seed_default() -> Rules {
        let day = Some(Opening { opens: at(9, 0), closes: at(17, 0) });
        Rules {
            time_zone: chrono_tz::America::Mexico_City,
            hours: [day, day, day, day, day, None, None],
            slot: TimeDelta::minutes(30),
            buffer: TimeDelta::zero(),
            days_ahead: 7,
            closed: BTreeSet::new(),
        }
    }

    /// The business's local date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.time_zone).date_naive()
    }

    /// When the business is open on `date`, in absolute time; `None` when it is closed that day.
    pub fn open_on(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if self.closed.contains(&date) {
            return None;
        }
        let opening = self.hours[date.weekday().num_days_from_monday() as usize]?;
        // Opening at an hour that happens twice opens at the first; closing at one closes at the second.
        let opens = self.instant(date.and_time(opening.opens), Pick::Earliest)?;
        let closes = self.instant(date.and_time(opening.closes), Pick::Latest)?;
        (opens < closes).then_some((opens, closes))
    }

    /// The free slots of `date` that start after `now`, in order.
    pub fn slots(&self, date: NaiveDate, now: DateTime<Utc>, busy: &[Busy]) -> Vec<Slot> {
        let Some((opens, closes)) = self.open_on(date) else { return Vec::new() };
        let step = self.slot.max(TimeDelta::minutes(1));
        // Only the busy times that meet the day (with the buffer) can take a slot: with thousands booked,
        // each slot is then checked against a handful.
        let today: Vec<&Busy> = busy.iter().filter(|b| b.start < closes + self.buffer && opens < b.end).collect();
        std::iter::successors(Some(opens), |start| Some(*start + step))
            .map(|start| Slot { start, end: start + step })
            .take_while(|slot| slot.end <= closes)
            .filter(|slot| slot.start > now && !today.iter().any(|b| self.overlaps(slot, b)))
            .collect()
    }

    /// The next working days from `now` with a free slot, up to `days_ahead` of them.
    pub fn days(&self, now: DateTime<Utc>, busy: &[Busy]) -> Vec<NaiveDate> {
        self.today(now)
            .iter_days()
            .take(SEARCH_DAYS as usize)
            .filter(|date| !self.slots(*date, now, busy).is_empty())
            .take(self.days_ahead)
            .collect()
    }

    /// Whether booking `slot` would run into `busy`: the slot, with the buffer kept after it, meets it.
    fn overlaps(&self, slot: &Slot, busy: &Busy) -> bool {
        slot.start < busy.end && busy.start < slot.end + self.buffer
    }

    /// A local time as an instant. A time the clocks skip opens at the first minute that exists after it.
    fn instant(&self, local: NaiveDateTime, pick: Pick) -> Option<DateTime<Utc>> {
        (0..=180).find_map(|minutes| match self.time_zone.from_local_datetime(&(local + TimeDelta::minutes(minutes))) {
            LocalResult::Single(at) => Some(at.to_utc()),
            LocalResult::Ambiguous(first, second) => Some(match pick {
                Pick::Earliest => first.to_utc(),
                Pick::Latest => second.to_utc(),
            }),
            LocalResult::None => None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Pick {
    Earliest,
    Latest,
}

fn at(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
mod tests;
