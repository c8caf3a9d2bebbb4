//! The form engine: given the form, where the conversation stands and what the contact just said, it
//! decides what happens next. Deterministic and free of IO; the caller stores the state and words the reply.
//!
//! Each slot is empty, *proposed* (read from the contact, waiting for their yes), *confirmed*, or skipped.
//! The engine waits either for the answer to one slot or for a yes/no on the proposed values. Rules:
//! - a value is checked before it touches the state; an invalid one never replaces a valid one;
//! - a yes confirms what was proposed; a no puts back what was there before and asks again;
//! - a new value for a confirmed slot is a correction: it is confirmed again, and so are the slots that
//!   depend on it; a completed form completes again afterwards (a new submission);
//! - values are asked and confirmed in the form's order, each before the next.

use std::collections::BTreeMap;

use super::extract::{Extraction, Source};
use super::state::Refusal;
pub use super::state::{Awaiting, FormState, Outcome, Say, SlotState, Turn};
use super::value::{self, Invalid, Reading, SlotValue};
use super::{Form, SlotKind, stuck};
use crate::text::fold;
use crate::{Language, PhoneNumber};

const SKIP_WORDS: &[&str] =
    &["skip", "none", "n a", "na", "prefer not to say", "pass", "no", "omitir", "ninguno", "paso"];

/// Decides one turn.
pub fn step(form: &Form, state: &FormState, turn: &Turn) -> Outcome {
    let reading = Reading { language: turn.language, sender: turn.dialling_from };
    let mut accepted: Vec<(String, SlotValue)> = Vec::new();
    let mut refused: Vec<Refusal> = Vec::new();
    for proposal in &turn.extraction.values {
        let Some(slot) = form.slot(&proposal.slot) else { continue };
        // A guess ("I'm retired" looks like "I'm Maria") never replaces a value already given.
        if proposal.source == Source::Guess && state.slots.contains_key(&slot.key) {
            continue;
        }
        match value::read(&slot.kind, &proposal.raw, &reading) {
            Ok(value) => accepted.push((slot.key.clone(), value)),
            Err(why) => refused.push(Refusal {
                slot: slot.key.clone(),
                why,
                source: proposal.source,
                raw: proposal.raw.clone(),
            }),
        }
    }

    let mut next = state.clone();
    let mut says = Vec::new();
    let understood = !accepted.is_empty() || turn.extraction.answer.is_some();
    if let Awaiting::Confirmation(keys) = &state.awaiting {
        // Repeating the value being confirmed ("Yes, Maria") agrees with it; it corrects nothing.
        accepted.retain(|(k, v)| {
            !(keys.contains(k) && matches!(state.slots.get(k), Some(SlotState::Proposed { value, .. }) if value == v))
        });
    }
    // Values read this turn are confirmed before older ones still waiting.
    let fresh: Vec<String> = accepted.iter().map(|(k, _)| k.clone()).collect();
    match &state.awaiting {
        Awaiting::Confirmation(keys) => {
            let corrects_pending = accepted.iter().any(|(k, _)| keys.contains(k));
            match turn.extraction.answer {
                Some(true) if !corrects_pending => confirm(&mut next, keys),
                // A "no" that goes on to correct something else is about that, not about what was asked.
                Some(false) if accepted.is_empty() => {
                    reject(&mut next, keys);
                    says.push(Say::Sorry);
                }
                _ => {}
            }
            apply(form, &mut next, &accepted);
            if !understood {
                says.push(if looks_like_question(turn.text) { Say::OffTopic } else { Say::NeedYesNo });
            }
        }
        Awaiting::Answer(key) => {
            apply(form, &mut next, &accepted);
            let answered = accepted.iter().any(|(k, _)| k == key);
            let optional = form.slot(key).is_some_and(|s| !s.required);
            if !answered {
                if optional && SKIP_WORDS.contains(&fold(turn.text).as_str()) {
                    next.slots.insert(key.clone(), SlotState::Skipped);
                } else if accepted.is_empty() && looks_like_question(turn.text) {
                    says.push(Say::OffTopic);
                } else if let Some(refusal) = refused.iter().find(|r| &r.slot == key) {
                    says.push(Say::Invalid { slot: key.clone(), why: refusal.why });
                } else if accepted.is_empty() {
                    says.push(Say::Invalid { slot: key.clone(), why: Invalid::Empty });
                }
            }
        }
        Awaiting::Nothing => apply(form, &mut next, &accepted),
    }
    // What the contact stated outright that does not check out is worth a word: a correction of what is
    // being confirmed (labelled, or after a "no"), or a labelled correction of a finished form ("my phone number is 12"). Guesses,
    // mentions and a model's readings that do not check out were never meant; and nothing is said about a
    // slot while another is asked for: "that doesn't look like a phone number" in answer to a question
    // about an address makes no sense to the contact.
    for Refusal { slot: key, why, source, .. } in &refused {
        let worth_a_word = match &state.awaiting {
            Awaiting::Confirmation(keys) => {
                let corrects =
                    *source == Source::Stated || (*source == Source::Answer && turn.extraction.answer == Some(false));
                keys.contains(key) && corrects
            }
            Awaiting::Nothing => state.completed && *source == Source::Stated,
            Awaiting::Answer(_) => false,
        };
        let said = says.iter().any(|s| matches!(s, Say::Invalid { slot, .. } if slot == key));
        if worth_a_word && !said {
            says.push(Say::Invalid { slot: key.clone(), why: *why });
        }
    }
    // A complete form that heard nothing for it leaves the answer to the caller.
    if state.completed && next == *state && says.is_empty() {
        return Outcome { state: next, says, submission: None, hand_over: false };
    }
    let submission = next_action(form, &mut next, turn, &fresh, &mut says);
    let mut outcome = Outcome { state: next, says, submission, hand_over: false };
    // A slot settled another way moves the form on, as an answer would.
    let move_on = |outcome: &mut Outcome| {
        outcome.state.repeated = 0;
        outcome.submission = next_action(form, &mut outcome.state, turn, &[], &mut outcome.says);
    };
    stuck::unstick(form, state, turn, &refused, &mut outcome, move_on);
    outcome
}

