//! Quiet hours: when the business may start a conversation with a number, judged by the number's area code.
//!
//! US federal law forbids telephone solicitation before 8:00 or after 21:00 at the recipient's location, and
//! some states allow less (see [`window`]). A phone number carries no location, but its area code is the accepted
//! stand-in for one, so the rules are read on the clock of the area code's time zone.
//!
//! This module answers only for messages the business starts. A reply to a text the consumer just sent is not
//! restricted; telling the two apart is the caller's job. Nothing here reads the clock: callers pass `now`.

mod area_codes;

use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::{Contact, PhoneNumber, Purpose};
use area_codes::AREA_CODES;

/// Where a number is, as far as its area code tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Two-letter postal code of the state, district or territory, such as "TX": it picks the [`window`].
    pub state: &'static str,
    /// The IANA zone most of the area code's people live in: the window is read on its clock.
    pub zone: Tz,
}

/// Stands for "federal rules only" in [`CAUTIOUS`]: no state's stricter window applies.
const FEDERAL_ONLY: &str = "US";

/// Where a +1 number might be when its area code is not in the table: Canada, the Caribbean, toll-free codes, or
/// an overlay newer than the table.
///
/// The number could be anywhere in the continental US, so the federal window must hold in all of its zones at once:
/// from 8:00 Pacific to 21:00 Eastern, ten hours a day. Arizona is listed as well, as it keeps no daylight saving
/// time. No state's stricter window is applied, since the state is unknown.
const CAUTIOUS: [Location; 5] = [
    Location { state: FEDERAL_ONLY, zone: Tz::America__New_York },
    Location { state: FEDERAL_ONLY, zone: Tz::America__Chicago },
    Location { state: FEDERAL_ONLY, zone: Tz::America__Denver },
    Location { state: FEDERAL_ONLY, zone: Tz::America__Phoenix },
    Location { state: FEDERAL_ONLY, zone: Tz::America__Los_Angeles },
];

/// The state and time zone of a US number (including Puerto Rico and the other territories), by its area code.
///
/// None for numbers outside country code 1, and for +1 numbers that are not ten digits or whose area code is not
/// a US one: Canada, the Caribbean, toll-free and unassigned codes.
pub fn locate(number: &PhoneNumber) -> Option<Location> {
    let national = number.as_str().strip_prefix("+1")?;
    if national.len() != 10 {
        return None;
    }
    let area_code: u16 = national.get(..3)?.parse().ok()?;
    let found = AREA_CODES.binary_search_by_key(&area_code, |&(code, _, _)| code).ok()?;
    AREA_CODES.get(found).map(|&(_, state, zone)| Location { state, zone })
}

/// The window on a given local date (start inclusive, end exclusive), by state and weekday.
///
/// The federal window is 8:00 to 21:00. Florida, Oklahoma, Maryland, Mississippi and New Jersey end it at 20:00,
/// Connecticut allows 9:00 to 20:00, Texas 9:00 to 21:00 but from noon on Sundays, and Rhode Island 9:00 to 18:00
/// on weekdays and 10:00 to 17:00 at weekends. Each of those lies inside the federal window, so it replaces it.
/// Any other code, such as "PR" or an unknown one, gets the federal window.
pub fn window(state: &str, weekday: Weekday) -> (NaiveTime, NaiveTime) {
    let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
    let (start, end) = match state {
        "FL" | "OK" | "MD" | "MS" | "NJ" => (8, 20),
        "CT" => (9, 20),
        "TX" if weekday == Weekday::Sun => (12, 21),
        "TX" => (9, 21),
        "RI" if weekend => (10, 17),
        "RI" => (9, 18),
        _ => (8, 21),
    };
    let hour = |h| NaiveTime::MIN + TimeDelta::hours(h);
    (hour(start), hour(end))
}

/// A text to a contact who texted within this long is a reply, not a solicitation: quiet hours do not hold
/// it back.
pub const REPLY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// When a text the business starts (an operator's, an upload link) may go to `number`: None for now, when it
/// answers the contact's text of the last [`REPLY_WINDOW`] (`last_inbound`) or quiet hours allow; else the
/// first instant they do.
pub fn business_text_at(
    number: &PhoneNumber,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let replying = last_inbound.is_some_and(|at| now - at < REPLY_WINDOW);
    if replying { None } else { next_allowed(number, now) }
}

