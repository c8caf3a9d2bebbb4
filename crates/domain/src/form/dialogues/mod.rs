//! Dialogues through the engine with rule-based extraction and template wording: what a contact reads,
//! turn by turn. (The black-box suite runs dialogues through the whole service, with and without a model.)

mod people;

use super::engine::{FormState, Turn, start, step};
use super::{Form, extract, wording};
use crate::form::engine::SlotState;
use crate::form::value::SlotValue;
use crate::{Language, PhoneNumber};

struct Chat {
    form: Form,
    state: FormState,
    /// `None` for a web chat session, which has no number to offer.
    sender: Option<PhoneNumber>,
    /// The business's number, for a chat.
    business: Option<PhoneNumber>,
    language: Language,
    submissions: Vec<std::collections::BTreeMap<String, SlotValue>>,
    /// The last turn handed the conversation to a person.
    handed_over: bool,
}

impl Chat {
    fn new() -> Chat {
        let form = Form::tenant_screening();
        let sender = Some(PhoneNumber::parse("+14155552671").unwrap());
        let opening = start(&form, sender.as_ref(), Language::En);
        Chat {
            form,
            state: opening.state,
            sender,
            business: None,
            language: Language::En,
            submissions: Vec::new(),
            handed_over: false,
        }
    }

    fn spanish(mut self) -> Chat {
        self.language = Language::Es;
        self
    }

    /// The contact texts; returns what they read back.
    fn say(&mut self, text: &str) -> String {
        let extraction = extract(&self.form, &self.state, text);
        let dialling_from = self.sender.as_ref().or(self.business.as_ref());
        let turn = Turn {
            text,
            extraction: &extraction,
            sender: self.sender.as_ref(),
            dialling_from,
            language: self.language,
        };
        let outcome = step(&self.form, &self.state, &turn);
        self.state = outcome.state;
        self.submissions.extend(outcome.submission);
        self.handed_over = outcome.hand_over;
        wording::render(&self.form, &outcome.says, self.language)
    }

    fn confirmed(&self, key: &str) -> Option<SlotValue> {
        self.state.slots.get(key).and_then(SlotState::confirmed).cloned()
    }
}

fn text(value: &str) -> Option<SlotValue> {
    Some(SlotValue::Text(value.to_owned()))
}

#[test]
fn the_whole_form_one_answer_at_a_time() {
    let mut chat = Chat::new();
    assert_eq!(chat.say("maria"), "Got it: Maria. Is that right?");
    assert_eq!(chat.say("yes"), "And your last name?");
    assert_eq!(chat.say("garcia"), "Got it: Garcia. Is that right?");
    assert_eq!(chat.say("yep"), "Is +1 415-555-2671 the best number to reach you? Reply YES, or send another number.");
    assert_eq!(chat.say("YES"), "What's your current address?");
    assert_eq!(
        chat.say("123 Main St, Springfield, IL 62701"),
        "Got it: 123 Main St, Springfield, IL 62701. Is that right?"
    );
    assert_eq!(chat.say("correct"), "What's your annual income?");
    assert_eq!(chat.say("$85,000 a year"), "Got it: $85,000 a year. Is that right?");
    let done = chat.say("yes");
    assert!(
        done.starts_with(
            "Thanks, Maria! We'll be in touch soon. Here's what I have: Maria Garcia, phone number +1 415-555-2671"
        ),
        "{done}"
    );
    assert_eq!(chat.submissions.len(), 1);
    assert_eq!(chat.submissions[0]["annual_income"], SlotValue::Cents(8_500_000));
    assert_eq!(chat.submissions[0]["phone"], SlotValue::Text("+14155552671".into()));
}

#[test]
fn an_introduction_fills_both_names_and_confirms_them_together() {
    let mut chat = Chat::new();
    assert_eq!(chat.say("Hi, I'm Maria Garcia"), "Got it: Maria Garcia. Is that right?");
    assert!(chat.say("yes").starts_with("Is +1 415-555-2671 the best number"));
    assert_eq!(chat.confirmed("last_name"), text("Garcia"));
}

