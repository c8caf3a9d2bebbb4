//! What an appointment's change sends: the person's confirmation (in their language) and the business's
//! notice, each with an iCalendar invite (RFC 5545: METHOD:REQUEST, or CANCEL on a cancellation), and the
//! reminder text.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use smsagent_domain::Language;
use uuid::Uuid;

use crate::conversation::when;

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Booked,
    Moved,
    Cancelled,
}

/// The appointment a notice is about.
#[derive(Debug, Clone)]
pub struct About<'a> {
    pub appointment_id: Uuid,
    /// Who the appointment is with: the assistant's name.
    pub business: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub zone: Tz,
    pub language: Language,
    /// Orders the invites of one appointment: a later one replaces an earlier one in a calendar.
    pub sequence: i64,
    /// The business's address, the invite's organizer (the assistant's `admin_email`).
    pub organizer: Option<&'a str>,
}

/// An email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
    pub invite: String,
}

/// The person's confirmation, in their language.
pub fn to_person(about: &About<'_>, change: Change) -> Notice {
    let (day, time) = when(about.start, about.zone, about.language);
    let first = about.name.split_whitespace().next().unwrap_or(about.name);
    let (business, zone) = (about.business, about.zone.name());
    let (subject, body) = match (about.language, change) {
        (Language::En, Change::Booked) => (
            format!("Appointment confirmed: {day} at {time}"),
            format!("Your appointment with {business} is confirmed for {day} at {time} ({zone})."),
        ),
        (Language::En, Change::Moved) => (
            format!("Appointment moved: {day} at {time}"),
            format!("Your appointment with {business} is now on {day} at {time} ({zone})."),
        ),
        (Language::En, Change::Cancelled) => (
            format!("Appointment cancelled: {day} at {time}"),
            format!("Your appointment with {business} on {day} at {time} ({zone}) is cancelled."),
        ),
        (Language::Es, Change::Booked) => (
            format!("Cita confirmada: {day} a las {time}"),
            format!("Su cita con {business} está confirmada para el {day} a las {time} ({zone})."),
        ),
        (Language::Es, Change::Moved) => (
            format!("Cita cambiada: {day} a las {time}"),
            format!("Su cita con {business} ahora es el {day} a las {time} ({zone})."),
        ),
        (Language::Es, Change::Cancelled) => (
            format!("Cita cancelada: {day} a las {time}"),
            format!("Su cita con {business} del {day} a las {time} ({zone}) está cancelada."),
        ),
    };
    let (hello, closing) = match (about.language, change) {
        (Language::En, Change::Cancelled) => (format!("Hello {first},"), "To book another time, text us."),
        (Language::En, _) => (format!("Hello {first},"), "The invite is attached. To change or cancel it, text us."),
        (Language::Es, Change::Cancelled) => (format!("Hola {first}:"), "Para reservar otra hora, escríbanos."),
        (Language::Es, _) => {
            (format!("Hola {first}:"), "Adjuntamos la invitación. Para cambiarla o cancelarla, escríbanos.")
        }
    };
    Notice { subject, body: format!("{hello}\n\n{body}\n\n{closing}\n"), invite: invite(about, change) }
}

/// The business's notice, in English: who, when, and how to reach them.
pub fn to_admin(about: &About<'_>, change: Change) -> Notice {
    let (day, time) = when(about.start, about.zone, Language::En);
    let what = match change {
        Change::Booked => "New appointment",
        Change::Moved => "Appointment moved",
        Change::Cancelled => "Appointment cancelled",
    };
    let body = format!(
        "{what} through {business}.\n\nName: {name}\nWhen: {day} at {time} ({zone})\nEmail: {email}\nPhone: {phone}\n\
         Appointment: {id}\n",
        business = about.business,
        name = about.name,
        zone = about.zone.name(),
        email = about.email.unwrap_or("-"),
        phone = about.phone.unwrap_or("-"),
        id = about.appointment_id,
    );
    Notice { subject: format!("{what}: {}, {day} at {time}", about.name), body, invite: invite(about, change) }
}

/// The text sent before the appointment.
pub fn reminder(about: &About<'_>) -> String {
    let (day, time) = when(about.start, about.zone, about.language);
    let business = about.business;
    match about.language {
        Language::En => {
            format!(
                "Reminder: your appointment with {business} is on {day} at {time}. To change or cancel it, text us."
            )
        }
        Language::Es => {
            format!(
                "Recordatorio: su cita con {business} es el {day} a las {time}. Para cambiarla o cancelarla, escríbanos."
            )
        }
    }
}