/// The state a form starts from, and its first question.
pub fn start(form: &Form, sender: Option<&PhoneNumber>, language: Language) -> Outcome {
    let empty = Extraction::default();
    let turn = Turn { text: "", extraction: &empty, sender, dialling_from: sender, language };
    let mut state = FormState::default();
    let mut says = Vec::new();
    next_action(form, &mut state, &turn, &[], &mut says);
    Outcome { state, says, submission: None, hand_over: false }
}

/// What the form waits on, asked again (a text that answered nothing, such as a photo, came in): the
/// values to confirm or the next question; nothing for a complete form. The state does not change.
pub fn reminder(form: &Form, state: &FormState, sender: Option<&PhoneNumber>, language: Language) -> Vec<Say> {
    let empty = Extraction::default();
    let turn = Turn { text: "", extraction: &empty, sender, dialling_from: sender, language };
    let mut says = Vec::new();
    if !state.completed {
        next_action(form, &mut state.clone(), &turn, &[], &mut says);
    }
    says
}

fn looks_like_question(text: &str) -> bool {
    text.contains('?')
}

fn confirm(state: &mut FormState, keys: &[String]) {
    for key in keys {
        if let Some(SlotState::Proposed { value, .. }) = state.slots.get(key).cloned() {
            state.slots.insert(key.clone(), SlotState::Confirmed { value });
            state.unverified.remove(key);
        }
    }
}

/// A "no": each proposed value gives way to the confirmed one it would have replaced; a value that was
/// only being re-checked (it still stood after an earlier change) is cleared and asked again.
fn reject(state: &mut FormState, keys: &[String]) {
    for key in keys {
        match state.slots.get(key).cloned() {
            Some(SlotState::Proposed { value, previous: Some(previous) }) if value != previous => {
                state.slots.insert(key.clone(), SlotState::Confirmed { value: previous });
            }
            Some(SlotState::Proposed { .. }) => {
                state.slots.remove(key);
            }
            _ => {}
        }
    }
}

/// Takes checked values into the state: new values wait for confirmation, corrections re-open the
/// confirmations that depend on them.
fn apply(form: &Form, state: &mut FormState, accepted: &[(String, SlotValue)]) {
    for (key, value) in accepted {
        let Some(slot) = form.slot(key) else { continue };
        let current = state.slots.get(key).cloned();
        let previous = match &current {
            Some(SlotState::Confirmed { value: old }) if old == value => continue,
            Some(SlotState::Confirmed { value: old }) => Some(old.clone()),
            Some(SlotState::Proposed { previous, .. }) => previous.clone(),
            Some(SlotState::Skipped) | None => None,
        };
        let corrected = previous.is_some();
        let new_state = if slot.confirm {
            SlotState::Proposed { value: value.clone(), previous }
        } else {
            SlotState::Confirmed { value: value.clone() }
        };
        state.slots.insert(key.clone(), new_state);
        if corrected {
            state.completed = false;
            reopen_dependents(form, state, key);
        }
    }
}