#[test]
fn a_no_asks_again_and_keeps_nothing() {
    let mut chat = Chat::new();
    chat.say("Mario");
    assert_eq!(chat.say("no"), "Sorry about that. What's your first name?");
    assert_eq!(chat.confirmed("first_name"), None);
    assert_eq!(chat.say("Maria"), "Got it: Maria. Is that right?");
}

#[test]
fn a_different_value_while_confirming_replaces_the_proposal() {
    let mut chat = Chat::new();
    chat.say("Mario");
    assert_eq!(chat.say("no, Maria"), "Got it: Maria. Is that right?");
    chat.say("yes");
    assert_eq!(chat.confirmed("first_name"), text("Maria"));
}

#[test]
fn a_correction_of_a_confirmed_value_is_confirmed_and_the_form_resumes() {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    chat.say("yes");
    assert_eq!(chat.say("actually my last name is Smith"), "Updated your last name to Smith. Is that right?");
    assert_eq!(chat.confirmed("last_name"), None, "not confirmed until the contact says so");
    assert!(chat.say("yes").starts_with("Is +1 415-555-2671"), "back to where the form was");
    assert_eq!(chat.confirmed("last_name"), text("Smith"));
}

#[test]
fn no_to_a_correction_keeps_the_confirmed_value() {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    chat.say("yes");
    chat.say("my last name is Smith");
    chat.say("no");
    assert_eq!(chat.confirmed("last_name"), text("Garcia"));
}

#[test]
fn an_invalid_answer_never_replaces_a_valid_one() {
    let mut chat = Chat::new();
    for text in ["Maria", "yes", "Garcia", "yes", "yes", "123 Main St, Springfield", "yes"] {
        chat.say(text);
    }
    assert_eq!(
        chat.say("a lot of money"),
        "Sorry, I couldn't read that amount (for example 85000 or 85k). What's your annual income?"
    );
    assert_eq!(chat.say("85k"), "Got it: $85,000 a year. Is that right?");
    chat.say("yes");
    assert_eq!(chat.say("my phone number is 12"), "Sorry, that doesn't look like a phone number.");
    assert_eq!(chat.confirmed("phone"), text("+14155552671"), "the bad number changed nothing");
}

#[test]
fn no_its_90k_corrects_the_income_being_confirmed() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX", "yes", "85k"] {
        chat.say(text);
    }
    assert_eq!(chat.say("no, it's 90k"), "Got it: $90,000 a year. Is that right?");
    assert!(chat.say("yes").contains("$90,000"));
    assert_eq!(chat.submissions[0]["annual_income"], SlotValue::Cents(9_000_000));
}

#[test]
fn declining_the_senders_number_asks_for_another_once() {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    chat.say("yes");
    assert_eq!(chat.say("no"), "Sorry about that. What's the best phone number to reach you?");
    assert_eq!(chat.say("(415) 555-0199"), "Got it: +1 415-555-0199. Is that right?");
    assert_eq!(chat.say("yes"), "What's your current address?");
}

#[test]
fn a_web_chat_is_asked_for_its_number_as_it_has_none_to_offer() {
    let business = PhoneNumber::parse("+15557654321").ok();
    let mut chat = Chat { sender: None, business, ..Chat::new() };
    chat.state = start(&chat.form, None, Language::En).state;
    chat.say("Maria Garcia");
    assert_eq!(chat.say("yes"), "What's the best phone number to reach you?");
    // Written without a country: the business's.
    assert_eq!(chat.say("415 555 0199"), "Got it: +1 415-555-0199. Is that right?");
    assert_eq!(chat.say("yes"), "What's your current address?");
}

#[test]
fn another_number_instead_of_yes_is_taken_for_confirmation() {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    chat.say("yes");
    assert_eq!(chat.say("use 415 555 0199 instead"), "Got it: +1 415-555-0199. Is that right?");
}

