use chrono::{TimeZone, Timelike};

use super::*;

/// Wednesday, December 2, 2026, 8:00 in Mexico City: the seed's rules offer Wednesday to the next Thursday.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 14, 0, 0).unwrap()
}

fn free(rules: &Rules) -> Vec<(NaiveDate, Vec<Slot>)> {
    rules.days(now(), &[]).into_iter().map(|d| (d, rules.slots(d, now(), &[]))).collect()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
}

/// A start on `day` of December at `hour:minute` in Mexico City (UTC-6).
fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour + 6, minute, 0).unwrap()
}

fn sms(text: &str) -> bool {
    smsagent_domain::segments::count(text).segments <= 2
}

struct Case {
    rules: Rules,
    free: Vec<(NaiveDate, Vec<Slot>)>,
    language: Language,
    upcoming: Option<Upcoming>,
}

impl Case {
    fn new(language: Language) -> Case {
        let rules = Rules::seed_default();
        let free = free(&rules);
        Case { rules, free, language, upcoming: None }
    }

    fn view<'a>(&'a self, stage: Option<&'a Stage>) -> View<'a> {
        View {
            rules: &self.rules,
            list_limit: 10,
            now: now(),
            language: self.language,
            free: &self.free,
            upcoming: self.upcoming,
            stage,
            fits: &sms,
        }
    }

    fn step(&self, stage: Option<&Stage>, said: &str) -> Option<Turn> {
        step(&self.view(stage), said)
    }
}

fn booked_slot(turn: &Turn) -> Slot {
    match turn.action {
        Some(Action::Book(slot)) => slot,
        ref other => panic!("expected a booking, got {other:?}: {}", turn.says),
    }
}

#[test]
fn days_then_a_time_by_number_books_it() {
    let case = Case::new(Language::En);
    let opening = opening(&case.view(None), Some("Maria Garcia"));
    assert!(opening.says.starts_with("Thanks, Maria! Which day works for you?"), "{}", opening.says);
    assert!(opening.says.contains("\n1 Wed Dec 2\n2 Thu Dec 3"), "{}", opening.says);
    assert!(sms(&opening.says));
    let Some(Stage::ChoosingDay { days, .. }) = &opening.stage else { panic!("{:?}", opening.stage) };
    assert_eq!(days[0], date(2));
    assert!(!days.contains(&date(5)), "Saturday is closed");

    let day = case.step(opening.stage.as_ref(), "2").unwrap();
    assert!(day.says.starts_with("Free times on Thursday, December 3:\n1 9:00 AM\n2 9:30 AM"), "{}", day.says);
    assert!(sms(&day.says));
    let Some(Stage::ChoosingSlot { starts, .. }) = &day.stage else { panic!("{:?}", day.stage) };
    assert_eq!(starts.len(), 10, "the text list's length");

    let time = case.step(day.stage.as_ref(), "2").unwrap();
    assert_eq!(booked_slot(&time).start, at(3, 9, 30));
    assert_eq!(
        time.says,
        "You're booked for Thursday, December 3 at 9:30 AM. See you then! To move or cancel it, just text us."
    );
    assert_eq!(time.stage, None);
    let (instead, stage) = time.if_taken.unwrap();
    assert!(instead.starts_with("Sorry, 9:30 AM was just taken. Free times on Thursday"), "{instead}");
    let Some(Stage::ChoosingSlot { starts, .. }) = stage else { panic!() };
    assert!(!starts.contains(&at(3, 9, 30)));
}

#[test]
fn a_day_and_time_in_words_book_at_once_in_spanish() {
    let case = Case::new(Language::Es);
    let opening = opening(&case.view(None), Some("Ana"));
    assert!(opening.says.starts_with("¡Gracias, Ana! ¿Qué día le conviene?"), "{}", opening.says);
    let turn = case.step(opening.stage.as_ref(), "el martes a las 10").unwrap();
    assert_eq!(booked_slot(&turn).start, at(8, 10, 0));
    assert_eq!(
        turn.says,
        "Su cita quedó para el martes, 8 de diciembre a las 10:00. ¡Le esperamos! Para cambiarla o cancelarla, escríbanos."
    );
}

#[test]
fn tomorrow_afternoon_lists_the_afternoon_and_the_930_picks_it() {
    let case = Case::new(Language::En);
    let stage = Stage::ChoosingDay { days: vec![date(2), date(3)], moving: None };
    let turn = case.step(Some(&stage), "tomorrow afternoon").unwrap();
    assert!(turn.says.starts_with("Free times on Thursday, December 3:\n1 12:00 PM"), "{}", turn.says);
    let Some(Stage::ChoosingSlot { starts, .. }) = &turn.stage else { panic!() };
    assert!(starts.iter().all(|s| s.with_timezone(&case.rules.time_zone).hour() >= 12));

    let listed = Stage::ChoosingSlot { date: date(3), starts: vec![at(3, 9, 0), at(3, 9, 30)], moving: None };
    let turn = case.step(Some(&listed), "the 9:30").unwrap();
    assert_eq!(booked_slot(&turn).start, at(3, 9, 30));
    let turn = case.step(Some(&listed), "at 3").unwrap();
    assert_eq!(booked_slot(&turn).start, at(3, 15, 0), "3 on a day open 9 to 5 is 3 PM");
}