/// The invite: one event, under a UID that stays the appointment's and a SEQUENCE that grows, so a calendar
/// moves or removes the event it already has (RFC 5546: REQUEST, or CANCEL with STATUS:CANCELLED). Times are
/// in UTC, which needs no VTIMEZONE; the local time is in the email's words.
pub fn invite(about: &About<'_>, change: Change) -> String {
    let (method, status) = match change {
        Change::Cancelled => ("CANCEL", EventStatus::Cancelled),
        Change::Booked | Change::Moved => ("REQUEST", EventStatus::Confirmed),
    };
    let mut event = Event::new();
    event
        .uid(&format!("{}@smsagent", about.appointment_id))
        .summary(&format!("{} · {}", about.business, about.name))
        .starts(about.start)
        .ends(about.end)
        .status(status)
        .sequence(u32::try_from(about.sequence.max(0)).unwrap_or(u32::MAX));
    if let Some(organizer) = about.organizer {
        event.append_property(
            Property::new("ORGANIZER", format!("mailto:{organizer}")).add_parameter("CN", about.business).done(),
        );
    }
    if let Some(email) = about.email {
        event.append_property(
            Property::new("ATTENDEE", format!("mailto:{email}"))
                .add_parameter("CN", about.name)
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .add_parameter("PARTSTAT", "ACCEPTED")
                .done(),
        );
    }
    let mut calendar = Calendar::new();
    calendar.append_property(Property::new("METHOD", method));
    calendar.push(event.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use icalendar::CalendarComponent;

    use super::*;

    fn about(language: Language) -> About<'static> {
        About {
            appointment_id: Uuid::nil(),
            business: "Casa Dental",
            name: "Maria Garcia",
            email: Some("maria@example.com"),
            phone: Some("+15551234567"),
            start: Utc.with_ymd_and_hms(2026, 12, 3, 15, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap(),
            zone: chrono_tz::America::Mexico_City,
            language,
            sequence: 2,
            organizer: Some("admin@casadental.test"),
        }
    }

    #[test]
    fn the_person_reads_the_time_in_their_language_and_the_zone() {
        let en = to_person(&about(Language::En), Change::Booked);
        assert_eq!(en.subject, "Appointment confirmed: Thursday, December 3 at 9:30 AM");
        assert!(en.body.starts_with("Hello Maria,\n\nYour appointment with Casa Dental is confirmed"), "{}", en.body);
        assert!(en.body.contains("(America/Mexico_City)"));
        let es = to_person(&about(Language::Es), Change::Cancelled);
        assert_eq!(es.subject, "Cita cancelada: jueves, 3 de diciembre a las 9:30");
        let admin = to_admin(&about(Language::Es), Change::Moved);
        assert_eq!(admin.subject, "Appointment moved: Maria Garcia, Thursday, December 3 at 9:30 AM");
        assert!(admin.body.contains("Phone: +15551234567"));
        assert!(reminder(&about(Language::Es)).starts_with("Recordatorio: su cita con Casa Dental es el jueves"));
    }

    #[test]
    fn the_invite_parses_as_rfc_5545_with_its_method() {
        let request = to_person(&about(Language::En), Change::Booked).invite;
        let calendar: Calendar = request.parse().unwrap();
        assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
        let events: Vec<&Event> =
            calendar.components.iter().filter_map(CalendarComponent::as_event).collect::<Vec<_>>();
        let [event] = events.as_slice() else { panic!("{request}") };
        assert_eq!(event.get_uid(), Some("00000000-0000-0000-0000-000000000000@smsagent"));
        assert_eq!(event.get_status(), Some(EventStatus::Confirmed));
        // Long lines are folded (CRLF and a space); read unfolded.
        let request = request.replace("\r\n ", "");
        assert!(request.contains("DTSTART:20261203T153000Z"), "{request}");
        assert!(request.contains("mailto:maria@example.com"));
        assert!(request.contains("ORGANIZER;CN=Casa Dental:mailto:admin@casadental.test"), "{request}");
        assert!(request.contains("SEQUENCE:2") && request.contains("DTSTAMP:"), "{request}");

        let cancel = invite(&about(Language::En), Change::Cancelled);
        let parsed: Calendar = cancel.parse().unwrap();
        assert_eq!(parsed.property_value("METHOD"), Some("CANCEL"));
        assert!(cancel.contains("STATUS:CANCELLED"), "{cancel}");
    }
}
