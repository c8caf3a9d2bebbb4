//! What a contact's text says about a day and a time, in English or Spanish: "1", "Tuesday", "tomorrow
//! afternoon", "the 9:30", "el martes a las 10". Only what the words plainly say is read; the conversation
//! decides what it means against the days and times on offer.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use smsagent_domain::text::words;

/// What a text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wanted {
    /// A bare number: the place of a day or time in the list just sent ("2").
    pub number: Option<u32>,
    /// A day named ("Tuesday", "tomorrow", "hoy").
    pub day: Option<NaiveDate>,
    /// A time of day ("9:30", "10am", "a las 10"); an hour without AM or PM is read both ways.
    pub time: Option<Clock>,
    /// A part of the day ("afternoon", "por la mañana").
    pub part: Option<PartOfDay>,
}

/// A time of day as said: "10" may be 10:00 or 22:00, "2" 2:00 or 14:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub hour: u32,
    pub minute: u32,
    /// AM or PM was said (or the hour was 13 or later), so the hour is as written.
    pub exact: bool,
}

impl Clock {
    /// Whether `time` is what was said.
    pub fn matches(&self, time: NaiveTime) -> bool {
        use chrono::Timelike;
        let (hour, minute) = (time.hour(), time.minute());
        minute == self.minute && (hour == self.hour || (!self.exact && self.hour < 12 && hour == self.hour + 12))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
}

impl PartOfDay {
    pub fn contains(self, time: NaiveTime) -> bool {
        use chrono::Timelike;
        match self {
            PartOfDay::Morning => time.hour() < 12,
            PartOfDay::Afternoon => (12..17).contains(&time.hour()),
            PartOfDay::Evening => time.hour() >= 17,
        }
    }
}

/// Reads `said` on the business's date `today`.
pub fn read(said: &str, today: NaiveDate) -> Wanted {
    let words = words(&said.replace(':', " colon "));
    let mut wanted = Wanted::default();
    let mut index = 0;
    while index < words.len() {
        let word = words[index].as_str();
        let before = index.checked_sub(1).map(|i| words[i].as_str());
        let next = words.get(index + 1).map(String::as_str);
        if let Some(weekday) = weekday(word) {
            wanted.day = Some(next_on(today, weekday));
        } else if matches!(word, "today" | "hoy") {
            wanted.day = Some(today);
        } else if word == "pasado" && next.is_some_and(is_manana) {
            wanted.day = Some(today + TimeDelta::days(2));
            index += 1;
        } else if matches!(word, "tomorrow" | "tmrw" | "tmr") {
            wanted.day = Some(today + TimeDelta::days(1));
        } else if is_manana(word) {
            // "mañana" is tomorrow, and "la mañana" the morning.
            if matches!(before, Some("la" | "las")) {
                wanted.part = Some(PartOfDay::Morning);
            } else {
                wanted.day = Some(today + TimeDelta::days(1));
            }
        } else if let Some(part) = part_of_day(word) {
            wanted.part = Some(part);
        } else if let Ok(number) = word.parse::<u32>() {
            index += read_number(&words[index..], before, number, &mut wanted);
            continue;
        } else if let Some(clock) = compact_time(word) {
            wanted.time = Some(clock);
        }
        index += 1;
    }
    wanted
}

/// A number and the words after it: a time ("9 colon 30", "10 am", "a las 10") or a place in a list.
/// Returns how many words it took.
fn read_number(words: &[String], before: Option<&str>, number: u32, wanted: &mut Wanted) -> usize {
    let next = |i: usize| words.get(i).map(String::as_str);
    let mut taken = 1;
    let mut minute = None;
    if next(1) == Some("colon")
        && let Some(m) = next(2).and_then(|m| m.parse::<u32>().ok())
    {
        minute = Some(m);
        taken = 3;
    }
    let meridiem = next(taken).and_then(meridiem);
    if meridiem.is_some() {
        taken += 1;
        if matches!(next(taken), Some("m")) {
            // "p.m." folds to "p m".
            taken += 1;
        }
    }
    let said_as_time = minute.is_some()
        || meridiem.is_some()
        || matches!(before, Some("at" | "las" | "la" | "around" | "about" | "by"))
        || next(taken).is_some_and(|w| matches!(w, "oclock" | "o" | "hrs" | "h"));
    if said_as_time && number <= 23 && minute.unwrap_or(0) < 60 {
        let hour = match meridiem {
            Some(Meridiem::Pm) if number < 12 => number + 12,
            Some(Meridiem::Am) if number == 12 => 0,
            _ => number,
        };
        wanted.time = Some(Clock { hour, minute: minute.unwrap_or(0), exact: meridiem.is_some() || number >= 13 });
    } else if wanted.number.is_none() {
        wanted.number = Some(number);
    }
    taken
}

#[derive(Debug, Clone, Copy)]
enum Meridiem {
    Am,
    Pm,
}

fn meridiem(word: &str) -> Option<Meridiem> {
    match word {
        "am" | "a" => Some(Meridiem::Am),
        "pm" | "p" => Some(Meridiem::Pm),
        _ => None,
    }
}

/// "10am", "930am", "2pm", "14h": a time written as one word.
fn compact_time(word: &str) -> Option<Clock> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let rest = &word[digits.len()..];
    let meridiem = match rest {
        "am" => Some(Meridiem::Am),
        "pm" => Some(Meridiem::Pm),
        "h" | "hrs" => None,
        _ => return None,
    };
    let number: u32 = digits.parse().ok()?;
    let (hour, minute) = if digits.len() > 2 { (number / 100, number % 100) } else { (number, 0) };
    if hour > 23 || minute > 59 {
        return None;
    }
    let hour = match meridiem {
        Some(Meridiem::Pm) if hour < 12 => hour + 12,
        Some(Meridiem::Am) if hour == 12 => 0,
        _ => hour,
    };
    Some(Clock { hour, minute, exact: meridiem.is_some() || hour >= 13 || rest.starts_with('h') })
}

