//! Booking by text: offering days, then a day's times, booking the one chosen, and later moving,
//! cancelling or telling the appointment. A pure step, like the form engine's: from what was read
//! beforehand (a [`View`]) and the contact's words to what to say, the stage to keep and what to do
//! ([`Turn`]); the caller books, in the transaction that stores the reply.
//!
//! Numbers refer to the list last sent, which the stage keeps, so "2" means the same day however the
//! calendar changed meanwhile. Nothing a model writes is read here: only the contact's own words.

mod choice;
mod wording;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use smsagent_domain::Language;
use smsagent_domain::form::grounding::answers;
use smsagent_domain::text::words;
use uuid::Uuid;

pub use choice::{Clock, PartOfDay, Wanted};
pub use wording::when;

use crate::availability::{Rules, Slot};
use crate::labels;

/// Where a conversation's booking stands between texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// The days just listed, in their numbered order.
    ChoosingDay {
        days: Vec<NaiveDate>,
        /// The appointment being moved, if it is a move.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moving: Option<Uuid>,
    },
    /// A day's times just listed, in their numbered order.
    ChoosingSlot {
        date: NaiveDate,
        starts: Vec<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moving: Option<Uuid>,
    },
    /// Asked whether to cancel this appointment.
    ConfirmingCancel { appointment: Uuid },
}

impl Stage {
    /// As stored (`booking_dialogue.stage`).
    pub fn name(&self) -> &'static str {
        match self {
            Stage::ChoosingDay { .. } => "choosing_day",
            Stage::ChoosingSlot { .. } => "choosing_slot",
            Stage::ConfirmingCancel { .. } => "confirming_cancel",
        }
    }

    fn moving(&self) -> Option<Uuid> {
        match self {
            Stage::ChoosingDay { moving, .. } | Stage::ChoosingSlot { moving, .. } => *moving,
            Stage::ConfirmingCancel { .. } => None,
        }
    }
}

/// The contact's next confirmed appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upcoming {
    pub id: Uuid,
    pub start: DateTime<Utc>,
}

/// What a turn is decided from, read beforehand.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub rules: &'a Rules,
    /// How many times a list holds at most (the assistant's `text_slots`).
    pub list_limit: usize,
    pub now: DateTime<Utc>,
    pub language: Language,
    /// The days on offer, in order, each with its free slots (the contact's own appointment counts as
    /// free, so it can be moved next to itself).
    pub free: &'a [(NaiveDate, Vec<Slot>)],
    pub upcoming: Option<Upcoming>,
    pub stage: Option<&'a Stage>,
    /// Whether a reply fits the assistant's segment budget.
    pub fits: &'a dyn Fn(&str) -> bool,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").field("stage", &self.stage).field("upcoming", &self.upcoming).finish_non_exhaustive()
    }
}

/// What to do on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Book(Slot),
    Move { appointment: Uuid, slot: Slot },
    Cancel { appointment: Uuid },
}

/// A turn of the booking conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub says: String,
    /// The stage after it; `None` when nothing is being chosen.
    pub stage: Option<Stage>,
    pub action: Option<Action>,
    /// What to say, and the stage, when the action's time was taken meanwhile.
    pub if_taken: Option<(String, Option<Stage>)>,
}

impl Turn {
    fn say(says: String, stage: Option<Stage>) -> Turn {
        Turn { says, stage, action: None, if_taken: None }
    }
}

/// The conversation's booking state as the chat API shows it: `none`, `choosing_day`, `choosing_slot` or
/// `booked`.
pub fn state_name(stage: Option<&str>, booked: bool) -> &'static str {
    match stage {
        Some("choosing_day") => "choosing_day",
        Some("choosing_slot") => "choosing_slot",
        _ if booked => "booked",
        _ => "none",
    }
}

/// The turn after the contact's details were collected: thanks, and the days on offer.
pub fn opening(view: &View<'_>, name: Option<&str>) -> Turn {
    let lead = wording::thanks(name, view.language);
    offer_days(view, Some(&lead), None)
}