#[test]
fn a_monthly_income_becomes_yearly() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX", "yes"] {
        chat.say(text);
    }
    assert_eq!(chat.say("I make $7,000 a month"), "Got it: $84,000 a year. Is that right?");
}

#[test]
fn neither_yes_nor_no_asks_for_one() {
    let mut chat = Chat::new();
    chat.say("Maria");
    assert_eq!(chat.say("hmm"), "Sorry, I need a yes or a no. Got it: Maria. Is that right?");
}

#[test]
fn a_question_mid_form_is_acknowledged_and_the_form_goes_on() {
    let mut chat = Chat::new();
    assert_eq!(
        chat.say("what's the rent?"),
        "I can't answer that here, but someone from our team will follow up. What's your first name?"
    );
}

#[test]
fn a_complete_form_is_not_asked_again_but_can_be_corrected() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX", "yes", "85k", "yes"] {
        chat.say(text);
    }
    assert_eq!(chat.submissions.len(), 1);
    assert_eq!(chat.say("thanks, when will I hear back?"), "", "nothing for the form: the caller answers");
    assert_eq!(chat.say("my income is 90k"), "Updated your annual income to $90,000 a year. Is that right?");
    assert!(chat.say("yes").contains("Your details are updated"));
    assert_eq!(chat.submissions.len(), 2, "the correction is submitted again");
}

#[test]
fn spanish_from_start_to_finish() {
    let mut chat = Chat::new().spanish();
    assert_eq!(chat.say("Me llamo María García"), "Entendido: María García. ¿Es correcto?");
    assert!(chat.say("sí").starts_with("¿Es +1 415-555-2671 el mejor número"));
    assert_eq!(chat.say("si"), "¿Cuál es su dirección actual?");
    chat.say("Calle Mayor 5, Madrid");
    assert_eq!(chat.say("correcto"), "¿Cuál es su ingreso anual?");
    assert_eq!(chat.say("gano 85 mil al año"), "Entendido: $85,000 al año. ¿Es correcto?");
    assert!(chat.say("sí").starts_with("¡Gracias, María!"));
}

#[test]
fn dependent_confirmations_run_again_after_a_correction() {
    let json = serde_json::json!({"slots": [
        {"key": "move_in", "label": "move-in date", "question": "When do you want to move in?", "kind": {"type": "date"}},
        {"key": "lease_start", "label": "lease start", "question": "When should the lease start?", "kind": {"type": "date"}, "depends_on": ["move_in"]}
    ]});
    let mut chat = Chat::new();
    chat.form = Form::from_json(&json).unwrap();
    chat.state = start(&chat.form, chat.sender.as_ref(), Language::En).state;
    for text in ["2027-01-01", "yes", "2027-01-01", "yes"] {
        chat.say(text);
    }
    assert_eq!(chat.submissions.len(), 1);
    assert_eq!(
        chat.say("my move-in date is 2027-02-01"),
        "Updated your move-in date to February 1, 2027. Is that right?"
    );
    assert_eq!(chat.say("yes"), "Is your lease start still January 1, 2027?");
    assert_eq!(chat.say("no, 2027-02-01"), "Updated your lease start to February 1, 2027. Is that right?");
    assert!(chat.say("yes").contains("Your details are updated"));
    assert_eq!(chat.submissions.len(), 2);
    assert_eq!(chat.submissions[1]["lease_start"], SlotValue::Text("2027-02-01".into()));
}

// --- what real contacts send (review findings) -------------------------------------------------------

#[test]
fn a_yes_that_repeats_the_value_confirms_it() {
    let mut chat = Chat::new();
    chat.say("maria");
    assert_eq!(chat.say("Yes, Maria"), "And your last name?");
    assert_eq!(chat.confirmed("first_name"), text("Maria"));
}

#[test]
fn an_ordinary_word_while_confirming_is_not_a_new_value() {
    for reply in ["hmm", "hold on", "wait", "lol"] {
        let mut chat = Chat::new();
        chat.say("maria");
        let answer = chat.say(reply);
        assert!(answer.starts_with("Sorry, I need a yes or a no."), "{reply}: {answer}");
        assert!(answer.contains("Got it: Maria."), "{reply}: {answer}");
    }
}

