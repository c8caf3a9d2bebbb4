//! An assistant's booking settings as operators write them, with the seed's defaults, checked into
//! [`Rules`](crate::availability::Rules).

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::availability::{Opening, Rules};
use crate::calendar::CalendarSettings;

/// How an assistant books, as written; every setting left out takes the seed's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BookingSettings {
    /// An IANA time zone.
    #[schema(example = "America/Mexico_City")]
    pub time_zone: String,
    /// Opening hours per weekday, `["09:00", "17:00"]`; a day left out is closed.
    #[schema(example = json!({"monday": ["09:00", "17:00"], "saturday": ["10:00", "13:00"]}))]
    pub hours: Hours,
    /// How long an appointment lasts, in minutes: 5 to 480.
    #[schema(minimum = 5, maximum = 480)]
    pub slot_minutes: u32,
    /// Minutes kept free after each appointment: 0 to 240.
    #[schema(minimum = 0, maximum = 240)]
    pub buffer_minutes: u32,
    /// How many working days to offer: 1 to 60.
    #[schema(minimum = 1, maximum = 60)]
    pub days_ahead: u32,
    /// How many slots to list in a text: 1 to 20.
    #[schema(minimum = 1, maximum = 20)]
    pub text_slots: u32,
    /// How many slots a voice call reads out: 1 to 10.
    #[schema(minimum = 1, maximum = 10)]
    pub voice_slots: u32,
    /// Dates the business is closed.
    #[schema(value_type = Vec<String>, example = json!(["2026-12-25"]))]
    pub closed_dates: BTreeSet<NaiveDate>,
    /// Who gets a notice of each booking, change and cancellation.
    pub admin_email: Option<String>,
    /// How many hours before an appointment its reminder is texted: 1 to 168, or 0 for none.
    #[schema(minimum = 0, maximum = 168)]
    pub reminder_hours: u32,
    /// Where the appointments are kept besides Postgres: `{"type": "builtin"}` (the default),
    /// `{"type": "caldav", "url", "username", "password"}` or
    /// `{"type": "microsoft_graph", "tenant", "client_id", "client_secret", "user"}`. Secrets are write-only.
    pub calendar: CalendarSettings,
}

/// Opening hours by weekday, each `[opens, closes]` as `HH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuesday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wednesday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thursday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturday: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunday: Option<Vec<String>>,
}

impl Default for BookingSettings {
    fn default() -> Self {
        let day = || Some(vec!["09:00".to_owned(), "17:00".to_owned()]);
        BookingSettings {
            time_zone: "America/Mexico_City".to_owned(),
            hours: Hours {
                monday: day(),
                tuesday: day(),
                wednesday: day(),
                thursday: day(),
                friday: day(),
                ..Hours::default()
            },
            slot_minutes: 30,
            buffer_minutes: 0,
            days_ahead: 7,
            text_slots: 10,
            voice_slots: 5,
            closed_dates: BTreeSet::new(),
            admin_email: None,
            reminder_hours: 24,
            calendar: CalendarSettings::Builtin,
        }
    }
}

/// Why booking settings were refused, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidBooking(String);

impl InvalidBooking {
    pub(crate) fn new(message: String) -> Self {
        InvalidBooking(message)
    }
}

impl BookingSettings {
    /// The settings as the API shows them: the calendar's secrets replaced.
    pub fn shown(&self) -> serde_json::Value {
        let mut shown = serde_json::to_value(self).unwrap_or_default();
        shown["calendar"] = self.calendar.redacted();
        shown
    }

    /// The rules these settings make, or what is wrong with them.
    pub fn rules(&self) -> Result<Rules, InvalidBooking> {
        let invalid = |message: String| Err(InvalidBooking(message));
        let time_zone: Tz = match self.time_zone.parse() {
            Ok(tz) => tz,
            Err(_) => return invalid(format!("time_zone {:?} is not an IANA time zone", self.time_zone)),
        };
        for (name, value, low, high) in [
            ("slot_minutes", self.slot_minutes, 5, 480),
            ("buffer_minutes", self.buffer_minutes, 0, 240),
            ("days_ahead", self.days_ahead, 1, 60),
            ("text_slots", self.text_slots, 1, 20),
            ("voice_slots", self.voice_slots, 1, 10),
            ("reminder_hours", self.reminder_hours, 0, 168),
        ] {
            if !(low..=high).contains(&value) {
                return invalid(format!("{name} must be {low} to {high}"));
            }
        }
        self.calendar.check().map_err(InvalidBooking)?;
        if self.admin_email.as_deref().is_some_and(|e| !e.contains('@') || e.trim() != e) {
            return invalid("admin_email must be an email address".into());
        }
        let h = &self.hours;
        let days = [
            ("monday", &h.monday),
            ("tuesday", &h.tuesday),
            ("wednesday", &h.wednesday),
            ("thursday", &h.thursday),
            ("friday", &h.friday),
            ("saturday", &h.saturday),
            ("sunday", &h.sunday),
        ];
        let mut hours = [None; 7];
        for (index, (name, day)) in days.into_iter().enumerate() {
            let Some(day) = day else { continue };
            let time = |index: usize| day.get(index).and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok());
            match (time(0), time(1)) {
                _ if day.len() != 2 => return invalid(format!("hours.{name} must be [opens, closes] as HH:MM")),
                (Some(opens), Some(closes)) if opens < closes => hours[index] = Some(Opening { opens, closes }),
                _ => return invalid(format!("hours.{name} must be [opens, closes] as HH:MM, opening first")),
            }
        }
        Ok(Rules {
            time_zone,
            hours,
            slot: TimeDelta::minutes(self.slot_minutes.into()),
            buffer: TimeDelta::minutes(self.buffer_minutes.into()),
            days_ahead: self.days_ahead as usize,
            closed: self.closed_dates.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_defaults_are_the_seeds_rules() {
        let settings: BookingSettings = serde_json::from_value(json!({})).unwrap();
        assert_eq!(settings.rules().unwrap(), Rules::seed_default());
    }

    #[test]
    fn a_bad_setting_is_named() {
        let refused = |json: serde_json::Value| {
            serde_json::from_value::<BookingSettings>(json).unwrap().rules().unwrap_err().to_string()
        };
        assert!(refused(json!({"time_zone": "Mars/Olympus"})).starts_with("time_zone"));
        assert!(refused(json!({"slot_minutes": 1})).starts_with("slot_minutes"));
        assert!(refused(json!({"hours": {"monday": ["17:00", "09:00"]}})).starts_with("hours.monday"));
        assert!(refused(json!({"admin_email": "nobody"})).starts_with("admin_email"));
    }
}
