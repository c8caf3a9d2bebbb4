//! What the booking conversation says, in English and Spanish. Lists are numbered, one item a line, and
//! cut to the reply's segment budget from the end (the first choices matter most).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use smsagent_domain::Language;

use crate::labels;

/// An appointment's day and time as a person reads them: ("Wednesday, December 2", "9:30 AM").
pub fn when(start: DateTime<Utc>, zone: Tz, language: Language) -> (String, String) {
    let local = start.with_timezone(&zone);
    (labels::day(local.date_naive(), language), labels::time(local, language))
}

/// Something said in each language.
pub(super) fn say(language: Language, en: String, es: String) -> String {
    if language == Language::Es { es } else { en }
}

pub(super) fn thanks(name: Option<&str>, language: Language) -> String {
    let first = name.and_then(|n| n.split_whitespace().next());
    match (first, language) {
        (Some(name), Language::En) => format!("Thanks, {name}!"),
        (Some(name), Language::Es) => format!("¡Gracias, {name}!"),
        (None, Language::En) => "Thanks!".to_owned(),
        (None, Language::Es) => "¡Gracias!".to_owned(),
    }
}

/// "Which day works for you?" and the days, numbered, as many as fit.
pub(super) fn days(
    lead: Option<&str>,
    days: &[NaiveDate],
    language: Language,
    fits: &dyn Fn(&str) -> bool,
) -> (String, usize) {
    let ask = say(
        language,
        "Which day works for you? Reply with a number:".into(),
        "¿Qué día le conviene? Responda con un número:".into(),
    );
    let items: Vec<String> = days.iter().map(|d| labels::short_day(*d, language)).collect();
    numbered(&join(lead, &ask), &items, None, fits)
}

/// A day's free times, numbered, as many as fit.
pub(super) fn times(
    lead: Option<&str>,
    date: NaiveDate,
    times: &[String],
    language: Language,
    fits: &dyn Fn(&str) -> bool,
) -> (String, usize) {
    let day = labels::day(date, language);
    let head = say(language, format!("Free times on {day}:"), format!("Horarios libres el {day}:"));
    let tail = say(language, "Reply with a number or a time.".into(), "Responda con un número o una hora.".into());
    numbered(&join(lead, &head), times, Some(&tail), fits)
}

/// `head`, the items numbered one a line, and `tail`: as many items as fit (one at least).
fn numbered(head: &str, items: &[String], tail: Option<&str>, fits: &dyn Fn(&str) -> bool) -> (String, usize) {
    let render = |count: usize| {
        let mut text = head.to_owned();
        for (index, item) in items[..count].iter().enumerate() {
            text.push_str(&format!("\n{} {item}", index + 1));
        }
        if let Some(tail) = tail {
            text.push('\n');
            text.push_str(tail);
        }
        text
    };
    let mut count = items.len();
    while count > 1 && !fits(&render(count)) {
        count -= 1;
    }
    (render(count), count)
}

pub(super) fn join(lead: Option<&str>, rest: &str) -> String {
    match lead {
        Some(lead) if !lead.is_empty() => format!("{lead} {rest}"),
        _ => rest.to_owned(),
    }
}

pub(super) fn booked(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("You're booked for {day} at {time}. See you then! To move or cancel it, just text us."),
        format!("Su cita quedó para el {day} a las {time}. ¡Le esperamos! Para cambiarla o cancelarla, escríbanos."),
    )
}

pub(super) fn moved(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("Done: your appointment is now on {day} at {time}."),
        format!("Listo: su cita ahora es el {day} a las {time}."),
    )
}

pub(super) fn cancel_or_not(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("Cancel your appointment on {day} at {time}? Reply YES to cancel it."),
        format!("¿Cancelar su cita del {day} a las {time}? Responda SÍ para cancelarla."),
    )
}

pub(super) fn cancelled(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("Your appointment on {day} at {time} is cancelled."),
        format!("Su cita del {day} a las {time} está cancelada."),
    )
}

pub(super) fn kept(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("OK, your appointment on {day} at {time} stays."),
        format!("De acuerdo, su cita del {day} a las {time} se mantiene."),
    )
}

pub(super) fn appointment_is(day: &str, time: &str, language: Language) -> String {
    say(language, format!("Your appointment is on {day} at {time}."), format!("Su cita es el {day} a las {time}."))
}

pub(super) fn already_booked(day: &str, time: &str, language: Language) -> String {
    say(
        language,
        format!("You already have an appointment on {day} at {time}. To move or cancel it, just say so."),
        format!("Ya tiene una cita el {day} a las {time}. Si quiere cambiarla o cancelarla, díganos."),
    )
}

pub(super) fn none_booked(language: Language) -> String {
    say(language, "You have no upcoming appointment.".into(), "No tiene ninguna cita próxima.".into())
}

pub(super) fn day_full(day: &str, language: Language) -> String {
    say(language, format!("We have no free times on {day}."), format!("No tenemos horarios libres el {day}."))
}

pub(super) fn time_not_free(time: &str, language: Language) -> String {
    say(language, format!("{time} is not free."), format!("Las {time} no están libres."))
}

pub(super) fn just_taken(time: &str, language: Language) -> String {
    say(language, format!("Sorry, {time} was just taken."), format!("Lo siento, las {time} se acaban de ocupar."))
}

pub(super) fn nothing_free(language: Language) -> String {
    say(
        language,
        "Sorry, we have no free times in the coming days. Please try again later.".into(),
        "Lo siento, no tenemos horarios libres en los próximos días. Intente más tarde.".into(),
    )
}

pub(super) fn pick_a_number(count: usize, language: Language) -> String {
    say(
        language,
        format!("Please reply with a number from 1 to {count}."),
        format!("Responda con un número del 1 al {count}."),
    )
}
