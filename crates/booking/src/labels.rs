//! Days and times as a person reads them, in English or Spanish: "Wednesday, December 2" and "9:00 AM",
//! "miércoles, 2 de diciembre" and "9:00".

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use smsagent_domain::Language;
use smsagent_domain::language::MONTHS_ES;

pub fn day(date: NaiveDate, language: Language) -> String {
    if language == Language::Es {
        const DAYS: [&str; 7] = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];
        let weekday = DAYS[date.weekday().num_days_from_monday() as usize];
        return format!("{weekday}, {} de {}", date.day(), MONTHS_ES[date.month0() as usize]);
    }
    date.format("%A, %B %-d").to_string()
}

/// A day in a list: "Wed Dec 2", "mié 2 dic".
pub fn short_day(date: NaiveDate, language: Language) -> String {
    if language == Language::Es {
        const DAYS: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];
        let weekday = DAYS[date.weekday().num_days_from_monday() as usize];
        let month: String = MONTHS_ES[date.month0() as usize].chars().take(3).collect();
        return format!("{weekday} {} {month}", date.day());
    }
    date.format("%a %b %-d").to_string()
}

/// A time of day in the business's zone.
pub fn time(at: DateTime<Tz>, language: Language) -> String {
    if language == Language::Es {
        return format!("{}:{:02}", at.hour(), at.minute());
    }
    at.format("%-I:%M %p").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn days_and_times_read_as_people_write_them() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(day(date, Language::En), "Wednesday, December 2");
        assert_eq!(day(date, Language::Es), "miércoles, 2 de diciembre");
        assert_eq!(short_day(date, Language::En), "Wed Dec 2");
        assert_eq!(short_day(date, Language::Es), "mié 2 dic");
        let at = chrono_tz::America::Mexico_City.with_ymd_and_hms(2026, 12, 2, 14, 30, 0).unwrap();
        assert_eq!(time(at, Language::En), "2:30 PM");
        assert_eq!(time(at, Language::Es), "14:30");
    }
}