/// When a text for `purpose` to `to` may go: `None` for now. Only a text the business starts (an operator's,
/// an upload link) to someone's phone, by SMS or WhatsApp, waits out their quiet hours, and not when it
/// answers their text of the last [`REPLY_WINDOW`]; replies never wait. Checked when a text is queued and
/// again when it comes due.
pub fn text_due_at(
    purpose: Purpose,
    to: &Contact,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let texted = matches!(to, Contact::Phone(_) | Contact::WhatsApp(_));
    let number = to.phone().filter(|_| texted && purpose.started_by_business())?;
    business_text_at(number, last_inbound, now)
}

/// None when the business may text `number` at `now`; otherwise the first instant (UTC) it may.
///
/// A number outside country code 1 gets None: US rules do not apply to it, and other countries' rules are not
/// modelled here. A +1 number whose area code is not in the US table gets the cautious window, 8:00 Pacific to
/// 21:00 Eastern, which holds wherever in the continental US the number turns out to be.
pub fn next_allowed(number: &PhoneNumber, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !number.as_str().starts_with("+1") {
        return None;
    }
    let located = locate(number);
    let places = match &located {
        Some(location) => std::slice::from_ref(location),
        None => &CAUTIOUS[..],
    };
    let opens = first_open(places, now);
    (opens > now).then_some(opens)
}

/// The longest a provider may hold a text to `number` before giving up on it (Twilio's `ValidityPeriod`),
/// so that one stuck in its queue cannot arrive in the recipient's night: until their window closes; a few
/// minutes when sent in their quiet hours (only a reply to their own text is); ten hours (Twilio's most)
/// where US rules do not apply.
pub fn deliver_within(number: &PhoneNumber, now: DateTime<Utc>) -> TimeDelta {
    const MOST: TimeDelta = TimeDelta::hours(10);
    const LEAST: TimeDelta = TimeDelta::minutes(1);
    const IN_QUIET_HOURS: TimeDelta = TimeDelta::minutes(10);
    if !number.as_str().starts_with("+1") {
        return MOST;
    }
    let located = locate(number);
    let places = match &located {
        Some(location) => std::slice::from_ref(location),
        None => &CAUTIOUS[..],
    };
    if first_open(places, now) > now {
        return IN_QUIET_HOURS;
    }
    let closes = places.iter().map(|place| closing(place, now)).min().unwrap_or(now + MOST);
    (closes - now).clamp(LEAST, MOST)
}

/// When `place`'s window, open at `t`, closes.
fn closing(place: &Location, t: DateTime<Utc>) -> DateTime<Utc> {
    let local = t.with_timezone(&place.zone).naive_local();
    let (_, end) = window(place.state, local.date().weekday());
    first_instant(place.zone, local.date().and_time(end))
}

/// The first instant at or after `t` that lies inside the window of every one of `places`.
fn first_open(places: &[Location], mut t: DateTime<Utc>) -> DateTime<Utc> {
    // Each pass moves `t` to the latest of the places' next openings; once no place moves it, all are open. Two
    // or three passes settle the continental zones, whose windows overlap ten hours a day; the bound only keeps
    // windows that never meet from looping for ever.
    const MAX_PASSES: usize = 16;
    for _ in 0..MAX_PASSES {
        let later = places.iter().map(|place| opening(place, t)).max().unwrap_or(t);
        if later == t {
            break;
        }
        t = later;
    }
    t
}

/// `t` itself when `place` is inside its window then; otherwise the start of its next window, today's or
/// tomorrow's, each by its own weekday's rules.
fn opening(place: &Location, t: DateTime<Utc>) -> DateTime<Utc> {
    let local = t.with_timezone(&place.zone).naive_local();
    let today = local.date();
    let (start, end) = window(place.state, today.weekday());
    if local.time() < start {
        return first_instant(place.zone, today.and_time(start));
    }
    if local.time() < end {
        return t;
    }
    let Some(tomorrow) = today.succ_opt() else {
        return t; // the last day chrono can name, some 260,000 years from now
    };
    let (start, _) = window(place.state, tomorrow.weekday());
    first_instant(place.zone, tomorrow.and_time(start))
}