/// The turn over `said`; `None` when it is not about booking (the assistant answers it as it otherwise
/// would, and the stage stays).
pub fn step(view: &View<'_>, said: &str) -> Option<Turn> {
    let language = view.language;
    let wanted = choice::read(said, view.rules.today(view.now));
    let intent = intent(said);

    // A cancel asked about an appointment that is no longer the contact's next (cancelled by an operator,
    // or past) is forgotten.
    let stage = view.stage.filter(|s| match s {
        Stage::ConfirmingCancel { appointment } => view.upcoming.is_some_and(|u| u.id == *appointment),
        _ => true,
    });
    let view = &View { stage, ..*view };
    if let (Some(Stage::ConfirmingCancel { appointment }), Some(upcoming)) = (view.stage, view.upcoming) {
        let (day, time) = wording::when(upcoming.start, view.rules.time_zone, language);
        // "yes, cancel it", "sí, por favor" as well as a bare yes.
        match answers(said) {
            Some(true) => {
                return Some(Turn {
                    says: wording::cancelled(&day, &time, language),
                    stage: None,
                    action: Some(Action::Cancel { appointment: *appointment }),
                    if_taken: None,
                });
            }
            Some(false) => return Some(Turn::say(wording::kept(&day, &time, language), None)),
            None => {}
        }
    }

    if let Some(intent) = intent {
        match (intent, view.upcoming) {
            (Intent::Cancel, Some(upcoming)) => {
                let (day, time) = wording::when(upcoming.start, view.rules.time_zone, language);
                let stage = Stage::ConfirmingCancel { appointment: upcoming.id };
                return Some(Turn::say(wording::cancel_or_not(&day, &time, language), Some(stage)));
            }
            (Intent::When, Some(upcoming)) => {
                let (day, time) = wording::when(upcoming.start, view.rules.time_zone, language);
                return Some(Turn::say(wording::appointment_is(&day, &time, language), view.stage.cloned()));
            }
            (Intent::Move, Some(upcoming)) => {
                // "Can we change it to 11?": with no list to number, a number is an hour, and a time
                // without a day is on the appointment's own day.
                let mut wanted = wanted;
                if let (None, Some(hour @ 1..=23)) = (wanted.time, wanted.number) {
                    wanted.time = Some(Clock { hour, minute: 0, exact: hour >= 13 });
                    wanted.number = None;
                }
                if wanted.day.is_none() && (wanted.time.is_some() || wanted.part.is_some()) {
                    wanted.day = Some(upcoming.start.with_timezone(&view.rules.time_zone).date_naive());
                }
                return Some(choose(view, &wanted, None, Some(upcoming.id)));
            }
            (Intent::Book, Some(upcoming)) if view.stage.is_none() => {
                let (day, time) = wording::when(upcoming.start, view.rules.time_zone, language);
                return Some(Turn::say(wording::already_booked(&day, &time, language), None));
            }
            (Intent::Cancel | Intent::When | Intent::Move, None) if view.stage.is_none() => {
                let lead = wording::none_booked(language);
                return Some(choose_with_lead(view, &wanted, None, None, Some(&lead)));
            }
            (Intent::Book, None) if view.stage.is_none() => return Some(choose(view, &wanted, None, None)),
            _ => {}
        }
    }

    match view.stage {
        Some(stage @ (Stage::ChoosingDay { .. } | Stage::ChoosingSlot { .. })) => {
            if another_day(said) {
                Some(offer_days(view, None, stage.moving()))
            } else if wanted != Wanted::default() {
                Some(choose(view, &wanted, Some(stage), stage.moving()))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// What a text asks of an appointment, by its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Cancel,
    Move,
    When,
    Book,
}

fn intent(said: &str) -> Option<Intent> {
    let words = words(said);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let about_it = has(&["appointment", "appt", "booking", "it", "my", "cita", "mi", "reserva"]);
    if has(&["cancel", "cancelar", "cancela", "cancelo", "cancelarla", "anular", "anula"]) {
        Some(Intent::Cancel)
    } else if has(&[
        "move",
        "reschedule",
        "change",
        "postpone",
        "rebook",
        "cambiar",
        "cambia",
        "cambiarla",
        "mover",
        "moverla",
        "reprogramar",
        "posponer",
    ]) {
        Some(Intent::Move)
    } else if about_it
        && (has(&["when", "cuando"]) || (has(&["what"]) && has(&["time"])) || (has(&["que", "a"]) && has(&["hora"])))
    {
        Some(Intent::When)
    } else if has(&[
        "book",
        "booking",
        "appointment",
        "appt",
        "schedule",
        "reserve",
        "cita",
        "agendar",
        "reservar",
        "turno",
    ]) {
        Some(Intent::Book)
    } else {
        None
    }
}

/// "Another day", "otro día".
fn another_day(said: &str) -> bool {
    let words = words(said);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    has(&["other", "another", "different", "otro", "otra", "distinto"]) && has(&["day", "dia"])
}

fn choose(view: &View<'_>, wanted: &Wanted, stage: Option<&Stage>, moving: Option<Uuid>) -> Turn {
    choose_with_lead(view, wanted, stage, moving, None)
}

/// The turn over a choice of day or time: the day is the one named, or the one numbered in the list of
/// days; the time the one said, or numbered in the list of times.
fn choose_with_lead(
    view: &View<'_>,
    wanted: &Wanted,
    stage: Option<&Stage>,
    moving: Option<Uuid>,
    lead: Option<&str>,
) -> Turn {
    let language = view.language;
    let mut day = wanted.day;
    match stage {
        Some(Stage::ChoosingDay { days, .. }) if day.is_none() => {
            if let Some(number) = wanted.number {
                match days.get((number as usize).wrapping_sub(1)) {
                    Some(date) => day = Some(*date),
                    None => return offer_days(view, Some(&wording::pick_a_number(days.len(), language)), moving),
                }
            }
        }
        Some(Stage::ChoosingSlot { date, starts, .. }) => {
            if let (None, None, None, Some(number)) = (day, wanted.time, wanted.part, wanted.number) {
                let again = wording::pick_a_number(starts.len(), language);
                return match starts.get((number as usize).wrapping_sub(1)) {
                    Some(start) => take(view, *date, *start, moving),
                    None => offer_times(view, *date, None, Some(&again), moving),
                };
            }
            day = day.or(Some(*date));
        }
        _ => {}
    }
    let Some(date) = day else { return offer_days(view, lead, moving) };
    let free = slots_of(view, date);
    if free.is_empty() {
        let lead = wording::join(lead, &wording::day_full(&labels::day(date, language), language));
        return offer_days(view, Some(&lead), moving);
    }
    if let Some(clock) = wanted.time {
        let local = |slot: &Slot| slot.start.with_timezone(&view.rules.time_zone).time();
        let matching: Vec<&Slot> = free.iter().filter(|s| clock.matches(local(s))).collect();
        // "At 10" on a day open 9 to 5 is 10 AM; were both 10 and 22 free, the morning wins.
        return match matching.first() {
            Some(slot) => take(view, date, slot.start, moving),
            None => {
                let said = labels::time(said_time(view, date, clock), language);
                let lead = wording::join(lead, &wording::time_not_free(&said, language));
                offer_times(view, date, wanted.part, Some(&lead), moving)
            }
        };
    }
    offer_times(view, date, wanted.part, lead, moving)
}

/// The time said, on `date`, to name it back ("10:00 AM is not free").
fn said_time(view: &View<'_>, date: NaiveDate, clock: Clock) -> DateTime<chrono_tz::Tz> {
    use chrono::TimeZone;
    let naive = date.and_hms_opt(clock.hour, clock.minute, 0).unwrap_or_else(|| date.and_time(Default::default()));
    view.rules
        .time_zone
        .from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| view.rules.time_zone.from_utc_datetime(&naive))
}

fn slots_of<'v>(view: &View<'v>, date: NaiveDate) -> &'v [Slot] {
    view.free.iter().find(|(d, _)| *d == date).map(|(_, slots)| slots.as_slice()).unwrap_or(&[])
}

