//! People answer like people: yes and no in their own words, a no with its correction, and questions
//! that never loop.

use super::{Chat, text};

const OFFER: &str = "Is +1 415-555-2671 the best number to reach you? Reply YES, or send another number.";

fn names_confirmed() -> Chat {
    let mut chat = Chat::new();
    chat.say("Maria Garcia");
    assert_eq!(chat.say("yes"), OFFER);
    chat
}

#[test]
fn the_ordinary_ways_of_saying_yes_confirm() {
    for yes in ["this one is fine", "that's fine", "this one works", "yep", "sure", "correct", "👍", "Perfect"] {
        let mut chat = names_confirmed();
        assert_eq!(chat.say(yes), "What's your current address?", "{yes}");
        assert_eq!(chat.confirmed("phone"), text("+14155552671"), "{yes}");
    }
    for sí in ["sí, ese", "está bien", "ese mismo", "así es"] {
        let mut chat = Chat::new().spanish();
        chat.say("María García");
        chat.say("sí");
        assert_eq!(chat.say(sí), "¿Cuál es su dirección actual?", "{sí}");
    }
}

#[test]
fn the_ordinary_ways_of_saying_no_ask_for_another() {
    for no in ["nope", "not that one", "nah, not this one", "👎"] {
        let mut chat = names_confirmed();
        assert_eq!(chat.say(no), "Sorry about that. What's the best phone number to reach you?", "{no}");
    }
}

#[test]
fn a_no_with_a_correction_is_both() {
    let mut chat = names_confirmed();
    chat.say("yes");
    assert_eq!(chat.say("42 Oak Street, Springfield"), "Got it: 42 Oak Street, Springfield. Is that right?");
    assert_eq!(chat.say("no, it's 42 Oak St"), "Got it: 42 Oak St. Is that right?");
    let mut chat = names_confirmed();
    assert_eq!(chat.say("not that one, 415 555 0199"), "Got it: +1 415-555-0199. Is that right?");
}

#[test]
fn a_question_goes_out_the_same_way_at_most_twice() {
    let mut chat = names_confirmed();
    chat.say("yes");
    chat.say("42 Oak St, Springfield");
    chat.say("yes");
    let asked = "What's your annual income?";
    assert_eq!(
        chat.say("a fair amount"),
        format!("Sorry, I couldn't read that amount (for example 85000 or 85k). {asked}")
    );
    assert_eq!(chat.say("enough"), "Please send just your annual income, for example: 85000 or 85k.");
    let last = chat.say("more than most");
    assert!(last.starts_with("I'm having trouble getting your annual income. Someone from our team"), "{last}");
    assert!(chat.handed_over, "a person takes over");
    assert!(!last.contains(asked));
}

#[test]
fn a_confirmation_the_contact_cannot_answer_is_taken_as_given_and_marked() {
    let mut chat = names_confirmed();
    let first = chat.say("hmm");
    assert!(first.starts_with("Sorry, I need a yes or a no. Is +1 415"), "{first}");
    assert_eq!(chat.say("hmm"), "Please reply YES if +1 415-555-2671 is right, or NO to change it.");
    assert_eq!(
        chat.say("hmm"),
        "I'll note +1 415-555-2671 for now; our team will check it with you. What's your current address?"
    );
    assert!(chat.state.unverified.contains("phone"));
    assert!(!chat.handed_over);
}

#[test]
fn an_address_without_a_number_is_taken_the_third_time_unverified() {
    let mut chat = names_confirmed();
    chat.say("yes");
    assert!(chat.say("Oak Street, Springfield").starts_with("Sorry, I need the full street address"));
    assert_eq!(
        chat.say("Oak Street, Springfield"),
        "Please send just your current address, for example: 42 Oak St, Springfield."
    );
    assert_eq!(
        chat.say("Oak Street, Springfield"),
        "I'll note Oak Street, Springfield for now; our team will check it with you. What's your annual income?"
    );
    assert_eq!(chat.confirmed("address"), text("Oak Street, Springfield"));
    assert!(chat.state.unverified.contains("address"));
}

#[test]
fn a_wrong_kind_of_value_is_only_mentioned_when_asked_for() {
    let mut chat = names_confirmed();
    chat.say("yes");
    let reply = chat.say("my phone is 12, I live at 5 Elm St");
    assert!(!reply.contains("phone number"), "the address was asked for: {reply}");
    assert_eq!(reply, "Got it: 5 Elm St. Is that right?");
}