fn reopen_dependents(form: &Form, state: &mut FormState, changed: &str) {
    for slot in form.slots.iter().filter(|s| s.depends_on.iter().any(|d| d == changed)) {
        if let Some(SlotState::Confirmed { value }) = state.slots.get(&slot.key).cloned() {
            state.slots.insert(slot.key.clone(), SlotState::Proposed { value: value.clone(), previous: Some(value) });
        }
    }
}

/// Moves the form on: confirm what was read (this turn's values first), else ask the next empty slot, else
/// complete. Returns the submission when the form completes.
pub(super) fn next_action(
    form: &Form,
    state: &mut FormState,
    turn: &Turn,
    fresh: &[String],
    says: &mut Vec<Say>,
) -> Option<BTreeMap<String, SlotValue>> {
    let display = |key: &str, value: &SlotValue| {
        let kind = form.slot(key).map_or(&SlotKind::FreeText, |s| &s.kind);
        value.display(kind, turn.language)
    };

    let all_proposed: Vec<(String, SlotValue, Option<SlotValue>)> = form
        .slots
        .iter()
        .filter_map(|s| match state.slots.get(&s.key) {
            Some(SlotState::Proposed { value, previous }) => Some((s.key.clone(), value.clone(), previous.clone())),
            _ => None,
        })
        .collect();
    let fresh_proposed: Vec<_> = all_proposed.iter().filter(|(k, _, _)| fresh.contains(k)).cloned().collect();
    let proposed = if fresh_proposed.is_empty() { all_proposed } else { fresh_proposed };
    if !proposed.is_empty() {
        state.awaiting = Awaiting::Confirmation(proposed.iter().map(|(k, _, _)| k.clone()).collect());
        let offering_sender = matches!(proposed.as_slice(), [(k, SlotValue::Text(number), None)]
            if turn.sender.is_some_and(|s| number == s.as_str()) && state.offered.contains(k));
        let unchanged = proposed.iter().all(|(_, value, previous)| previous.as_ref() == Some(value));
        let values = proposed.iter().map(|(k, v, _)| (k.clone(), display(k, v))).collect();
        says.push(if offering_sender {
            Say::OfferSender { number: display(&proposed[0].0, &proposed[0].1) }
        } else if unchanged {
            Say::Reconfirm { values }
        } else {
            Say::Confirm { values, updated: proposed.iter().any(|(_, _, previous)| previous.is_some()) }
        });
        return None;
    }

    if let Some(slot) = form.slots.iter().find(|s| !state.slots.contains_key(&s.key)) {
        let offers_sender = matches!(slot.kind, SlotKind::Phone { offer_sender: true });
        if let Some(sender) = turn.sender.filter(|_| offers_sender)
            && state.offered.insert(slot.key.clone())
        {
            let value = SlotValue::Text(sender.as_str().to_owned());
            says.push(Say::OfferSender { number: display(&slot.key, &value) });
            state.slots.insert(slot.key.clone(), SlotState::Proposed { value, previous: None });
            state.awaiting = Awaiting::Confirmation(vec![slot.key.clone()]);
        } else {
            says.push(Say::Ask { slot: slot.key.clone() });
            state.awaiting = Awaiting::Answer(slot.key.clone());
        }
        return None;
    }

    state.awaiting = Awaiting::Nothing;
    if state.completed {
        return None;
    }
    let values: BTreeMap<String, SlotValue> =
        state.slots.iter().filter_map(|(k, s)| s.confirmed().map(|v| (k.clone(), v.clone()))).collect();
    state.completed = true;
    if state.submissions > 0 && values == state.submitted {
        says.push(Say::Unchanged);
        return None;
    }
    let shown =
        form.slots.iter().filter_map(|s| values.get(&s.key).map(|v| (s.key.clone(), display(&s.key, v)))).collect();
    says.push(Say::Complete { values: shown, updated: state.submissions > 0 });
    state.submissions += 1;
    state.submitted = values.clone();
    Some(values)
}