/// "mañana", with its tilde or without (folding keeps the ñ: it is a letter of its own).
fn is_manana(word: &str) -> bool {
    matches!(word, "manana" | "mañana")
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "monday" | "mon" | "lunes" => Weekday::Mon,
        "tuesday" | "tue" | "tues" | "martes" => Weekday::Tue,
        "wednesday" | "wed" | "miercoles" => Weekday::Wed,
        "thursday" | "thu" | "thur" | "thurs" | "jueves" => Weekday::Thu,
        "friday" | "fri" | "viernes" => Weekday::Fri,
        "saturday" | "sat" | "sabado" => Weekday::Sat,
        "sunday" | "sun" | "domingo" => Weekday::Sun,
        _ => return None,
    })
}

fn part_of_day(word: &str) -> Option<PartOfDay> {
    Some(match word {
        "morning" | "am" => PartOfDay::Morning,
        "afternoon" | "tarde" | "pm" => PartOfDay::Afternoon,
        "evening" | "night" | "noche" => PartOfDay::Evening,
        _ => return None,
    })
}

/// The first `weekday` from `today` on (today itself when it is one).
fn next_on(today: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    today + TimeDelta::days(i64::from(ahead))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(said: &str) -> Wanted {
        // A Wednesday.
        read(said, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap())
    }

    fn date(day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 12, day)
    }

    fn clock(hour: u32, minute: u32, exact: bool) -> Option<Clock> {
        Some(Clock { hour, minute, exact })
    }

    #[test]
    fn numbers_days_and_times_as_people_write_them() {
        assert_eq!(on("1"), Wanted { number: Some(1), ..Wanted::default() });
        assert_eq!(on("Tuesday").day, date(8));
        assert_eq!(on("wed").day, date(2), "today is a Wednesday");
        let afternoon = on("tomorrow afternoon");
        assert_eq!((afternoon.day, afternoon.part), (date(3), Some(PartOfDay::Afternoon)));
        let the_930 = on("the 9:30");
        assert_eq!((the_930.number, the_930.time), (None, clock(9, 30, false)));
        let tuesday_at_10 = on("el martes a las 10");
        assert_eq!((tuesday_at_10.day, tuesday_at_10.time), (date(8), clock(10, 0, false)));
        assert_eq!(on("10am").time, clock(10, 0, true));
        assert_eq!(on("2 pm please").time, clock(14, 0, true));
        assert_eq!(on("at 3").time, clock(3, 0, false));
        assert_eq!(on("3:15 p.m.").time, clock(15, 15, true));
        assert_eq!(on("14:30").time, clock(14, 30, true));
        assert_eq!(on("Friday 16h").time, clock(16, 0, true));
    }

    #[test]
    fn manana_is_tomorrow_and_la_manana_the_morning() {
        assert_eq!(on("mañana").day, date(3));
        let morning = on("el jueves por la mañana");
        assert_eq!((morning.day, morning.part), (date(3), Some(PartOfDay::Morning)));
        assert_eq!(on("pasado mañana").day, date(4));
        assert_eq!(on("mañana en la tarde").part, Some(PartOfDay::Afternoon));
    }

    #[test]
    fn an_hour_without_am_or_pm_matches_either() {
        let ten = clock(10, 0, false).unwrap();
        assert!(ten.matches(NaiveTime::from_hms_opt(10, 0, 0).unwrap()));
        assert!(ten.matches(NaiveTime::from_hms_opt(22, 0, 0).unwrap()));
        let three_pm = clock(15, 0, true).unwrap();
        assert!(!three_pm.matches(NaiveTime::from_hms_opt(3, 0, 0).unwrap()));
    }

    #[test]
    fn words_that_say_nothing_about_time_read_as_nothing() {
        assert_eq!(on("how much does it cost?"), Wanted::default());
        assert_eq!(on(""), Wanted::default());
    }
}