/// Books (or moves to) the slot starting at `start`, when it is still free; else offers the day's times.
fn take(view: &View<'_>, date: NaiveDate, start: DateTime<Utc>, moving: Option<Uuid>) -> Turn {
    let language = view.language;
    let (day, time) = wording::when(start, view.rules.time_zone, language);
    let Some(slot) = slots_of(view, date).iter().find(|s| s.start == start).copied() else {
        return offer_times(view, date, None, Some(&wording::just_taken(&time, language)), moving);
    };
    let (says, action) = match moving {
        Some(appointment) => (wording::moved(&day, &time, language), Action::Move { appointment, slot }),
        None => (wording::booked(&day, &time, language), Action::Book(slot)),
    };
    // Taken between this read and the booking: the nearest other times of the day, or other days.
    let others: Vec<(NaiveDate, Vec<Slot>)> = view
        .free
        .iter()
        .map(|(d, slots)| (*d, slots.iter().filter(|s| s.start != start).copied().collect::<Vec<_>>()))
        .filter(|(_, slots)| !slots.is_empty())
        .collect();
    let without = View { free: &others, ..*view };
    let instead = offer_times(&without, date, None, Some(&wording::just_taken(&time, language)), moving);
    Turn { says, stage: None, action: Some(action), if_taken: Some((instead.says, instead.stage)) }
}

/// The days on offer, numbered.
fn offer_days(view: &View<'_>, lead: Option<&str>, moving: Option<Uuid>) -> Turn {
    let days: Vec<NaiveDate> = view.free.iter().map(|(d, _)| *d).collect();
    if days.is_empty() {
        return Turn::say(wording::join(lead, &wording::nothing_free(view.language)), None);
    }
    let (says, listed) = wording::days(lead, &days, view.language, view.fits);
    Turn::say(says, Some(Stage::ChoosingDay { days: days[..listed].to_vec(), moving }))
}

/// `date`'s free times (those in `part` of the day, when it has any), numbered; the days on offer when it
/// has none.
fn offer_times(
    view: &View<'_>,
    date: NaiveDate,
    part: Option<PartOfDay>,
    lead: Option<&str>,
    moving: Option<Uuid>,
) -> Turn {
    let language = view.language;
    let zone = view.rules.time_zone;
    let free = slots_of(view, date);
    if free.is_empty() {
        let lead = wording::join(lead, &wording::day_full(&labels::day(date, language), language));
        return offer_days(view, Some(&lead), moving);
    }
    let in_part: Vec<Slot> =
        free.iter().filter(|s| part.is_none_or(|p| p.contains(s.start.with_timezone(&zone).time()))).copied().collect();
    let listed: Vec<Slot> = if in_part.is_empty() { free.to_vec() } else { in_part };
    let listed = &listed[..listed.len().min(view.list_limit.max(1))];
    let labels: Vec<String> = listed.iter().map(|s| labels::time(s.start.with_timezone(&zone), language)).collect();
    let (says, count) = wording::times(lead, date, &labels, language, view.fits);
    let starts = listed[..count].iter().map(|s| s.start).collect();
    Turn::say(says, Some(Stage::ChoosingSlot { date, starts, moving }))
}
