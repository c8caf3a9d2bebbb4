use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::America::{Mexico_City, New_York};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Local start times of `slots`, as "HH:MM".
fn local_starts(rules: &Rules, slots: &[Slot]) -> Vec<String> {
    slots.iter().map(|s| s.start.with_timezone(&rules.time_zone).format("%H:%M").to_string()).collect()
}

#[test]
fn the_seed_default_offers_a_working_day_in_half_hours_from_nine_to_five() {
    let rules = Rules::seed_default();
    let monday = date(2026, 12, 7);
    let slots = rules.slots(monday, utc("2026-12-01T00:00:00Z"), &[]);
    assert_eq!(slots.len(), 16);
    assert_eq!(local_starts(&rules, &slots)[..3], ["09:00", "09:30", "10:00"]);
    assert_eq!(local_starts(&rules, &slots).last().unwrap(), "16:30");
    // Mexico City keeps UTC-6 all year.
    assert_eq!(slots[0].start, utc("2026-12-07T15:00:00Z"));
    assert!(rules.slots(date(2026, 12, 5), utc("2026-12-01T00:00:00Z"), &[]).is_empty(), "Saturday");
}

#[test]
fn only_slots_after_now_are_offered() {
    let rules = Rules::seed_default();
    // 11:10 in Mexico City.
    let slots = rules.slots(date(2026, 12, 7), utc("2026-12-07T17:10:00Z"), &[]);
    assert_eq!(local_starts(&rules, &slots)[0], "11:30");
}

#[test]
fn a_booked_time_and_the_buffer_after_it_are_not_offered() {
    let mut rules = Rules::seed_default();
    rules.buffer = TimeDelta::minutes(15);
    // Booked 10:00 to 10:30, kept free to 10:45.
    let booked = Busy { start: utc("2026-12-07T16:00:00Z"), end: utc("2026-12-07T16:45:00Z") };
    let starts = local_starts(&rules, &rules.slots(date(2026, 12, 7), utc("2026-12-01T00:00:00Z"), &[booked]));
    // 9:30 would run into 10:00 with its buffer; 10:00 and 10:30 overlap; 11:00 is clear.
    assert_eq!(starts[..2], ["09:00", "11:00"]);
}

#[test]
fn days_are_the_next_working_days_with_a_free_slot() {
    let mut rules = Rules::seed_default();
    rules.days_ahead = 3;
    rules.closed = BTreeSet::from([date(2026, 12, 8)]);
    // Friday 2026-12-04 at 16:45 local: nothing left that day.
    let days = rules.days(utc("2026-12-04T22:45:00Z"), &[]);
    assert_eq!(days, [date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 10)]);
    let full_monday: Vec<Busy> = rules
        .slots(date(2026, 12, 7), utc("2026-12-01T00:00:00Z"), &[])
        .iter()
        .map(|s| Busy { start: s.start, end: s.end })
        .collect();
    assert_eq!(
        rules.days(utc("2026-12-04T22:45:00Z"), &full_monday)[0],
        date(2026, 12, 9),
        "a full day is not offered"
    );
    rules.hours = [None; 7];
    assert!(rules.days(utc("2026-12-04T22:45:00Z"), &[]).is_empty(), "closed for good: nothing, and quickly");
}

/// A business open through the night, where the clocks change.
fn night_rules() -> Rules {
    let night = Some(Opening { opens: at(0, 0), closes: at(4, 0) });
    Rules { time_zone: New_York, hours: [night; 7], ..Rules::seed_default() }
}

#[test]
fn the_hour_the_clocks_skip_is_never_offered() {
    let rules = night_rules();
    // New York springs forward at 2:00 on 2026-03-08: the night is three hours long.
    let slots = rules.slots(date(2026, 3, 8), utc("2026-03-01T00:00:00Z"), &[]);
    assert_eq!(slots.len(), 6);
    assert_eq!(local_starts(&rules, &slots), ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]);
}

#[test]
fn the_hour_the_clocks_repeat_is_offered_once_for_each_of_its_instants() {
    let rules = night_rules();
    // New York falls back at 2:00 on 2026-11-01: the night is five hours long.
    let slots = rules.slots(date(2026, 11, 1), utc("2026-10-01T00:00:00Z"), &[]);
    assert_eq!(slots.len(), 10);
    let instants: BTreeSet<_> = slots.iter().map(|s| s.start).collect();
    assert_eq!(instants.len(), 10, "no instant twice");
    assert!(slots.windows(2).all(|w| w[1].start - w[0].start == TimeDelta::minutes(30)), "no gap");
    let ones = slots.iter().filter(|s| s.start.with_timezone(&New_York).hour() == 1).count();
    assert_eq!(ones, 4, "1:00 and 1:30, before and after the change");
}

#[test]
fn opening_in_the_skipped_hour_opens_when_the_clocks_land() {
    let mut rules = night_rules();
    rules.hours = [Some(Opening { opens: at(2, 30), closes: at(5, 0) }); 7];
    let slots = rules.slots(date(2026, 3, 8), utc("2026-03-01T00:00:00Z"), &[]);
    assert_eq!(local_starts(&rules, &slots)[0], "03:00");
    assert_eq!(Mexico_City, Rules::seed_default().time_zone);
}
