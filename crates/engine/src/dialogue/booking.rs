//! Booking in a reply: the booking crate's conversation step over the calendar as read beforehand, with
//! its words fitted to the reply's budget. Who books comes from the form the contact completed.

use chrono::{DateTime, NaiveDate, Utc};
use smsagent_booking::availability::Slot;
use smsagent_booking::book::Bookable;
use smsagent_booking::conversation::{self, Action, Stage, Turn, Upcoming, View};
use smsagent_domain::form::{Form, FormState, NamePart, SlotKind, SlotValue};
use smsagent_domain::shaping::{self, Shaped, gsm_friendly};
use smsagent_domain::{Channel, Language, segments};

/// The calendar and the conversation's booking, read before the reply.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub tenant_id: uuid::Uuid,
    pub bookable: Bookable,
    /// The days on offer with their free slots.
    pub free: Vec<(NaiveDate, Vec<Slot>)>,
    pub upcoming: Option<Upcoming>,
    pub stage: Option<Stage>,
    pub now: DateTime<Utc>,
}

/// What a reply changes in the conversation's booking.
#[derive(Debug, Clone)]
pub struct BookingUpdate {
    pub stage: Option<Stage>,
    pub action: Option<Action>,
    /// The reply and the stage instead, when the action's time was taken meanwhile.
    pub if_taken: Option<(Shaped, Option<Stage>)>,
    pub person: Person,
}

/// Who books, from the form the contact completed (their number, when there is none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Person {
    /// The name, email and phone the form collected, by the kind of each question.
    pub fn from_form(form: Option<&Form>, state: Option<&FormState>) -> Person {
        let (Some(form), Some(state)) = (form, state) else { return Person::default() };
        let text = |kind: fn(&SlotKind) -> bool| {
            form.slots.iter().filter(|s| kind(&s.kind)).find_map(|s| match state.slots.get(&s.key)?.confirmed()? {
                SlotValue::Text(text) => Some(text.clone()),
                _ => None,
            })
        };
        let full = text(|k| matches!(k, SlotKind::PersonName { part: NamePart::Full }));
        let given = text(|k| matches!(k, SlotKind::PersonName { part: NamePart::Given }));
        let family = text(|k| matches!(k, SlotKind::PersonName { part: NamePart::Family }));
        let name = full.or_else(|| match (given, family) {
            (Some(given), Some(family)) => Some(format!("{given} {family}")),
            (given, family) => given.or(family),
        });
        Person {
            name,
            email: text(|k| matches!(k, SlotKind::Email)),
            phone: text(|k| matches!(k, SlotKind::Phone { .. })),
        }
    }
}

/// The booking reply: the opening (after the form completed) or the step over `said`; `None` when the
/// text is not about booking.
pub fn turn(
    calendar: &Calendar,
    said: Option<&str>,
    person: Person,
    language: Language,
    channel: Channel,
    budget: usize,
    preamble: Option<&str>,
) -> Option<(Shaped, BookingUpdate)> {
    let fits = |text: &str| fits(&with(preamble, text), channel, budget);
    let view = View {
        rules: &calendar.bookable.rules,
        list_limit: calendar.bookable.settings.text_slots as usize,
        now: calendar.now,
        language,
        free: &calendar.free,
        upcoming: calendar.upcoming,
        stage: calendar.stage.as_ref(),
        fits: &fits,
    };
    let Turn { says, stage, action, if_taken } = match said {
        Some(said) => conversation::step(&view, said)?,
        None => conversation::opening(&view, person.name.as_deref()),
    };
    let shape = |text: &str| shaped(preamble, text, channel, budget);
    let if_taken = if_taken.map(|(text, stage)| (shape(&text), stage));
    Some((shape(&says), BookingUpdate { stage, action, if_taken, person }))
}

fn with(preamble: Option<&str>, text: &str) -> String {
    match preamble {
        Some(preamble) => format!("{} {}", preamble.trim(), text),
        None => text.to_owned(),
    }
}

/// Whether `text` goes whole within the budget.
fn fits(text: &str, channel: Channel, budget: usize) -> bool {
    channel == Channel::WhatsApp || segments::count(&gsm_friendly(text)).segments <= budget.max(1)
}

/// The text with its opening words when they fit; without them when they do not.
fn shaped(preamble: Option<&str>, text: &str, channel: Channel, budget: usize) -> Shaped {
    let whole = with(preamble, text);
    let chosen = if fits(&whole, channel, budget) { whole } else { text.to_owned() };
    shaping::shape_for(channel, &chosen, budget)
}