#[test]
fn a_time_that_is_not_free_lists_the_days_times() {
    let case = Case::new(Language::En);
    let stage = Stage::ChoosingDay { days: vec![date(2)], moving: None };
    let turn = case.step(Some(&stage), "Thursday at 7pm").unwrap();
    assert!(turn.says.starts_with("7:00 PM is not free. Free times on Thursday, December 3:"), "{}", turn.says);
    assert_eq!(turn.action, None);
    let turn = case.step(Some(&stage), "Saturday").unwrap();
    assert!(turn.says.starts_with("We have no free times on Saturday, December 5. Which day"), "{}", turn.says);
    let turn = case.step(Some(&stage), "9").unwrap();
    assert!(turn.says.starts_with("Please reply with a number from 1 to 1."), "{}", turn.says);
}

#[test]
fn a_question_while_choosing_is_left_to_the_assistant_and_the_stage_stays() {
    let case = Case::new(Language::En);
    let stage = Stage::ChoosingDay { days: vec![date(2)], moving: None };
    assert_eq!(case.step(Some(&stage), "how much is a consultation?"), None);
    assert_eq!(case.step(None, "what are your prices?"), None);
}

#[test]
fn later_texts_cancel_move_and_tell_the_appointment() {
    let mut case = Case::new(Language::En);
    let id = Uuid::now_v7();
    case.upcoming = Some(Upcoming { id, start: at(3, 9, 30) });

    let when = case.step(None, "When is my appointment?").unwrap();
    assert_eq!(when.says, "Your appointment is on Thursday, December 3 at 9:30 AM.");

    let ask = case.step(None, "cancel my appointment").unwrap();
    assert_eq!(ask.says, "Cancel your appointment on Thursday, December 3 at 9:30 AM? Reply YES to cancel it.");
    assert_eq!(ask.action, None, "not before a yes");
    let yes = case.step(ask.stage.as_ref(), "yes please, cancel it").unwrap();
    assert_eq!(yes.action, Some(Action::Cancel { appointment: id }));
    assert_eq!(yes.says, "Your appointment on Thursday, December 3 at 9:30 AM is cancelled.");
    let no = case.step(ask.stage.as_ref(), "no").unwrap();
    assert_eq!((no.action, no.stage), (None, None));
    // Asked about an appointment that is no longer the next one (an operator cancelled it): forgotten.
    let other = Stage::ConfirmingCancel { appointment: Uuid::now_v7() };
    assert_eq!(case.step(Some(&other), "yes"), None, "a yes to nothing cancels nothing");

    let friday = case.step(None, "can we move it to Friday?").unwrap();
    assert!(friday.says.starts_with("Free times on Friday, December 4:"), "{}", friday.says);
    let moved = case.step(friday.stage.as_ref(), "1").unwrap();
    assert_eq!(moved.action, Some(Action::Move { appointment: id, slot: case.free[2].1[0] }));
    assert_eq!(moved.says, "Done: your appointment is now on Friday, December 4 at 9:00 AM.");

    let later = case.step(None, "could we change it to 11?").unwrap();
    assert_eq!(later.says, "Done: your appointment is now on Thursday, December 3 at 11:00 AM.", "the same day");

    let again = case.step(None, "I'd like to book an appointment").unwrap();
    assert!(again.says.starts_with("You already have an appointment on Thursday"), "{}", again.says);
}

#[test]
fn asking_to_book_without_details_in_spanish_offers_days() {
    let case = Case::new(Language::Es);
    let turn = case.step(None, "quiero una cita").unwrap();
    assert!(turn.says.starts_with("¿Qué día le conviene? Responda con un número:\n1 mié 2 dic"), "{}", turn.says);
    let turn = case.step(None, "cancelar mi cita").unwrap();
    assert!(turn.says.starts_with("No tiene ninguna cita próxima. ¿Qué día"), "{}", turn.says);
}

#[test]
fn a_long_list_is_cut_to_the_segment_budget() {
    let case = Case::new(Language::En);
    let one_segment = |text: &str| smsagent_domain::segments::count(text).segments <= 1;
    let view = View { fits: &one_segment, ..case.view(None) };
    let turn = step(&view, "book Thursday").unwrap();
    assert!(one_segment(&turn.says), "{}", turn.says);
    let Some(Stage::ChoosingSlot { starts, .. }) = &turn.stage else { panic!() };
    assert!(starts.len() < 10 && !starts.is_empty(), "{}", starts.len());
    assert!(turn.says.contains(&format!("\n{} ", starts.len())));
}

#[test]
fn the_stage_survives_its_stored_form() {
    let stage = Stage::ChoosingSlot { date: date(3), starts: vec![at(3, 9, 0)], moving: Some(Uuid::now_v7()) };
    let json = serde_json::to_value(&stage).unwrap();
    assert_eq!(json["stage"], "choosing_slot");
    assert_eq!(serde_json::from_value::<Stage>(json).unwrap(), stage);
    assert_eq!(state_name(Some("choosing_day"), true), "choosing_day");
    assert_eq!(state_name(Some("confirming_cancel"), true), "booked");
    assert_eq!(state_name(None, false), "none");
}