#[test]
fn fillers_are_not_names() {
    for reply in ["Hold on", "One sec", "start", "no idea"] {
        let mut chat = Chat::new();
        let answer = chat.say(reply);
        assert_eq!(answer, "Sorry, I didn't catch your first name. What's your first name?", "{reply}");
    }
}

#[test]
fn a_burst_of_first_and_last_name_fills_both() {
    let mut chat = Chat::new();
    assert_eq!(chat.say("Maria\nGarcia"), "Got it: Maria Garcia. Is that right?");
}

#[test]
fn a_correction_of_a_name_pair_fills_both_names() {
    let mut chat = Chat::new();
    chat.say("I'm Maria Garcia");
    assert_eq!(chat.say("no, Marie Garcia Lopez"), "Got it: Marie Garcia Lopez. Is that right?");
    chat.say("yes");
    assert_eq!(chat.confirmed("first_name"), text("Marie"));
    assert_eq!(chat.confirmed("last_name"), text("Garcia Lopez"));
}

#[test]
fn small_talk_never_changes_a_confirmed_name() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX", "yes"] {
        chat.say(text);
    }
    let answer = chat.say("I'm retired");
    assert!(!answer.contains("Retired"), "{answer}");
    assert_eq!(chat.confirmed("first_name"), text("Maria"));
}

#[test]
fn a_finished_form_is_not_submitted_again_without_a_change() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX", "yes", "85k", "yes"] {
        chat.say(text);
    }
    assert_eq!(chat.say("I'm moving next week"), "");
    chat.say("my income is 90k");
    chat.say("no");
    assert_eq!(chat.submissions.len(), 1, "a rejected correction changes nothing");
    assert_eq!(chat.confirmed("annual_income"), Some(SlotValue::Cents(8_500_000)));
}

#[test]
fn no_to_a_reconfirmation_asks_again() {
    let json = serde_json::json!({"slots": [
        {"key": "move_in", "label": "move-in date", "question": "When do you want to move in?", "kind": {"type": "date"}},
        {"key": "lease_start", "label": "lease start", "question": "When should the lease start?", "kind": {"type": "date"}, "depends_on": ["move_in"]}
    ]});
    let mut chat = Chat::new();
    chat.form = Form::from_json(&json).unwrap();
    chat.state = start(&chat.form, chat.sender.as_ref(), Language::En).state;
    for text in ["2027-01-01", "yes", "2027-01-01", "yes", "my move-in date is 2027-02-01", "yes"] {
        chat.say(text);
    }
    assert_eq!(chat.say("no"), "Sorry about that. When should the lease start?");
    assert_eq!(chat.confirmed("lease_start"), None);
}

#[test]
fn yes_with_more_words_confirms_and_keeps_the_value() {
    let mut chat = Chat::new();
    for text in ["Maria Garcia", "yes", "yes", "9 Elm Street, Austin TX"] {
        chat.say(text);
    }
    assert_eq!(chat.say("yes, apt 4B"), "What's your annual income?");
    assert_eq!(chat.confirmed("address"), text("9 Elm Street, Austin TX"));
}

#[test]
fn a_no_that_corrects_another_slot_leaves_the_pending_question() {
    let mut chat = Chat::new().spanish();
    chat.say("Me llamo María García");
    chat.say("sí");
    assert_eq!(chat.say("no, mi apellido es Pérez"), "Actualicé su apellido a Pérez. ¿Es correcto?");
    assert!(chat.say("sí").starts_with("¿Es +1 415-555-2671 el mejor número"), "the phone offer comes back");
}

#[test]
fn a_label_without_a_value_is_not_an_answer() {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    chat.say("yes");
    assert_eq!(
        chat.say("I'll text you from my cell later"),
        "Sorry, I need a yes or a no. Is +1 415-555-2671 the best number to reach you? Reply YES, or send another number."
    );
}