/// The first instant whose wall-clock time in `zone` is `wall` or later.
///
/// When the clocks fall back, `wall` happens twice and the first time counts. When they spring forward over it,
/// it never happens, and the first instant after the gap counts; stepping a minute at a time finds it, as gaps
/// are whole minutes and never longer than a day.
fn first_instant(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    const MINUTES_PER_DAY: u32 = 24 * 60;
    let mut candidate = wall;
    for _ in 0..=MINUTES_PER_DAY {
        if let Some(instant) = zone.from_local_datetime(&candidate).earliest() {
            return instant.with_timezone(&Utc);
        }
        candidate += TimeDelta::minutes(1);
    }
    // Unreachable with the tz database, which has no gap longer than a day; reading the wall time as UTC keeps
    // this function total without a panic.
    wall.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_business_text_to_a_phone_waits_out_quiet_hours() {
        // 03:00 in New York; its window opens at 08:00 (13:00 UTC).
        let night = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let opens = Some(Utc.with_ymd_and_hms(2026, 12, 1, 13, 0, 0).unwrap());
        let number = PhoneNumber::parse("+12125550123").unwrap();
        let sms = Contact::Phone(number.clone());
        let whatsapp = Contact::WhatsApp(crate::WhatsAppContact::new(number.clone()));
        assert_eq!(text_due_at(Purpose::Operator, &sms, None, night), opens);
        assert_eq!(text_due_at(Purpose::UploadLink, &whatsapp, None, night), opens);
        assert_eq!(text_due_at(Purpose::Reply, &sms, None, night), None, "a reply answers their text");
        let they_wrote = Some(night - TimeDelta::hours(2));
        assert_eq!(text_due_at(Purpose::Operator, &sms, they_wrote, night), None, "within a day of theirs");
        let tested = Contact::Test(crate::TestContact::new(number));
        assert_eq!(text_due_at(Purpose::Operator, &tested, None, night), None, "nobody's phone wakes");
    }

    #[test]
    fn a_business_text_answering_a_recent_text_goes_at_once_any_other_waits_for_the_window() {
        let new_york = PhoneNumber::parse("+12125550123").unwrap();
        // 03:00 in New York, a Tuesday.
        let night = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let opens = Utc.with_ymd_and_hms(2026, 12, 1, 13, 0, 0).unwrap();
        assert_eq!(business_text_at(&new_york, Some(night - TimeDelta::hours(2)), night), None, "a reply");
        assert_eq!(business_text_at(&new_york, Some(night - TimeDelta::hours(25)), night), Some(opens));
        assert_eq!(business_text_at(&new_york, None, night), Some(opens));
        assert_eq!(business_text_at(&new_york, None, opens + TimeDelta::hours(1)), None, "in the window");
    }

    #[test]
    fn a_text_held_by_the_provider_expires_before_the_recipients_night() {
        let new_york = PhoneNumber::parse("+12125550123").unwrap();
        // 19:30 in New York: the window closes at 21:00.
        let evening = Utc.with_ymd_and_hms(2026, 12, 2, 0, 30, 0).unwrap();
        assert_eq!(deliver_within(&new_york, evening), TimeDelta::minutes(90));
        // 10:00: ten hours is the most a provider takes.
        let morning = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        assert_eq!(deliver_within(&new_york, morning), TimeDelta::hours(10));
        // 03:00, a reply to their own text: minutes, not until morning.
        let night = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        assert_eq!(deliver_within(&new_york, night), TimeDelta::minutes(10));
        let london = PhoneNumber::parse("+442079460000").unwrap();
        assert_eq!(deliver_within(&london, night), TimeDelta::hours(10), "US rules only");
    }
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn number(e164: &str) -> PhoneNumber {
        PhoneNumber::parse(e164).expect("a valid test number")
    }

    /// The instant a wall clock in `zone` shows the given time.
    fn at(zone: Tz, (year, month, day): (i32, u32, u32), hour: u32, minute: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .expect("an unambiguous local time")
            .with_timezone(&Utc)
    }

    const NEW_YORK: &str = "+12125550123";
    const WEDNESDAY: (i32, u32, u32) = (2025, 1, 15);
    const THURSDAY: (i32, u32, u32) = (2025, 1, 16);

    #[test]
    fn the_test_dates_fall_on_the_weekdays_they_are_named_for() {
        let weekday = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a real date").weekday();
        assert_eq!(weekday(WEDNESDAY), Weekday::Wed);
        assert_eq!(weekday(THURSDAY), Weekday::Thu);
        assert_eq!(weekday((2025, 3, 15)), Weekday::Sat);
        assert_eq!(weekday((2025, 1, 18)), Weekday::Sat);
        assert_eq!(weekday((2025, 3, 9)), Weekday::Sun);
        assert_eq!(weekday((2025, 11, 2)), Weekday::Sun);
    }

    #[test]
    fn new_york_may_be_texted_from_eight_until_just_before_nine_at_night() {
        let n = number(NEW_YORK);
        let ny = Tz::America__New_York;
        assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 7, 59)), Some(at(ny, WEDNESDAY, 8, 0)));
        assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 8, 0)), None);
        assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 20, 59)), None);
        assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 21, 0)), Some(at(ny, THURSDAY, 8, 0)));
        assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 23, 30)), Some(at(ny, THURSDAY, 8, 0)));
    }

    #[test]
    fn texas_saturday_night_waits_for_sunday_noon() {
        let dallas = number("+12145550123");
        let central = Tz::America__Chicago;
        assert_eq!(next_allowed(&dallas, at(central, (2025, 3, 15), 22, 0)), Some(at(central, (2025, 3, 16), 12, 0)));
        assert_eq!(next_allowed(&dallas, at(central, (2025, 3, 16), 11, 59)), Some(at(central, (2025, 3, 16), 12, 0)));
        // On weekdays Texas opens at 9:00, not the federal 8:00.
        assert_eq!(next_allowed(&dallas, at(central, WEDNESDAY, 8, 30)), Some(at(central, WEDNESDAY, 9, 0)));
    }

    #[test]
    fn el_paso_is_texas_on_mountain_time() {
        let el_paso = number("+19155550123");
        assert_eq!(locate(&el_paso), Some(Location { state: "TX", zone: Tz::America__Denver }));
        let mountain = Tz::America__Denver;
        assert_eq!(next_allowed(&el_paso, at(mountain, WEDNESDAY, 8, 30)), Some(at(mountain, WEDNESDAY, 9, 0)));
    }

    #[test]
    fn rhode_island_allows_longer_on_weekdays_than_at_weekends() {
        let providence = number("+14015550123");
        let ny = Tz::America__New_York;
        let (friday, saturday, sunday) = ((2025, 1, 17), (2025, 1, 18), (2025, 1, 19));
        assert_eq!(next_allowed(&providence, at(ny, WEDNESDAY, 17, 30)), None);
        assert_eq!(next_allowed(&providence, at(ny, WEDNESDAY, 18, 0)), Some(at(ny, THURSDAY, 9, 0)));
        assert_eq!(next_allowed(&providence, at(ny, friday, 18, 0)), Some(at(ny, saturday, 10, 0)));
        assert_eq!(next_allowed(&providence, at(ny, saturday, 9, 30)), Some(at(ny, saturday, 10, 0)));
        assert_eq!(next_allowed(&providence, at(ny, saturday, 16, 59)), None);
        assert_eq!(next_allowed(&providence, at(ny, saturday, 17, 0)), Some(at(ny, sunday, 10, 0)));
    }

    #[test]
    fn florida_evenings_end_at_eight() {
        let miami = number("+13055550123");
        let ny = Tz::America__New_York;
        assert_eq!(next_allowed(&miami, at(ny, WEDNESDAY, 19, 59)), None);
        assert_eq!(next_allowed(&miami, at(ny, WEDNESDAY, 20, 30)), Some(at(ny, THURSDAY, 8, 0)));
    }

    #[test]
    fn the_florida_panhandle_is_on_central_time() {
        let pensacola = number("+18505550123");
        assert_eq!(locate(&pensacola), Some(Location { state: "FL", zone: Tz::America__Chicago }));
        let central = Tz::America__Chicago;
        assert_eq!(next_allowed(&pensacola, at(central, WEDNESDAY, 19, 59)), None);
        assert_eq!(next_allowed(&pensacola, at(central, WEDNESDAY, 20, 0)), Some(at(central, THURSDAY, 8, 0)));
    }

    #[test]
    fn arizona_keeps_standard_time_all_summer() {
        let (phoenix, los_angeles, denver) = (number("+16025550123"), number("+12135550123"), number("+13035550123"));
        let july = |hour, minute| Utc.with_ymd_and_hms(2025, 7, 15, hour, minute, 0).single().expect("a UTC time");
        // In July, Phoenix (UTC-7 all year) shows the same clock as Los Angeles (PDT), an hour behind Denver (MDT).
        assert_eq!(next_allowed(&phoenix, july(14, 30)), Some(july(15, 0)));
        assert_eq!(next_allowed(&los_angeles, july(14, 30)), Some(july(15, 0)));
        assert_eq!(next_allowed(&denver, july(14, 30)), None);
        // In January, Phoenix matches Denver and Los Angeles opens an hour later.
        let january = |hour, minute| Utc.with_ymd_and_hms(2025, 1, 15, hour, minute, 0).single().expect("a UTC time");
        assert_eq!(next_allowed(&phoenix, january(14, 30)), Some(january(15, 0)));
        assert_eq!(next_allowed(&denver, january(14, 30)), Some(january(15, 0)));
        assert_eq!(next_allowed(&los_angeles, january(15, 30)), Some(january(16, 0)));
    }

    #[test]
    fn the_morning_after_spring_forward_opens_at_eight_daylight_time() {
        let n = number(NEW_YORK);
        let ny = Tz::America__New_York;
        // Saturday 8 March 2025, 22:00 EST; the clocks jump from 2:00 to 3:00 that night.
        let saturday_night = at(ny, (2025, 3, 8), 22, 0);
        let sunday_eight = Utc.with_ymd_and_hms(2025, 3, 9, 12, 0, 0).single().expect("a UTC time");
        assert_eq!(next_allowed(&n, saturday_night), Some(sunday_eight), "8:00 EDT is 12:00 UTC");
        assert_eq!(sunday_eight, at(ny, (2025, 3, 9), 8, 0));
    }

    #[test]
    fn the_morning_after_fall_back_opens_at_eight_standard_time() {
        let n = number(NEW_YORK);
        let ny = Tz::America__New_York;
        let seven = at(ny, (2025, 11, 2), 7, 0);
        let eight = Utc.with_ymd_and_hms(2025, 11, 2, 13, 0, 0).single().expect("a UTC time");
        assert_eq!(next_allowed(&n, seven), Some(eight), "8:00 EST is 13:00 UTC");
    }

    #[test]
    fn a_skipped_wall_time_opens_when_the_clocks_jump_and_a_repeated_one_at_its_first_pass() {
        let ny = Tz::America__New_York;
        let wall = |m, d, h, min| {
            NaiveDate::from_ymd_opt(2025, m, d).and_then(|date| date.and_hms_opt(h, min, 0)).expect("a wall time")
        };
        let utc = |m, d, h, min| Utc.with_ymd_and_hms(2025, m, d, h, min, 0).single().expect("a UTC time");
        // 2:30 on 9 March never happens in New York: 3:00 EDT, 7:00 UTC, is the first instant after it.
        assert_eq!(first_instant(ny, wall(3, 9, 2, 30)), utc(3, 9, 7, 0));
        // 1:30 on 2 November happens twice: first at EDT (5:30 UTC), then at EST (6:30 UTC).
        assert_eq!(first_instant(ny, wall(11, 2, 1, 30)), utc(11, 2, 5, 30));
    }

    #[test]
    fn unknown_plus_one_codes_wait_for_eight_in_los_angeles_and_stop_at_nine_in_new_york() {
        let ny = Tz::America__New_York;
        for unknown in ["+18005550123", "+14165550123", "+18765550123", "+12115550123"] {
            let n = number(unknown);
            assert_eq!(locate(&n), None, "{unknown}");
            // 9:00 in New York is 6:00 in Los Angeles: wait until 8:00 there, 11:00 in New York.
            assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 9, 0)), Some(at(ny, WEDNESDAY, 11, 0)), "{unknown}");
            assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 11, 0)), None, "{unknown}");
            assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 20, 59)), None, "{unknown}");
            assert_eq!(next_allowed(&n, at(ny, WEDNESDAY, 21, 0)), Some(at(ny, THURSDAY, 11, 0)), "{unknown}");
        }
    }

    #[test]
    fn numbers_outside_country_code_one_are_always_allowed() {
        let london = number("+447911123456");
        assert_eq!(locate(&london), None);
        for hour in 0..24 {
            assert_eq!(next_allowed(&london, at(Tz::Europe__London, WEDNESDAY, hour, 0)), None);
        }
        for elsewhere in ["+4930123456", "+6831234", "+5215512345678"] {
            assert_eq!(next_allowed(&number(elsewhere), at(Tz::UTC, WEDNESDAY, 3, 0)), None, "{elsewhere}");
        }
    }

    #[test]
    fn area_codes_map_to_their_states_and_zones() {
        let cases = [
            ("+13175550123", "IN", Tz::America__Indiana__Indianapolis),
            ("+12195550123", "IN", Tz::America__Chicago),
            ("+18085550123", "HI", Tz::Pacific__Honolulu),
            ("+19075550123", "AK", Tz::America__Anchorage),
            ("+16025550123", "AZ", Tz::America__Phoenix),
            ("+17875550123", "PR", Tz::America__Puerto_Rico),
            ("+19395550123", "PR", Tz::America__Puerto_Rico),
            ("+12025550123", "DC", Tz::America__New_York),
            ("+18605550123", "CT", Tz::America__New_York),
            ("+13135550123", "MI", Tz::America__Detroit),
            ("+16155550123", "TN", Tz::America__Chicago),
            ("+18655550123", "TN", Tz::America__New_York),
        ];
        for (e164, state, zone) in cases {
            assert_eq!(locate(&number(e164)), Some(Location { state, zone }), "{e164}");
        }
        // A +1 number must have ten digits after the country code to have an area code at all.
        assert_eq!(locate(&number("+1212555012")), None);
    }

    #[test]
    fn the_area_code_table_is_sorted_without_repeats() {
        for pair in AREA_CODES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} must come before {}", pair[0].0, pair[1].0);
        }
        for &(code, state, _) in AREA_CODES {
            assert!((200..1000).contains(&code), "{code} is not an area code");
            assert!(state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase()), "{code}: {state}");
        }
        // Every state and DC, plus Puerto Rico, the Virgin Islands, Guam, the Northern Marianas, American Samoa.
        let mut states: Vec<&str> = AREA_CODES.iter().map(|&(_, state, _)| state).collect();
        states.sort_unstable();
        states.dedup();
        assert_eq!(states.len(), 51 + 5);
    }

    #[test]
    fn windows_by_state_and_weekday() {
        let hours = |state, weekday| {
            let (start, end) = window(state, weekday);
            (start.format("%H:%M").to_string(), end.format("%H:%M").to_string())
        };
        let h = |start: &str, end: &str| (start.to_owned(), end.to_owned());
        assert_eq!(hours("NY", Weekday::Mon), h("08:00", "21:00"));
        assert_eq!(hours("PR", Weekday::Sun), h("08:00", "21:00"));
        assert_eq!(hours("NJ", Weekday::Sat), h("08:00", "20:00"));
        assert_eq!(hours("CT", Weekday::Tue), h("09:00", "20:00"));
        assert_eq!(hours("TX", Weekday::Sat), h("09:00", "21:00"));
        assert_eq!(hours("TX", Weekday::Sun), h("12:00", "21:00"));
        assert_eq!(hours("RI", Weekday::Fri), h("09:00", "18:00"));
        assert_eq!(hours("RI", Weekday::Sun), h("10:00", "17:00"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Whatever the area code (listed or not) and the moment, the instant offered is allowed, and the second
        /// before it is not: it is the first allowed instant.
        #[test]
        fn the_instant_offered_is_the_first_allowed_one(
            area_code in 200u16..1000,
            seconds in 946_684_800i64..2_208_988_800, // 2000 to 2040
        ) {
            let n = number(&format!("+1{area_code}5550123"));
            let now = DateTime::from_timestamp(seconds, 0).expect("a time in range");
            if let Some(opens) = next_allowed(&n, now) {
                prop_assert!(opens > now);
                prop_assert!(opens - now <= TimeDelta::days(2), "{now} waits until {opens}");
                prop_assert_eq!(next_allowed(&n, opens), None, "{} is offered but not allowed", opens);
                let just_before = opens - TimeDelta::seconds(1);
                prop_assert!(next_allowed(&n, just_before).is_some(), "{} was allowed already", just_before);
            }
        }
    }
}
